package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"time"

	"github.com/grafana/sobek"
)

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
