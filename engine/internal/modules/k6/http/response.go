package http

import (
	"net"
	"net/http"
	"strings"

	"github.com/grafana/sobek"
)

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
	blocked, connecting, tlsTime, sending, waiting, receiving := p.durations()
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
