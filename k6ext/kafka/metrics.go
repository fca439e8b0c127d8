package kafka

import (
	"time"

	"go.k6.io/k6/js/modules"
	"go.k6.io/k6/metrics"
)

// kafkaMetrics uses upstream xk6-kafka's metric names and types so that
// dashboards and thresholds work with either extension.
type kafkaMetrics struct {
	writerMessages  *metrics.Metric
	writerBytes     *metrics.Metric
	writerWrites    *metrics.Metric
	writerErrors    *metrics.Metric
	writerWriteTime *metrics.Metric

	readerMessages *metrics.Metric
	readerBytes    *metrics.Metric
	readerErrors   *metrics.Metric
}

// registerMetrics is called for every VU; the registry returns the already
// registered metric for a repeated name and type, so all VUs share them.
func registerMetrics(registry *metrics.Registry) (*kafkaMetrics, error) {
	var m kafkaMetrics
	defs := []struct {
		dst  **metrics.Metric
		name string
		typ  metrics.MetricType
		val  metrics.ValueType
	}{
		{&m.writerMessages, "kafka_writer_message_count", metrics.Counter, metrics.Default},
		{&m.writerBytes, "kafka_writer_message_bytes", metrics.Counter, metrics.Data},
		{&m.writerWrites, "kafka_writer_write_count", metrics.Counter, metrics.Default},
		{&m.writerErrors, "kafka_writer_error_count", metrics.Counter, metrics.Default},
		{&m.writerWriteTime, "kafka_writer_write_seconds", metrics.Trend, metrics.Time},
		{&m.readerMessages, "kafka_reader_message_count", metrics.Counter, metrics.Default},
		{&m.readerBytes, "kafka_reader_message_bytes", metrics.Counter, metrics.Data},
		{&m.readerErrors, "kafka_reader_error_count", metrics.Counter, metrics.Default},
	}
	for _, d := range defs {
		metric, err := registry.NewMetric(d.name, d.typ, d.val)
		if err != nil {
			return nil, err
		}
		*d.dst = metric
	}
	return &m, nil
}

type measurement struct {
	metric *metrics.Metric
	value  float64
}

// emit pushes measurements tagged with the VU's current tags (including
// any set by the script via exec.vu.tags or group) plus the topic.
func emit(vu modules.VU, topic string, at time.Time, ms ...measurement) {
	state := vu.State()
	if state == nil {
		return
	}
	ctm := state.Tags.GetCurrentValues()
	tags := ctm.Tags.With("topic", topic)
	samples := make([]metrics.Sample, 0, len(ms))
	for _, m := range ms {
		samples = append(samples, metrics.Sample{
			TimeSeries: metrics.TimeSeries{Metric: m.metric, Tags: tags},
			Time:       at,
			Metadata:   ctm.Metadata,
			Value:      m.value,
		})
	}
	metrics.PushIfNotDone(vu.Context(), state.Samples, metrics.ConnectedSamples{
		Samples: samples, Tags: tags, Time: at,
	})
}
