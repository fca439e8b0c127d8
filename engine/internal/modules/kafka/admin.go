package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/grafana/sobek"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// adminTimeout bounds each admin call, so a dead cluster produces an error
// instead of a hung init context.
const adminTimeout = 15 * time.Second

// admin backs one JS AdminClient. Admin calls are allowed in the init
// context because scripts commonly create topics there.
type admin struct {
	mi     *moduleInstance
	link   *link
	adm    *kadm.Client
	closed bool
}

func (mi *moduleInstance) newAdminClient(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.vu.Runtime()
	cfg, err := parseAdminConfig(exportArg(call.Argument(0)))
	if err != nil {
		throw(rt, err)
	}
	l, err := openLink(cfg.conn)
	if err != nil {
		throw(rt, err)
	}
	a := &admin{mi: mi, link: l, adm: kadm.NewClient(l.client)}
	return setMethods(rt, map[string]func(sobek.FunctionCall) sobek.Value{
		"createTopic":   a.jsCreateTopic,
		"deleteTopic":   a.jsDeleteTopic,
		"listTopics":    a.jsListTopics,
		"describeTopic": a.jsDescribeTopic,
		"topicOffsets":  a.jsTopicOffsets,
		"close":         a.jsClose,
	})
}

// begin checks the client is usable and reachable and returns the context
// for one admin call.
func (a *admin) begin(call string) (context.Context, context.CancelFunc) {
	rt := a.mi.vu.Runtime()
	if a.closed {
		throw(rt, fmt.Errorf("kafka: AdminClient.%s called after close()", call))
	}
	parent := a.mi.vu.Context()
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, adminTimeout)
	if err := a.link.reachable(ctx); err != nil {
		cancel()
		throw(rt, errors.New("kafka: "+err.Error()))
	}
	return ctx, cancel
}

// fail throws a failed admin call, explaining connectivity causes.
func (a *admin) fail(what string, err error) {
	throw(a.mi.vu.Runtime(), fmt.Errorf("kafka: %s failed: %s", what, a.link.explain(err)))
}

// jsCreateTopic returns true when the topic was created and false when it
// already existed, so scripts can call it unconditionally.
func (a *admin) jsCreateTopic(call sobek.FunctionCall) sobek.Value {
	rt := a.mi.vu.Runtime()
	spec, err := parseTopicSpec(exportArg(call.Argument(0)))
	if err != nil {
		throw(rt, err)
	}
	ctx, cancel := a.begin("createTopic()")
	defer cancel()
	resp, err := a.adm.CreateTopic(ctx, spec.partitions, spec.replicationFactor, spec.configs, spec.topic)
	if err == nil {
		err = resp.Err
	}
	switch {
	case err == nil:
		return rt.ToValue(true)
	case errors.Is(err, kerr.TopicAlreadyExists):
		return rt.ToValue(false)
	}
	if resp.ErrMessage != "" {
		err = fmt.Errorf("%w: %s", err, resp.ErrMessage)
	}
	a.fail(fmt.Sprintf("createTopic(%q)", spec.topic), err)
	return nil
}

// jsDeleteTopic returns true when the topic was deleted and false when it
// did not exist.
func (a *admin) jsDeleteTopic(call sobek.FunctionCall) sobek.Value {
	rt := a.mi.vu.Runtime()
	topic := topicArg(rt, "deleteTopic", call.Argument(0))
	ctx, cancel := a.begin("deleteTopic()")
	defer cancel()
	resp, err := a.adm.DeleteTopic(ctx, topic)
	if err == nil {
		err = resp.Err
	}
	switch {
	case err == nil:
		return rt.ToValue(true)
	case errors.Is(err, kerr.UnknownTopicOrPartition):
		return rt.ToValue(false)
	}
	a.fail(fmt.Sprintf("deleteTopic(%q)", topic), err)
	return nil
}

// jsListTopics returns the sorted names of all non-internal topics.
func (a *admin) jsListTopics(sobek.FunctionCall) sobek.Value {
	ctx, cancel := a.begin("listTopics()")
	defer cancel()
	topics, err := a.adm.ListTopics(ctx)
	if err != nil {
		a.fail("listTopics()", err)
	}
	return a.mi.vu.Runtime().ToValue(topics.Names())
}

