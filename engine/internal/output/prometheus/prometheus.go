package prometheus

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/snappy"

	"spate.local/engine/internal/metrics"
)

// Output aggregates samples per series (metric and tag set) and pushes every series that got
// samples since the last push, cumulatively as k6 does: counters as running totals, trend stats
// over every sample of the series so far.
type Output struct {
	cfg    Config
	warn   func(string)
	client *http.Client

	mu     sync.Mutex // guards series
	series map[seriesKey]*series

	pushMu sync.Mutex // one push at a time, so timestamps rise
	lastMs int64

	done, exited chan struct{}
}

type seriesKey struct {
	metric *metrics.Metric
	tags   string
}

type series struct {
	metric        *metrics.Metric
	labels        []label // sanitised tags, sorted, without __name__
	count         float64 // counter total
	value         float64 // gauge
	passes, total uint64  // rate
	hist          *metrics.Histogram
}

// New returns an output for cfg; warn receives one line per failed push (nil: stderr).
func New(cfg Config, warn func(string)) *Output {
	if warn == nil {
		warn = func(s string) { fmt.Fprintln(os.Stderr, s) }
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.InsecureSkipTLSVerify {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for it
	}
	return &Output{cfg: cfg, warn: warn, client: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		series: map[seriesKey]*series{}}
}

// Description names the output and where it pushes (without credentials).
func (o *Output) Description() string {
	return "Prometheus remote write (" + redacted(o.cfg.URL) + ")"
}

func redacted(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}

// Start starts pushing every PushInterval.
func (o *Output) Start() error {
	o.done, o.exited = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(o.exited)
		t := time.NewTicker(o.cfg.PushInterval)
		defer t.Stop()
		for {
			select {
			case <-o.done:
				return
			case <-t.C:
				if err := o.push(false); err != nil {
					o.warn(err.Error())
				}
			}
		}
	}()
	return nil
}

// AddSamples folds the samples into their series.
func (o *Output) AddSamples(samples []metrics.Sample) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, smp := range samples {
		if smp.Metric == nil {
			continue
		}
		key := seriesKey{smp.Metric, smp.Tags.Key()}
		s := o.series[key]
		if s == nil {
			s = &series{metric: smp.Metric, labels: labelsOf(smp.Tags)}
			if smp.Metric.Type == metrics.Trend {
				s.hist = metrics.NewHistogram()
			}
			o.series[key] = s
		}
		switch smp.Metric.Type {
		case metrics.Counter:
			s.count += smp.Value
		case metrics.Gauge:
			s.value = smp.Value
		case metrics.Rate:
			s.total++
			if smp.Value != 0 {
				s.passes++
			}
		case metrics.Trend:
			s.hist.Add(smp.Value)
		}
	}
}

// labelsOf turns tags into label pairs: names reduced to [a-zA-Z0-9_], empty values dropped
// (Prometheus treats them as absent), sorted by name.
func labelsOf(tags *metrics.TagSet) []label {
	var out []label
	for _, t := range tags.All() {
		if t.Value == "" {
			continue
		}
		name := labelName(t.Key)
		if name == "__name__" {
			continue
		}
		out = append(out, label{name, strings.ToValidUTF8(t.Value, "\uFFFD")}) // Prometheus refuses a whole request over one invalid label
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func labelName(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9'
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

// withName returns the series' labels plus __name__, still sorted.
func withName(labels []label, name string) []label {
	out := make([]label, 0, len(labels)+1)
	out = append(out, labels...)
	out = append(out, label{"__name__", name})
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// points renders one series as k6 names it.
func (o *Output) points(s *series, ms int64, stale bool) []point {
	name := "k6_" + s.metric.Name
	value := func(v float64) float64 {
		if stale {
			return staleNaN
		}
		return v
	}
	switch s.metric.Type {
	case metrics.Counter:
		return []point{{withName(s.labels, name+"_total"), value(s.count), ms}}
	case metrics.Gauge:
		return []point{{withName(s.labels, name), value(s.value), ms}}
	case metrics.Rate:
		r := 0.0
		if s.total > 0 {
			r = float64(s.passes) / float64(s.total)
		}
		return []point{{withName(s.labels, name+"_rate"), value(r), ms}}
	}
	var out []point
	for _, stat := range o.cfg.TrendStats {
		suffix, _ := statSuffix(stat)
		var v float64
		switch suffix {
		case "count":
			v = float64(s.hist.Count())
		case "sum":
			v = s.hist.Sum()
		case "avg":
			v = s.hist.Avg()
		case "min":
			v = s.hist.Min()
		case "max":
			v = s.hist.Max()
		case "med":
			v = s.hist.Med()
		default:
			v = s.hist.Quantile(percentileOf(stat))
		}
		if s.metric.Contains == metrics.Time && suffix != "count" {
			v /= 1000 // trends hold milliseconds; Prometheus wants seconds
		}
		out = append(out, point{withName(s.labels, name+"_"+suffix), value(v), ms})
	}
	return out
}

func percentileOf(stat string) float64 {
	var n float64
	fmt.Sscanf(strings.TrimSuffix(strings.TrimPrefix(stat, "p("), ")"), "%g", &n)
	return n / 100
}

// push sends every series (as stale markers when
// stale is set).
func (o *Output) push(stale bool) error {
	o.pushMu.Lock()
	defer o.pushMu.Unlock()
	ms := max(time.Now().UnixMilli(), o.lastMs+1)
	var pts []point
	o.mu.Lock()
	for _, s := range o.series {
		// Every series goes out on every push, changed or not: a counter that stops
		// moving still has recent samples, so rate() and the dashboards' range queries see it
		// through a long run instead of losing it after Prometheus' five-minute lookback.
		pts = append(pts, o.points(s, ms, stale)...)
	}
	o.mu.Unlock()
	if len(pts) == 0 {
		return nil
	}
	o.lastMs = ms
	body := snappy.Encode(nil, encodeWriteRequest(pts))
	req, err := http.NewRequest(http.MethodPost, o.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("prometheus remote write: %w", err)
	}
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", "spate")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	for k, v := range o.cfg.Headers {
		req.Header.Set(k, v)
	}
	if o.cfg.Username != "" || o.cfg.Password != "" {
		req.SetBasicAuth(o.cfg.Username, o.cfg.Password)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return fmt.Errorf("prometheus remote write to %s failed: %v; check K6_PROMETHEUS_RW_SERVER_URL and that the server runs", redacted(o.cfg.URL), unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		first, _, _ := strings.Cut(strings.TrimSpace(string(msg)), "\n")
		return fmt.Errorf("prometheus remote write to %s was refused: %s: %s", redacted(o.cfg.URL), resp.Status, first)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// Stop pushes every series a last time, then stale markers when asked for. A failed
// push is reported through warn, not returned: an unreachable Prometheus does not fail a test.
func (o *Output) Stop() error {
	if o.done != nil {
		close(o.done)
		<-o.exited
	}
	if err := o.push(false); err != nil {
		o.warn(err.Error())
	}
	if o.cfg.StaleMarkers {
		if err := o.push(true); err != nil {
			o.warn(err.Error())
		}
	}
	return nil
}
