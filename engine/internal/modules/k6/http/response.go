package http

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/metrics"
)

// phases are the times of a request's steps, as httptrace reports them.
type phases struct {
	start, getConn, gotConn, connectStart, connectDone, tlsStart, tlsDone time.Time
	wrote, firstByte, done                                                time.Time
	remote                                                                net.Addr
}

func (p *phases) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) { p.getConn = time.Now() },
		GotConn: func(info httptrace.GotConnInfo) {
			p.gotConn = time.Now()
			p.remote = info.Conn.RemoteAddr()
		},
		ConnectStart:         func(string, string) { p.connectStart = time.Now() },
		ConnectDone:          func(string, string, error) { p.connectDone = time.Now() },
		TLSHandshakeStart:    func() { p.tlsStart = time.Now() },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { p.tlsDone = time.Now() },
		WroteRequest:         func(httptrace.WroteRequestInfo) { p.wrote = time.Now() },
		GotFirstResponseByte: func() { p.firstByte = time.Now() },
	}
}

func ms(from, to time.Time) float64 {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0
	}
	return float64(to.Sub(from)) / float64(time.Millisecond)
}

// outcome is what a request gave, before it is measured and shown to the script.
type outcome struct {
	req  *request
	p    phases
	resp *http.Response
	data []byte
	err  error
	code int
}

// send makes the request and returns k6's response object; a failed request is a response
// with status 0, error and error_code, not an exception (k6's default).
func (in *instance) send(req *request) sobek.Value {
	sent, received := in.counter.sent.Load(), in.counter.received.Load()
	o := in.perform(in.vu.Context(), req)
	if in.vu.Context().Err() != nil {
		// The iteration was interrupted: the script stops, nothing is measured.
		return sobek.Undefined()
	}
	v := in.finish(o)
	in.emitData(sent, received)
	return v
}

