package prometheus

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"

	"spate.local/engine/internal/metrics"
)

// prometheusURL is the shared local stack's Prometheus (remote-write receiver on).
func prometheusURL() string {
	if p := os.Getenv("SPATE_PROMETHEUS_PORT"); p != "" {
		return "http://127.0.0.1:" + p
	}
	return "http://127.0.0.1:19090"
}

// query runs an instant query and returns the values by the label given, retrying until want
// results arrive or 10 s pass.
func query(t *testing.T, promQL, byLabel string, want int) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(prometheusURL() + "/api/v1/query?query=" + url.QueryEscape(promQL))
		if err != nil {
			t.Fatalf("query %s: %v", promQL, err)
		}
		var body struct {
			Data struct {
				Result []struct {
					Metric map[string]string `json:"metric"`
					Value  [2]any            `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, r := range body.Data.Result {
			v, _ := strconv.ParseFloat(r.Value[1].(string), 64)
			out[r.Metric[byLabel]] = v
		}
		if len(out) >= want || time.Now().After(deadline) {
			return out
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestRemoteWriteToPrometheus(t *testing.T) {
	if _, err := http.Get(prometheusURL() + "/-/ready"); err != nil {
		t.Fatalf("the local stack's Prometheus is not reachable at %s (start it with `task up -- prometheus`): %v", prometheusURL(), err)
	}
	testid := fmt.Sprintf("metrics-test-%d", time.Now().UnixNano())
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	written := reg.MustRegister("kafka_writer_message_count", metrics.Counter, metrics.Default)
	latency := reg.MustRegister("kafka_writer_write_seconds", metrics.Trend, metrics.Time)
	lag := reg.MustRegister("spate_lag_slope_ratio", metrics.Trend, metrics.Default)

	cfg, err := ConfigFromEnv(map[string]string{
		"K6_PROMETHEUS_RW_SERVER_URL":    prometheusURL() + "/api/v1/write",
		"K6_PROMETHEUS_RW_PUSH_INTERVAL": "100ms",
		"K6_PROMETHEUS_RW_TREND_STATS":   "p(99),p(99.9),max,count",
		"K6_PROMETHEUS_RW_STALE_MARKERS": "true",
	})
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	o := New(cfg, func(s string) { warnings = append(warnings, s) })
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tags := func(topic string) *metrics.TagSet {
		return metrics.NewTagSet(map[string]string{"testid": testid, "topic": topic, "scenario": "spike"})
	}
	for i := 1; i <= 1000; i++ {
		topic := "a"
		if i%4 == 0 {
			topic = "b"
		}
		o.AddSamples([]metrics.Sample{
			{Metric: written, Tags: tags(topic), Time: now, Value: 2},
			{Metric: latency, Tags: tags(topic), Time: now, Value: float64(i)}, // ms
			{Metric: b.Checks, Tags: tags(topic), Time: now, Value: float64(i % 2)},
		})
	}
	o.AddSamples([]metrics.Sample{
		{Metric: b.VUs, Tags: tags("a"), Time: now, Value: 3},
		{Metric: b.VUs, Tags: tags("a"), Time: now, Value: 7},
		{Metric: lag, Tags: tags("a"), Time: now, Value: 0.25},
	})
	time.Sleep(400 * time.Millisecond) // let the periodic push send them

	sel := `{testid="` + testid + `"}`
	t.Run("counters are k6_<name>_total, cumulative, with the tags as labels", func(t *testing.T) {
		got := query(t, "k6_kafka_writer_message_count_total"+sel, "topic", 2)
		if got["a"] != 1500 || got["b"] != 500 {
			t.Fatalf("%v", got)
		}
	})
	t.Run("gauges are k6_<name> with the latest value", func(t *testing.T) {
		if got := query(t, "k6_vus"+sel, "topic", 1); got["a"] != 7 {
			t.Fatalf("%v", got)
		}
	})
	t.Run("rates are k6_<name>_rate", func(t *testing.T) {
		if got := query(t, "k6_checks_rate"+sel, "topic", 2); got["a"] != 2.0/3 || got["b"] != 0 {
			t.Fatalf("%v", got)
		}
	})
	t.Run("time trend stats are gauges in seconds, p(99.9) named p999", func(t *testing.T) {
		p99 := query(t, "k6_kafka_writer_write_seconds_p99"+sel, "topic", 2)
		// topic a holds 1..1000 without multiples of 4: its p(99) is about 990 ms.
		if math.Abs(p99["a"]-0.99) > 0.99*0.01 {
			t.Fatalf("p99 %v", p99)
		}
		if got := query(t, "k6_kafka_writer_write_seconds_max"+sel, "topic", 2); got["b"] != 1 {
			t.Fatalf("max %v", got)
		}
		if got := query(t, "k6_kafka_writer_write_seconds_p999"+sel, "topic", 2); len(got) != 2 {
			t.Fatalf("p999 %v", got)
		}
		if got := query(t, "k6_kafka_writer_write_seconds_count"+sel, "topic", 2); got["b"] != 250 {
			t.Fatalf("count is not in samples: %v", got)
		}
	})
	t.Run("trends of plain numbers keep their unit", func(t *testing.T) {
		if got := query(t, "k6_spate_lag_slope_ratio_max"+sel, "topic", 1); got["a"] != 0.25 {
			t.Fatalf("%v", got)
		}
	})
	t.Run("later samples update the series at the next push", func(t *testing.T) {
		o.AddSamples([]metrics.Sample{{Metric: written, Tags: tags("a"), Time: now, Value: 10}})
		deadline := time.Now().Add(10 * time.Second)
		for query(t, "k6_kafka_writer_message_count_total"+sel, "topic", 2)["a"] != 1510 {
			if time.Now().After(deadline) {
				t.Fatal("the counter did not move to 1510")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := o.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Run("stale markers end every series at Stop", func(t *testing.T) {
		deadline := time.Now().Add(10 * time.Second)
		for len(query(t, "k6_vus"+sel, "topic", 0)) != 0 {
			if time.Now().After(deadline) {
				t.Fatal("k6_vus is still there after Stop")
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	t.Run("no push failed", func(t *testing.T) {
		if len(warnings) > 0 {
			t.Fatalf("%v", warnings)
		}
	})
}

func TestRemoteWriteRequest(t *testing.T) {
	type seen struct {
		header http.Header
		user   string
		pass   string
		body   []byte
	}
	requests := make(chan seen, 10)
	status := http.StatusNoContent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		body, err := snappy.Decode(nil, raw)
		if err != nil {
			body = nil
		}
		u, p, _ := r.BasicAuth()
		requests <- seen{r.Header.Clone(), u, p, body}
		w.WriteHeader(status)
		fmt.Fprint(w, "out of bounds\nmore")
	}))
	defer srv.Close()
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	var warnings []string
	o := New(Config{URL: srv.URL, PushInterval: time.Hour, TrendStats: []string{"p(99)"}, Username: "user", Password: "hunter2",
		Headers: map[string]string{"X-Scope-OrgID": "spate"}}, func(s string) { warnings = append(warnings, s) })
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	o.AddSamples([]metrics.Sample{{Metric: b.Iterations, Tags: metrics.NewTagSet(map[string]string{"bad-name": "v", "empty": ""}), Time: time.Now(), Value: 1}})
	_ = o.Stop()
	r := <-requests
	t.Run("the request is snappy protobuf with the remote write headers, auth and extra headers", func(t *testing.T) {
		if r.header.Get("Content-Encoding") != "snappy" || r.header.Get("Content-Type") != "application/x-protobuf" ||
			r.header.Get("X-Prometheus-Remote-Write-Version") != "0.1.0" || r.header.Get("X-Scope-OrgID") != "spate" ||
			r.user != "user" || r.pass != "hunter2" {
			t.Fatalf("%v %s", r.header, r.user)
		}
		if r.body == nil || !strings.Contains(string(r.body), "k6_iterations_total") {
			t.Fatalf("body %q", r.body)
		}
	})
	t.Run("label names are sanitised and empty values dropped", func(t *testing.T) {
		if !strings.Contains(string(r.body), "bad_name") || strings.Contains(string(r.body), "empty") {
			t.Fatalf("body %q", r.body)
		}
	})
	t.Run("a refused push is one warning line without the password", func(t *testing.T) {
		status = http.StatusBadRequest
		o := New(Config{URL: srv.URL, PushInterval: time.Hour, Password: "hunter2"}, func(s string) { warnings = append(warnings, s) })
		_ = o.Start()
		o.AddSamples([]metrics.Sample{{Metric: b.VUs, Time: time.Now(), Value: 1}})
		_ = o.Stop()
		<-requests
		if len(warnings) != 1 || !strings.Contains(warnings[0], "400 Bad Request: out of bounds") ||
			strings.Contains(warnings[0], "\n") || strings.Contains(warnings[0], "hunter2") {
			t.Fatalf("%q", warnings)
		}
	})
}
