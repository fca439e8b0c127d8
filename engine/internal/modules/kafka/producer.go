package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grafana/sobek"
	"github.com/twmb/franz-go/pkg/kgo"
)

// producer backs one JS Producer object.
type producer struct {
	mi     *moduleInstance
	cfg    producerConfig
	link   *link
	closed bool
	// out is reused by every produce() call of this producer (calls of one VU never overlap).
	out outgoing
}

func (mi *moduleInstance) newProducer(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.vu.Runtime()
	cfg, err := parseProducerConfig(exportArg(call.Argument(0)))
	if err != nil {
		throw(rt, err)
	}
	open := func() (*link, error) { return openLink(cfg.conn, producerClientOpts(cfg)...) }
	var l *link
	if cfg.share != "" {
		l, err = sharedProducers.acquire(cfg.share, cfg, open)
	} else {
		l, err = open()
	}
	if err != nil {
		throw(rt, err)
	}
	p := &producer{mi: mi, cfg: cfg, link: l}
	return setMethods(rt, map[string]func(sobek.FunctionCall) sobek.Value{
		"produce": p.jsProduce,
		"close":   p.jsClose,
	})
}

// producerClientOpts maps producer options onto franz-go. franz-go's
// idempotent producer (its default) requires acks=all and manages its own
// in-flight limit, so it is used only for requiredAcks -1 without an
// explicit maxInFlight. Otherwise up to 5 requests per broker may be in
// flight, like Kafka's Java producer.
func producerClientOpts(cfg producerConfig) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.ProducerLinger(cfg.linger),
		kgo.RecordDeliveryTimeout(cfg.writeTimeout),
		kgo.ProducerBatchCompression(codec(cfg.compression)),
		kgo.RecordPartitioner(newPinningPartitioner()),
	}
	switch cfg.requiredAcks {
	case 0:
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
	case 1:
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
	default:
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	}
	if cfg.requiredAcks != -1 || cfg.maxInFlight > 0 {
		inFlight := cfg.maxInFlight
		if inFlight == 0 {
			inFlight = 5
		}
		opts = append(opts, kgo.DisableIdempotentWrite(), kgo.MaxProduceRequestsInflightPerBroker(inFlight))
	}
	if cfg.batchBytes > 0 {
		opts = append(opts, kgo.ProducerBatchMaxBytes(cfg.batchBytes))
	}
	if cfg.clientID != "" {
		opts = append(opts, kgo.ClientID(cfg.clientID))
	}
	return opts
}

func codec(name string) kgo.CompressionCodec {
	switch name {
	case "gzip":
		return kgo.GzipCompression()
	case "snappy":
		return kgo.SnappyCompression()
	case "lz4":
		return kgo.Lz4Compression()
	case "zstd":
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

// topicOutcome accumulates one produce() call's results for one topic;
// metrics are per call and topic, not per record.
type topicOutcome struct {
	records, bytes      int64
	failed, failedBytes int64
	firstErr            error
}

func (p *producer) jsProduce(call sobek.FunctionCall) sobek.Value {
	rt := p.mi.vu.Runtime()
	if p.mi.vu.InInit() {
		throw(rt, errInitContext("produce()"))
	}
	if p.closed {
		throw(rt, errors.New("kafka: produce() called on a closed Producer"))
	}
	if err := parseProduceRequest(rt, call.Argument(0), p.cfg.topic, &p.out); err != nil {
		throw(rt, err)
	}
	err := p.produce(p.mi.vu.Context(), &p.out)
	p.out.release()
	if err != nil {
		throw(rt, err)
	}
	return sobek.Undefined()
}

// produce hands every record to franz-go at once and waits for all
// acknowledgements, so one call costs about one round trip per partition
// leader, not one per record.
func (p *producer) produce(ctx context.Context, out *outgoing) error {
	start := time.Now()
	outcomes := map[string]*topicOutcome{}
	for _, r := range out.records {
		o := outcomes[r.Topic]
		if o == nil {
			o = &topicOutcome{}
			outcomes[r.Topic] = o
		}
		o.records++
		o.bytes += int64(len(r.Key) + len(r.Value))
	}

	if err := p.link.reachable(ctx); err != nil {
		for _, o := range outcomes {
			o.failed, o.failedBytes, o.firstErr = o.records, o.bytes, err
		}
		p.report(outcomes, start)
		return p.failure(outcomes)
	}

	var (
		mu        sync.Mutex
		remaining atomic.Int64
		done      = make(chan struct{})
		pinCtx    context.Context
	)
	remaining.Store(int64(len(out.records)))
	promise := func(r *kgo.Record, err error) {
		if err != nil {
			mu.Lock()
			o := outcomes[r.Topic]
			o.failed++
			o.failedBytes += int64(len(r.Key) + len(r.Value))
			if o.firstErr == nil {
				o.firstErr = err
			}
			mu.Unlock()
		}
		if remaining.Add(-1) == 0 {
			close(done)
		}
	}
	for i, r := range out.records {
		if out.pinned[i] {
			if pinCtx == nil {
				pinCtx = pinContext(ctx)
			}
			r.Context = pinCtx
		}
		p.link.client.Produce(ctx, r, promise)
	}
	select {
	case <-done:
	case <-ctx.Done():
		// The test is stopping; franz-go still owns the records, so
		// leave them to it (never reuse them) and do not report a partial result.
		out.abandon()
		return errors.New("kafka: produce() interrupted because the test is stopping")
	}

	mu.Lock()
	defer mu.Unlock()
	p.report(outcomes, start)
	return p.failure(outcomes)
}

// report pushes one set of writer samples per topic of the call.
func (p *producer) report(outcomes map[string]*topicOutcome, start time.Time) {
	now := time.Now()
	elapsed := milliseconds(now.Sub(start))
	m := p.mi.metrics
	for topic, o := range outcomes {
		errs := 0.0
		if o.failed > 0 {
			errs = 1
		}
		emit(p.mi.vu, topic, now,
			measurement{m.writerMessages, float64(o.records - o.failed)},
			measurement{m.writerBytes, float64(o.bytes - o.failedBytes)},
			measurement{m.writerWrites, 1},
			measurement{m.writerErrors, errs},
			measurement{m.writerWriteTime, elapsed},
		)
	}
}

// failure builds the one error thrown for a call: the first failing topic
// (alphabetically, for stable messages) and its first cause.
func (p *producer) failure(outcomes map[string]*topicOutcome) error {
	var failed []string
	for topic, o := range outcomes {
		if o.failed > 0 {
			failed = append(failed, topic)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	slices.Sort(failed)
	o := outcomes[failed[0]]
	msg := fmt.Sprintf("kafka: produce to topic %q failed for %d of %d messages: %s",
		failed[0], o.failed, o.records, p.link.explain(o.firstErr))
	if len(failed) > 1 {
		msg += fmt.Sprintf(" (and %d more topics failed)", len(failed)-1)
	}
	return errors.New(msg)
}

func (p *producer) jsClose(sobek.FunctionCall) sobek.Value {
	if p.closed {
		return sobek.Undefined()
	}
	p.closed = true
	if p.cfg.share != "" {
		sharedProducers.release(p.cfg.share)
	} else {
		p.link.close()
	}
	return sobek.Undefined()
}