// perform runs the request; it touches no script state, so batch runs it on other goroutines.
func (in *instance) perform(ctx context.Context, req *request) *outcome {
	o := &outcome{req: req}
	ctx, cancel := context.WithTimeout(ctx, req.timeout)
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, o.p.trace())
	var body io.Reader
	if req.hasBody {
		body = newBytesReader(req.body)
	}
	httpReq, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		o.err, o.code = fmt.Errorf("invalid URL %q: %w", req.url, errors.Unwrap(err)), 1020
		return o
	}
	if httpReq.URL.Scheme != "http" && httpReq.URL.Scheme != "https" {
		o.err, o.code = fmt.Errorf("invalid URL %q: the scheme must be http or https", req.url), 1020
		return o
	}
	httpReq.Header = req.header
	if host := req.header.Get("Host"); host != "" {
		// Go sends Request.Host, not a Host header.
		httpReq.Host = host
	}
	if httpReq.Header.Get("User-Agent") == "" {
		httpReq.Header.Set("User-Agent", "spate (k6 compatible)")
	}
	client := &http.Client{Transport: in.transport, Jar: req.jar, CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		if len(via) > req.redirects {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	o.p.start = time.Now()
	o.resp, o.err = client.Do(httpReq)
	if o.err == nil {
		if req.responseType == "none" {
			_, o.err = io.Copy(io.Discard, o.resp.Body)
		} else {
			o.data, o.err = io.ReadAll(o.resp.Body)
		}
		_ = o.resp.Body.Close()
	}
	o.p.done = time.Now()
	if o.p.firstByte.IsZero() {
		o.p.firstByte = o.p.done
	}
	if o.p.wrote.IsZero() {
		o.p.wrote = o.p.firstByte
	}
	switch {
	case o.err != nil:
		o.code = errorCode(o.err)
		if o.code == 1050 {
			o.err = fmt.Errorf("request timeout after %v", req.timeout)
		}
	default:
		o.code = statusCode(o.resp.StatusCode)
	}
	return o
}

// finish measures an outcome and builds its response, on the VU's goroutine.
func (in *instance) finish(o *outcome) sobek.Value {
	if o.err != nil {
		in.vu.Logger().Warnf("request failed: %s %s: %v", o.req.method, o.req.url, o.err)
		if o.p.start.IsZero() {
			// Never sent (an invalid URL): nothing to measure.
			return in.response(o.req, nil, nil, &o.p, o.code, o.err)
		}
		status := 0
		if o.resp != nil {
			status = o.resp.StatusCode
		}
		in.emit(o.req, &o.p, status, "", o.code)
		return in.response(o.req, nil, nil, &o.p, o.code, o.err)
	}
	in.emit(o.req, &o.p, o.resp.StatusCode, o.resp.Proto, o.code)
	return in.response(o.req, o.resp, o.data, &o.p, o.code, nil)
}

// emitData pushes the bytes the VU's connections moved since the given counts.
func (in *instance) emitData(sent, received int64) {
	now := time.Now()
	tags := in.vu.Tags()
	in.vu.Collector().Collect(
		metrics.Sample{Metric: in.m.dataSent, Tags: tags, Time: now, Value: float64(in.counter.sent.Load() - sent)},
		metrics.Sample{Metric: in.m.dataReceived, Tags: tags, Time: now, Value: float64(in.counter.received.Load() - received)},
	)
}

// emit pushes the request's samples, tagged as k6 tags them.
func (in *instance) emit(req *request, p *phases, status int, proto string, code int) {
	tags := map[string]string{
		"method": req.method,
		"url":    req.url,
		"name":   req.url,
		"status": strconv.Itoa(status),
	}
	expected := true
	if req.expected != nil {
		expected = req.expected.expected(status)
		tags["expected_response"] = strconv.FormatBool(expected)
	}
	if proto != "" {
		tags["proto"] = proto
	}
	if code != 0 {
		tags["error_code"] = strconv.Itoa(code)
	}
	for k, v := range req.tags {
		tags[k] = v
	}
	set := in.vu.Tags().Merge(metrics.NewTagSet(tags))
	connecting, tlsTime := ms(p.connectStart, p.connectDone), ms(p.tlsStart, p.tlsDone)
	blocked := ms(p.getConn, p.gotConn) - connecting - tlsTime
	if blocked < 0 {
		blocked = 0
	}
	sending, waiting, receiving := ms(p.gotConn, p.wrote), ms(p.wrote, p.firstByte), ms(p.firstByte, p.done)
	failed := 0.0
	if !expected {
		failed = 1
	}
	now := p.done
	m := &in.m
	samples := make([]metrics.Sample, 0, 9)
	samples = append(samples,
		metrics.Sample{Metric: m.reqs, Tags: set, Time: now, Value: 1},
		metrics.Sample{Metric: m.duration, Tags: set, Time: now, Value: sending + waiting + receiving},
	)
	if req.expected != nil {
		samples = append(samples, metrics.Sample{Metric: m.failed, Tags: set, Time: now, Value: failed})
	}
	samples = append(samples,
		metrics.Sample{Metric: m.blocked, Tags: set, Time: now, Value: blocked},
		metrics.Sample{Metric: m.connecting, Tags: set, Time: now, Value: connecting},
		metrics.Sample{Metric: m.tlsHandshaking, Tags: set, Time: now, Value: tlsTime},
		metrics.Sample{Metric: m.sending, Tags: set, Time: now, Value: sending},
		metrics.Sample{Metric: m.waiting, Tags: set, Time: now, Value: waiting},
		metrics.Sample{Metric: m.rx, Tags: set, Time: now, Value: receiving},
	)
	in.vu.Collector().Collect(samples...)
}

// response builds k6's Response object.
func (in *instance) response(req *request, resp *http.Response, data []byte, p *phases, code int, err error) sobek.Value {
	rt := in.vu.Runtime()
	o := rt.NewObject()
	status, statusText, proto, finalURL := 0, "", "", req.url
	headers := rt.NewObject()
	if resp != nil {
		status, statusText, proto = resp.StatusCode, resp.Status, resp.Proto
		finalURL = resp.Request.URL.String()
		for k, v := range resp.Header {
			_ = headers.Set(k, joinValues(v))
		}
	}
	_ = o.Set("status", status)
	_ = o.Set("status_text", statusText)
	_ = o.Set("proto", proto)
	_ = o.Set("url", finalURL)
	_ = o.Set("headers", headers)
	switch {
	case resp == nil || req.responseType == "none":
		_ = o.Set("body", sobek.Null())
	case req.responseType == "binary":
		_ = o.Set("body", rt.NewArrayBuffer(data))
	default:
		_ = o.Set("body", string(data))
	}
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	_ = o.Set("error", errText)
	_ = o.Set("error_code", code)
	remoteIP, remotePort := "", 0
	if tcp, ok := p.remote.(*net.TCPAddr); ok {
		remoteIP, remotePort = tcp.IP.String(), tcp.Port
	}
	_ = o.Set("remote_ip", remoteIP)
	_ = o.Set("remote_port", remotePort)
	timings := rt.NewObject()
	connecting, tlsTime := ms(p.connectStart, p.connectDone), ms(p.tlsStart, p.tlsDone)
	blocked := ms(p.getConn, p.gotConn) - connecting - tlsTime
	if blocked < 0 {
		blocked = 0
	}
	sending, waiting, receiving := ms(p.gotConn, p.wrote), ms(p.wrote, p.firstByte), ms(p.firstByte, p.done)
	for k, v := range map[string]float64{
		"blocked": blocked, "connecting": connecting, "tls_handshaking": tlsTime, "sending": sending,
		"waiting": waiting, "receiving": receiving, "duration": sending + waiting + receiving,
	} {
		_ = timings.Set(k, v)
	}
	_ = o.Set("timings", timings)
	request := rt.NewObject()
	_ = request.Set("method", req.method)
	_ = request.Set("url", req.url)
	reqHeaders := rt.NewObject()
	for k, v := range req.header {
		_ = reqHeaders.Set(k, joinValues(v))
	}
	_ = request.Set("headers", reqHeaders)
	_ = request.Set("body", string(req.body))
	_ = o.Set("request", request)
	_ = o.Set("json", func(call sobek.FunctionCall) sobek.Value {
		if resp == nil || req.responseType == "none" {
			panic(rt.NewTypeError("response.json(): the response has no body"))
		}
		parse, _ := sobek.AssertFunction(rt.GlobalObject().Get("JSON").ToObject(rt).Get("parse"))
		v, err := parse(sobek.Undefined(), rt.ToValue(string(data)))
		if err != nil {
			panic(err)
		}
		if sel := call.Argument(0); !sobek.IsUndefined(sel) {
			return selectPath(rt, v, sel.String())
		}
		return v
	})
	return o
}

func joinValues(v []string) string {
	if len(v) == 1 {
		return v[0]
	}
	out := ""
	for i, s := range v {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// selectPath is json(selector) for plain paths: "items.0.name" reads field items, element 0,
// field name; a missing step gives undefined. (k6 takes gjson selectors; their other syntax,
// such as wildcards and queries, is not supported.)
func selectPath(rt *sobek.Runtime, v sobek.Value, path string) sobek.Value {
	for _, step := range strings.Split(path, ".") {
		o, ok := v.(*sobek.Object)
		if !ok {
			return sobek.Undefined()
		}
		v = o.Get(step)
		if v == nil {
			return sobek.Undefined()
		}
	}
	return v
}
