package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/grafana/sobek"
	"github.com/twmb/franz-go/pkg/kgo"
)

// closeTimeout bounds the final offset commit and group leave on close().
const closeTimeout = 10 * time.Second

// consumer backs one JS Consumer. Without a groupId it reads every
// partition of the topic directly; with one it joins the group and lets
// franz-go auto-commit the offsets of returned records.
type consumer struct {
	mi     *moduleInstance
	cfg    consumerConfig
	link   *link
	closed bool
}

func (mi *moduleInstance) newConsumer(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.vu.Runtime()
	cfg, err := parseConsumerConfig(exportArg(call.Argument(0)))
	if err != nil {
		throw(rt, err)
	}
	start := kgo.NewOffset().AtStart()
	if cfg.startAtEnd {
		start = kgo.NewOffset().AtEnd()
	}
	opts := []kgo.Opt{kgo.ConsumeTopics(cfg.topic), kgo.ConsumeResetOffset(start)}
	if cfg.groupID != "" {
		opts = append(opts, kgo.ConsumerGroup(cfg.groupID))
	}
	l, err := openLink(cfg.conn, opts...)
	if err != nil {
		throw(rt, err)
	}
	c := &consumer{mi: mi, cfg: cfg, link: l}
	return setMethods(rt, map[string]func(sobek.FunctionCall) sobek.Value{
		"consume": c.jsConsume,
		"close":   c.jsClose,
	})
}

// jsConsume returns up to maxMessages records, or fewer when the timeout
// elapses first; a timeout is not an error.
func (c *consumer) jsConsume(call sobek.FunctionCall) sobek.Value {
	rt := c.mi.vu.Runtime()
	if c.mi.vu.InInit() {
		throw(rt, errInitContext("consume()"))
	}
	if c.closed {
		throw(rt, errors.New("kafka: consume() called on a closed Consumer"))
	}
	req, err := parseConsumeRequest(exportArg(call.Argument(0)))
	if err != nil {
		throw(rt, err)
	}
	records, err := c.consume(c.mi.vu.Context(), req)
	c.report(records, err)
	if err != nil {
		throw(rt, fmt.Errorf("kafka: consume from topic %q failed: %s", c.cfg.topic, c.link.explain(err)))
	}
	return c.toJS(rt, records)
}

func (c *consumer) consume(vuCtx context.Context, req consumeRequest) ([]*kgo.Record, error) {
	// Reachability is checked on its own clock so that a short consume
	// timeout is not mistaken for an unreachable cluster.
	if err := c.link.reachable(vuCtx); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(vuCtx, req.timeout)
	defer cancel()
	records := make([]*kgo.Record, 0, min(req.maxMessages, 1024))
	for len(records) < req.maxMessages && ctx.Err() == nil {
		fetches := c.link.client.PollRecords(ctx, req.maxMessages-len(records))
		if fetches.IsClientClosed() {
			return records, errors.New("the consumer was closed")
		}
		var fetchErr error
		fetches.EachError(func(_ string, partition int32, err error) {
			if fetchErr != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return
			}
			fetchErr = err
			if partition >= 0 { // -1 marks client-level errors
				fetchErr = fmt.Errorf("partition %d: %w", partition, err)
			}
		})
		records = append(records, fetches.Records()...)
		if fetchErr != nil {
			return records, fetchErr
		}
	}
	return records, nil
}

// report pushes one set of reader samples per consume() call.
func (c *consumer) report(records []*kgo.Record, err error) {
	var bytes int64
	for _, r := range records {
		bytes += int64(len(r.Key) + len(r.Value))
	}
	errs := 0.0
	if err != nil {
		errs = 1
	}
	m := c.mi.metrics
	emit(c.mi.vu, c.cfg.topic, time.Now(),
		measurement{m.readerMessages, float64(len(records))},
		measurement{m.readerBytes, float64(bytes)},
		measurement{m.readerErrors, errs},
	)
}

// toJS converts records to plain JS objects. Keys, values and headers are
// returned as strings; time as a JS Date.
func (c *consumer) toJS(rt *sobek.Runtime, records []*kgo.Record) sobek.Value {
	dateCtor := rt.Get("Date")
	out := make([]any, 0, len(records))
	for _, r := range records {
		headers := rt.NewObject()
		for _, h := range r.Headers {
			mustSet(rt, headers, h.Key, string(h.Value))
		}
		date, err := rt.New(dateCtor, rt.ToValue(r.Timestamp.UnixMilli()))
		if err != nil {
			throw(rt, err)
		}
		msg := rt.NewObject()
		mustSet(rt, msg, "topic", r.Topic)
		mustSet(rt, msg, "partition", r.Partition)
		mustSet(rt, msg, "offset", r.Offset)
		mustSet(rt, msg, "key", string(r.Key))
		mustSet(rt, msg, "value", string(r.Value))
		mustSet(rt, msg, "headers", headers)
		mustSet(rt, msg, "time", date)
		out = append(out, msg)
	}
	return rt.NewArray(out...)
}

func mustSet(rt *sobek.Runtime, obj *sobek.Object, key string, v any) {
	if err := obj.Set(key, v); err != nil {
		throw(rt, err)
	}
}

// jsClose commits what a group consumer returned and leaves the group,
// within closeTimeout, before closing the client.
func (c *consumer) jsClose(sobek.FunctionCall) sobek.Value {
	if c.closed {
		return sobek.Undefined()
	}
	c.closed = true
	if c.cfg.groupID != "" {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		_ = c.link.client.CommitUncommittedOffsets(ctx)
		_ = c.link.client.LeaveGroupContext(ctx)
		cancel()
	}
	c.link.close()
	return sobek.Undefined()
}