// jsDescribeTopic returns {topic, partitions} and throws for a missing topic.
func (a *admin) jsDescribeTopic(call sobek.FunctionCall) sobek.Value {
	rt := a.mi.vu.Runtime()
	topic := topicArg(rt, "describeTopic", call.Argument(0))
	ctx, cancel := a.begin("describeTopic()")
	defer cancel()
	topics, err := a.adm.ListTopics(ctx, topic)
	if err != nil {
		a.fail(fmt.Sprintf("describeTopic(%q)", topic), err)
	}
	detail, ok := topics[topic]
	if !ok || errors.Is(detail.Err, kerr.UnknownTopicOrPartition) {
		throw(rt, fmt.Errorf("kafka: describeTopic(%q) failed: the topic does not exist", topic))
	}
	if detail.Err != nil {
		a.fail(fmt.Sprintf("describeTopic(%q)", topic), detail.Err)
	}
	obj := rt.NewObject()
	for k, v := range map[string]any{"topic": topic, "partitions": len(detail.Partitions)} {
		if err := obj.Set(k, v); err != nil {
			throw(rt, err)
		}
	}
	return obj
}

// jsTopicOffsets(topic, groupId?) returns {end, committed, lag} summed over the
// topic's partitions: end is the log end offsets, committed the group's
// committed offsets (a partition without a commit counts from 0), lag their
// difference. Without a group, committed and lag are 0. This is the lag any
// pipeline that commits its offsets exposes, whoever wrote it.
func (a *admin) jsTopicOffsets(call sobek.FunctionCall) sobek.Value {
	rt := a.mi.vu.Runtime()
	topic := topicArg(rt, "topicOffsets", call.Argument(0))
	group, _ := exportArg(call.Argument(1)).(string)
	ctx, cancel := a.begin("topicOffsets()")
	defer cancel()
	ends, err := a.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		a.fail(fmt.Sprintf("topicOffsets(%q)", topic), err)
	}
	partitions, ok := ends[topic]
	if !ok || len(partitions) == 0 {
		throw(rt, fmt.Errorf("kafka: topicOffsets(%q) failed: the topic does not exist", topic))
	}
	var committedOffsets kadm.OffsetResponses
	if group != "" {
		if committedOffsets, err = a.adm.FetchOffsetsForTopics(ctx, group, topic); err != nil {
			a.fail(fmt.Sprintf("topicOffsets(%q, %q)", topic, group), err)
		}
	}
	var end, committed int64
	for partition, listed := range partitions {
		if listed.Err != nil {
			a.fail(fmt.Sprintf("topicOffsets(%q)", topic), listed.Err)
		}
		end += listed.Offset
		if group == "" {
			continue
		}
		if c, found := committedOffsets.Lookup(topic, partition); found && c.Err == nil && c.At >= 0 {
			committed += c.At
		}
	}
	lag := int64(0)
	if group != "" {
		lag = end - committed
	}
	obj := rt.NewObject()
	for k, v := range map[string]any{"end": end, "committed": committed, "lag": lag} {
		if err := obj.Set(k, v); err != nil {
			throw(rt, err)
		}
	}
	return obj
}

func (a *admin) jsClose(sobek.FunctionCall) sobek.Value {
	if !a.closed {
		a.closed = true
		a.link.close()
	}
	return sobek.Undefined()
}

// topicArg reads the topic-name argument of deleteTopic/describeTopic.
func topicArg(rt *sobek.Runtime, method string, v sobek.Value) string {
	s, ok := exportArg(v).(string)
	if !ok || s == "" {
		throw(rt, &optionError{fmt.Sprintf("kafka: %s() needs a topic name (a non-empty string), got %s", method, describeArg(v))})
	}
	return s
}

// describeArg is describe for a raw JS argument, distinguishing a missing
// argument from null.
func describeArg(v sobek.Value) string {
	if v == nil || sobek.IsUndefined(v) {
		return "nothing"
	}
	return describe(exportArg(v))
}
