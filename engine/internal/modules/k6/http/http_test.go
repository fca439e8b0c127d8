package http_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/js"
	"spate.local/engine/internal/js/jstest"
	_ "spate.local/engine/internal/modules/k6/http"
)

func server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Seen-Agent", r.Header.Get("User-Agent"))
		_, _ = io.WriteString(w, `{"ok":true,"items":[1,2]}`)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Host == "virtual.test" {
			_, _ = io.WriteString(w, "virtual ")
		}
		_, _ = io.WriteString(w, r.Method+" "+r.Header.Get("X-Token")+" "+r.Header.Get("Content-Type")+" "+string(body))
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/wait", func(w http.ResponseWriter, r *http.Request) { time.Sleep(100 * time.Millisecond) })
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("session"); err == nil {
			_, _ = io.WriteString(w, c.Value)
			return
		}
		_, _ = io.WriteString(w, "nobody")
	})
	mux.HandleFunc("/bytes", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte{0, 1, 2, 3, 4}) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/json", http.StatusFound) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// closedPort is a local port nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

const script = `
import http from 'k6/http'
import { get, post } from 'k6/http'
const base = __ENV.BASE
export function getJSON () {
  const r = get(base + '/json', { tags: { name: 'json-endpoint' } })
  console.log([r.json('items.1'), r.json('ok'), String(r.json('items.9')), String(r.json('ok.x'))].join(' '))
  console.log([r.status, r.headers['Content-Type'], r.json().items.length, r.body.length, r.timings.duration >= 0, r.error === '', r.error_code, r.headers['X-Seen-Agent'] !== ''].join(' '))
}
export function postForm () {
  console.log(post(base + '/echo', { a: '1' }).body)
  console.log(http.request('PUT', base + '/echo', 'raw', { headers: { 'X-Token': 't1', 'Content-Type': 'text/plain' } }).body)
  console.log(http.del(base + '/echo').body)
  console.log(http.get(base + '/echo', { headers: { Host: 'virtual.test' } }).body)
}
export function missing () {
  const r = http.get(base + '/missing')
  console.log(r.status + ' ' + r.error_code + ' [' + r.error + ']')
}
export function timeout () {
  const r = http.get(base + '/slow', { timeout: 50 })
  console.log(r.status + ' ' + r.error_code + ' ' + r.error)
}
export function refused () {
  const r = http.get('http://' + __ENV.CLOSED + '/')
  console.log(r.status + ' ' + r.error_code)
}
export function badURL () {
  const r = http.get('ftp://example.org/')
  console.log(r.status + ' ' + r.error_code)
}
export function binary () {
  const r = http.get(base + '/bytes', { responseType: 'binary' })
  console.log(r.body.byteLength + ' ' + new Uint8Array(r.body)[4])
}
export function redirect () {
  const r = http.get(base + '/redirect')
  console.log(r.status + ' ' + r.url.endsWith('/json'))
}
export function slow () { http.get(base + '/slow') }
export function cookies () {
  console.log(http.get(base + '/whoami').body)
  http.get(base + '/login')
  console.log(http.get(base + '/whoami').body)
}
`

func TestHTTP(t *testing.T) {
	srv := server(t)
	r := jstest.New(t, "main.js", script)
	r.Config.Env["BASE"] = srv.URL
	r.Config.Env["CLOSED"] = closedPort(t)
	vu := r.VU(t, 1)
	tests := []struct {
		name, exec, want string
	}{
		{"a GET returns status, headers, body, json() (with a path) and timings", "getJSON", "2 true undefined undefined\n200 application/json 2 25 true true 0 true"},
		{"a POST of an object sends a form; request() and del() send method, headers and body", "postForm",
			"POST  application/x-www-form-urlencoded a=1\nPUT t1 text/plain raw\nDELETE   \nvirtual GET   "},
		{"a 404 is a response with error_code 1404 and no error text", "missing", "404 1404 []"},
		{"a timeout is status 0 with error_code 1050", "timeout", "0 1050 request timeout after 50ms"},
		{"a refused connection is status 0 with error_code 1212", "refused", "0 1212"},
		{"a URL that is not http or https is error_code 1020", "badURL", "0 1020"},
		{"responseType binary gives an ArrayBuffer", "binary", "5 4"},
		{"redirects are followed", "redirect", "200 true"},
		{"cookies a server sets are sent back within the iteration", "cookies", "nobody\ns1"},
		{"every iteration starts without cookies", "cookies", "nobody\ns1"},
	}
	iterations := map[string]*executor.Iteration{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(r.Log.String())
			// One Iteration value per exec function, reused as an executor may.
			if iterations[tc.exec] == nil {
				iterations[tc.exec] = &executor.Iteration{Scenario: jstest.Scenario(tc.exec, tc.exec)}
			}
			if err := vu.RunIteration(context.Background(), iterations[tc.exec]); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, line := range strings.Split(r.Log.String()[before:], "\n") {
				if strings.HasPrefix(line, "INFO ") {
					got = append(got, strings.TrimPrefix(line, "INFO "))
				}
			}
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("logged\n%s\nwant\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
	t.Run("each request emits http_reqs, http_req_duration and http_req_failed with k6's tags", func(t *testing.T) {
		reqs := r.Samples.Of("http_reqs")
		tags := reqs[0].Tags.Map()
		if tags["method"] != "GET" || tags["status"] != "200" || tags["url"] != srv.URL+"/json" || tags["name"] != "json-endpoint" ||
			tags["scenario"] != "getJSON" || tags["expected_response"] != "true" || tags["proto"] != "HTTP/1.1" {
			t.Errorf("tags %v", tags)
		}
		if n := len(r.Samples.Of("http_req_duration")); n != len(reqs) {
			t.Errorf("%d durations for %d requests", n, len(reqs))
		}
		failed := r.Samples.Of("http_req_failed")
		var fails []string
		for _, s := range failed {
			if s.Value == 1 {
				status, _ := s.Tags.Get("status")
				fails = append(fails, status)
			}
		}
		if strings.Join(fails, ",") != "404,0,0" {
			t.Errorf("failed requests had statuses %v, want 404,0,0", fails)
		}
	})
	t.Run("data_sent and data_received count the bytes on the wire", func(t *testing.T) {
		if s := r.Samples.Of("data_received"); len(s) == 0 || s[0].Value < 25 {
			t.Errorf("data_received %v", s)
		}
		if s := r.Samples.Of("data_sent"); len(s) == 0 || s[0].Value < 20 {
			t.Errorf("data_sent %v", s)
		}
	})
	t.Run("an interrupted iteration stops waiting for its request", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := vu.RunIteration(ctx, &executor.Iteration{Scenario: jstest.Scenario("slow", "slow")})
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
			t.Errorf("RunIteration = %v after %v", err, time.Since(start))
		}
	})
}

