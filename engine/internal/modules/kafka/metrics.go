package kafka

import (
	"time"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules"
)

// kafkaMetrics uses the k6 Kafka extension's metric names and types so that dashboards and thresholds work
// with either.
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

// registerMetrics is called for every VU; the registry returns the already registered metric
// for a repeated name and type, so all VUs share them.
func registerMetrics(registry *metrics.Registry) (*kafkaMetrics, error) {
	var m kafkaMetrics
	defs := []struct {
		dst  **metrics.Metric
		name string
		typ  metrics.Type
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
		metric, err := registry.Register(d.name, d.typ, d.val)
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

// emit sends measurements tagged with the VU's current tags (scenario, group, the script's
// own) plus the topic.
func emit(vu modules.VU, topic string, at time.Time, ms ...measurement) {
	tags := vu.Tags().With("topic", topic)
	samples := make([]metrics.Sample, 0, len(ms))
	for _, m := range ms {
		samples = append(samples, metrics.Sample{Metric: m.metric, Tags: tags, Time: at, Value: m.value})
	}
	vu.Collector().Collect(samples...)
}

// milliseconds is how Time metrics carry durations.
func milliseconds(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
