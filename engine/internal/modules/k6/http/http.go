// Package http is the "k6/http" module: synchronous HTTP requests (and parallel batches) with
// k6's params, response object and metrics (http_reqs, http_req_duration and its phases,
// http_req_failed, data_sent, data_received).
package http

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules"
)

func init() {
	modules.Register("k6/http", modules.ModuleFunc(New))
}

// instance is one VU's HTTP client: its own connections, as each k6 VU has.
type instance struct {
	vu        modules.VU
	transport *http.Transport
	counter   *byteCounter
	m         httpMetrics
	// expected decides http_req_failed; nil turns it off (setResponseCallback(null)).
	expected *statusRanges
	// cookies is the jar of the iteration cookiesOf.
	cookies   http.CookieJar
	cookiesOf int64
}

type httpMetrics struct {
	reqs, duration, failed                                    *metrics.Metric
	blocked, connecting, tlsHandshaking, sending, waiting, rx *metrics.Metric
	dataSent, dataReceived                                    *metrics.Metric
}

// New is the "k6/http" module's instance for one VU.
func New(vu modules.VU) (modules.Exports, error) {
	r := vu.Registry()
	var err error
	reg := func(name string, t metrics.Type, c metrics.ValueType) *metrics.Metric {
		m, e := r.Register(name, t, c)
		if e != nil && err == nil {
			err = e
		}
		return m
	}
	m := httpMetrics{
		reqs:           reg("http_reqs", metrics.Counter, metrics.Default),
		duration:       reg("http_req_duration", metrics.Trend, metrics.Time),
		failed:         reg("http_req_failed", metrics.Rate, metrics.Default),
		blocked:        reg("http_req_blocked", metrics.Trend, metrics.Time),
		connecting:     reg("http_req_connecting", metrics.Trend, metrics.Time),
		tlsHandshaking: reg("http_req_tls_handshaking", metrics.Trend, metrics.Time),
		sending:        reg("http_req_sending", metrics.Trend, metrics.Time),
		waiting:        reg("http_req_waiting", metrics.Trend, metrics.Time),
		rx:             reg("http_req_receiving", metrics.Trend, metrics.Time),
		dataSent:       reg("data_sent", metrics.Counter, metrics.Data),
		dataReceived:   reg("data_received", metrics.Counter, metrics.Data),
	}
	if err != nil {
		return modules.Exports{}, err
	}
	counter := &byteCounter{}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         counter.dial(dialer),
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
		DisableCompression:  true,
	}
	in := &instance{vu: vu, transport: transport, counter: counter, m: m, expected: defaultExpected}
	named := map[string]any{
		"request": in.request,
		"get":     in.withoutBody("GET"),
		"head":    in.withoutBody("HEAD"),
		"post":    in.withBody("POST"),
		"put":     in.withBody("PUT"),
		"patch":   in.withBody("PATCH"),
		"del":     in.withBody("DELETE"),
		"options": in.withBody("OPTIONS"),

		"batch":               in.batch,
		"expectedStatuses":    in.expectedStatuses,
		"setResponseCallback": in.setResponseCallback,
	}
	return modules.Exports{Named: named}, nil
}

// request(method, url, body?, params?)
func (in *instance) request(call sobek.FunctionCall) sobek.Value {
	return in.do(call.Argument(0).String(), call.Argument(1), call.Argument(2), call.Argument(3))
}

// withoutBody is get(url, params?) and head(url, params?).
func (in *instance) withoutBody(method string) func(sobek.FunctionCall) sobek.Value {
	return func(call sobek.FunctionCall) sobek.Value {
		return in.do(method, call.Argument(0), sobek.Undefined(), call.Argument(1))
	}
}

// withBody is post(url, body?, params?) and its kin.
func (in *instance) withBody(method string) func(sobek.FunctionCall) sobek.Value {
	return func(call sobek.FunctionCall) sobek.Value {
		return in.do(method, call.Argument(0), call.Argument(1), call.Argument(2))
	}
}

func (in *instance) do(method string, url, body, params sobek.Value) sobek.Value {
	rt := in.vu.Runtime()
	if in.vu.InInit() {
		panic(rt.NewGoError(fmt.Errorf("http.%s() cannot run in init code; make requests inside an exported function (setup or default)", jsName(method))))
	}
	req, err := in.newRequest(method, url, body, params)
	if err != nil {
		panic(rt.NewTypeError(err.Error()))
	}
	return in.send(req)
}

func jsName(method string) string {
	switch method {
	case "DELETE":
		return "del"
	case "GET":
		return "get"
	case "HEAD":
		return "head"
	case "POST":
		return "post"
	case "PUT":
		return "put"
	case "PATCH":
		return "patch"
	}
	return "request"
}
