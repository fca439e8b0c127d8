package http

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grafana/sobek"
)

// request is a request as the script described it, with k6's params read.
type request struct {
	method       string
	url          string
	body         []byte
	hasBody      bool
	header       http.Header
	timeout      time.Duration
	tags         map[string]string
	responseType string // text, binary or none
	redirects    int
	expected     *statusRanges
	jar          http.CookieJar
}

const defaultTimeout = 60 * time.Second

func (in *instance) newRequest(method string, urlValue, body, params sobek.Value) (*request, error) {
	rt := in.vu.Runtime()
	req := &request{
		method:       strings.ToUpper(method),
		header:       http.Header{},
		timeout:      defaultTimeout,
		responseType: "text",
		redirects:    10,
		expected:     in.expected,
		jar:          in.jar(),
	}
	if urlValue == nil || sobek.IsUndefined(urlValue) || sobek.IsNull(urlValue) {
		return nil, fmt.Errorf("http.%s() needs a URL", jsName(req.method))
	}
	req.url = urlValue.String()
	if err := req.readBody(rt, body); err != nil {
		return nil, err
	}
	if p, ok := params.(*sobek.Object); ok && !sobek.IsNull(params) {
		if err := req.readParams(p); err != nil {
			return nil, err
		}
		if cb := p.Get("responseCallback"); cb != nil && !sobek.IsUndefined(cb) {
			req.expected = in.responseCallback(cb)
		}
	}
	return req, nil
}

// readBody takes a string, an ArrayBuffer (or typed array), or an object sent as a form.
func (req *request) readBody(rt *sobek.Runtime, body sobek.Value) error {
	if body == nil || sobek.IsUndefined(body) || sobek.IsNull(body) {
		return nil
	}
	req.hasBody = true
	switch v := body.Export().(type) {
	case string:
		req.body = []byte(v)
	case sobek.ArrayBuffer:
		req.body = append([]byte(nil), v.Bytes()...)
	case []byte:
		req.body = append([]byte(nil), v...)
	case map[string]any:
		form := url.Values{}
		for k, x := range v {
			form.Set(k, fmt.Sprint(x))
		}
		req.body = []byte(form.Encode())
		req.header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		req.body = []byte(body.String())
	}
	return nil
}

func (req *request) readParams(p *sobek.Object) error {
	if h, ok := p.Get("headers").(*sobek.Object); ok {
		for _, k := range h.Keys() {
			req.header.Set(k, h.Get(k).String())
		}
	}
	if t := p.Get("tags"); t != nil {
		if o, ok := t.(*sobek.Object); ok {
			req.tags = make(map[string]string, len(o.Keys()))
			for _, k := range o.Keys() {
				req.tags[k] = o.Get(k).String()
			}
		}
	}
	if t := p.Get("timeout"); t != nil && !sobek.IsUndefined(t) && !sobek.IsNull(t) {
		d, err := duration(t)
		if err != nil {
			return err
		}
		req.timeout = d
	}
	if rt := p.Get("responseType"); rt != nil && !sobek.IsUndefined(rt) {
		switch s := rt.String(); s {
		case "text", "binary", "none":
			req.responseType = s
		default:
			return fmt.Errorf("responseType %q is invalid: use text, binary or none", s)
		}
	}
	if r := p.Get("redirects"); r != nil && !sobek.IsUndefined(r) && !sobek.IsNull(r) {
		req.redirects = int(r.ToInteger())
	}
	return nil
}

// duration reads a k6 timeout: a number of milliseconds or a duration string such as "30s".
func duration(v sobek.Value) (time.Duration, error) {
	switch x := v.Export().(type) {
	case int64:
		return time.Duration(x) * time.Millisecond, nil
	case float64:
		return time.Duration(x * float64(time.Millisecond)), nil
	case string:
		d, err := time.ParseDuration(x)
		if err != nil {
			return 0, fmt.Errorf("timeout %q is invalid: use milliseconds or a duration such as 30s", x)
		}
		return d, nil
	}
	return 0, fmt.Errorf("timeout %s is invalid: use milliseconds or a duration such as 30s", v.String())
}

// newBytesReader gives the request a body it can rewind for redirects.
func newBytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