func TestHTTPInInit(t *testing.T) {
	r := jstest.New(t, "main.js", "import http from 'k6/http'\nhttp.get('http://127.0.0.1:1/')\nexport default function () {}\n")
	_, err := js.NewVU(context.Background(), r.Config, 1, 1)
	t.Run("a request in init code is a script error that says where requests go", func(t *testing.T) {
		if err == nil || !strings.Contains(err.Error(), "cannot run in init code") || !strings.Contains(err.Error(), "main.js:2:") {
			t.Errorf("err %v", err)
		}
	})
}

func TestExpectedStatuses(t *testing.T) {
	srv := server(t)
	r := jstest.New(t, "main.js", `
import http from 'k6/http'
export function perRequest () { http.get(__ENV.BASE + '/missing', { responseCallback: http.expectedStatuses(404, { min: 200, max: 299 }) }) }
export function off () { http.setResponseCallback(null); http.get(__ENV.BASE + '/missing') }
export function bad () { http.expectedStatuses('x') }
`)
	r.Config.Env["BASE"] = srv.URL
	vu := r.VU(t, 1)
	t.Run("a request's responseCallback decides whether its status is expected", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("perRequest", "perRequest"))
		failed := r.Samples.Of("http_req_failed")
		if len(failed) != 1 || failed[0].Value != 0 || failed[0].Tags.Map()["expected_response"] != "true" {
			t.Errorf("http_req_failed %v", failed)
		}
	})
	t.Run("setResponseCallback(null) turns http_req_failed off", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("off", "off"))
		if n := len(r.Samples.Of("http_req_failed")); n != 1 {
			t.Errorf("%d http_req_failed samples, want still 1", n)
		}
		reqs := r.Samples.Of("http_reqs")
		if _, ok := reqs[len(reqs)-1].Tags.Get("expected_response"); ok || len(reqs) != 2 {
			t.Errorf("http_reqs %v", reqs)
		}
	})
	t.Run("an argument that is no status is an error", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("bad", "bad"))
		if !strings.Contains(r.Log.String(), "expectedStatuses: x is not an HTTP status") {
			t.Errorf("log %q", r.Log.String())
		}
	})
}

func TestBatch(t *testing.T) {
	srv := server(t)
	r := jstest.New(t, "main.js", `
import http from 'k6/http'
const base = __ENV.BASE
export function array () {
  const rs = http.batch([base + '/json', ['POST', base + '/echo', 'b1'], { method: 'GET', url: base + '/missing' }])
  console.log(rs.map((r) => r.status).join(' ') + ' ' + rs[1].body)
}
export function object () {
  const rs = http.batch({ a: base + '/bytes', b: { url: base + '/json', params: { tags: { name: 'b' } } } })
  console.log(rs.a.status + ' ' + rs.b.json().ok)
}
export function parallel () {
  const start = Date.now()
  http.batch([base + '/wait', base + '/wait', base + '/wait'])
  console.log(String(Date.now() - start < 290))
}
`)
	r.Config.Env["BASE"] = srv.URL
	vu := r.VU(t, 1)
	tests := []struct{ name, exec, want string }{
		{"an array of requests gives an array of responses in order", "array", "INFO 200 200 404 POST   b1"},
		{"an object of requests gives an object of responses", "object", "INFO 200 true"},
		{"a batch's requests run at the same time", "parallel", "INFO true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(r.Log.String())
			jstest.Iterate(t, vu, jstest.Scenario(tc.exec, tc.exec))
			if got := strings.TrimPrefix(r.Log.String()[before:], "\n"); got != tc.want {
				t.Errorf("logged %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("each request of a batch emits its own http_reqs", func(t *testing.T) {
		if n := len(r.Samples.Of("http_reqs")); n != 8 {
			t.Errorf("%d http_reqs, want 8", n)
		}
	})
}
