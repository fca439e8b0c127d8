package http

import (
	"strconv"
	"time"

	"spate.local/engine/internal/metrics"
)

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
	blocked, connecting, tlsTime, sending, waiting, receiving := p.durations()
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
