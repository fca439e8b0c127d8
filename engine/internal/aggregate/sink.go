package aggregate

import (
	"time"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/threshold"
)

// Sink aggregates the samples of one metric or sub-metric, by the metric's type.
type Sink struct {
	Type    metrics.Type
	Samples uint64 // how many samples it got, whatever the type

	Count float64 // counter: sum of values

	Value, Min, Max float64   // gauge: the latest value (by sample time), and extremes
	valueAt         time.Time // gauge: time of Value's sample

	Passes, Fails uint64 // rate: non-zero and zero values

	Histogram *metrics.Histogram // trend
}

// NewSink returns an empty sink for a metric type.
func NewSink(t metrics.Type) *Sink {
	s := &Sink{Type: t}
	if t == metrics.Trend {
		s.Histogram = metrics.NewHistogram()
	}
	return s
}

// Add records one sample.
func (s *Sink) Add(v float64, at time.Time) {
	first := s.Samples == 0
	s.Samples++
	switch s.Type {
	case metrics.Counter:
		s.Count += v
	case metrics.Gauge:
		if first || !at.Before(s.valueAt) {
			s.Value, s.valueAt = v, at
		}
		if first || v < s.Min {
			s.Min = v
		}
		if first || v > s.Max {
			s.Max = v
		}
	case metrics.Rate:
		if v != 0 {
			s.Passes++
		} else {
			s.Fails++
		}
	case metrics.Trend:
		s.Histogram.Add(v)
	}
}

// Rate is passes over all samples for a rate, count per second of duration for a counter.
func (s *Sink) Rate(duration time.Duration) float64 {
	switch s.Type {
	case metrics.Counter:
		if duration <= 0 {
			return 0
		}
		return s.Count / duration.Seconds()
	case metrics.Rate:
		if s.Passes+s.Fails == 0 {
			return 0
		}
		return float64(s.Passes) / float64(s.Passes+s.Fails)
	}
	return 0
}

// Aggregate is the value a threshold compares; duration is the test's so far (for counter rates).
func (s *Sink) Aggregate(a threshold.Aggregation, duration time.Duration) float64 {
	switch a.Name {
	case "count":
		return s.Count
	case "rate":
		return s.Rate(duration)
	case "value":
		return s.Value
	case "avg":
		return s.Histogram.Avg()
	case "min":
		return s.Histogram.Min()
	case "max":
		return s.Histogram.Max()
	case "med":
		return s.Histogram.Med()
	case "p":
		return s.Histogram.Quantile(a.Percentile / 100)
	}
	return 0
}

// clone is a deep copy for snapshots.
func (s *Sink) clone() *Sink {
	c := *s
	if s.Histogram != nil {
		c.Histogram = metrics.NewHistogram()
		c.Histogram.Merge(s.Histogram)
	}
	return &c
}
