package core

import (
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/metrics"
)

// checkTags caches a check's tag set for the VU tags it was derived from.
type checkTags struct {
	base *metrics.TagSet
	tags *metrics.TagSet
}

// check(value, sets, tags?) evaluates each condition (a function of value, or a value), emits
// one `checks` sample per condition tagged check=<name> and group=<path>, and returns whether
// all passed. An exception in a condition propagates, as in k6.
func (m *instance) check(call sobek.FunctionCall) sobek.Value {
	rt := m.vu.Runtime()
	if m.vu.InInit() {
		panic(rt.NewGoError(errInInit("check")))
	}
	value := call.Argument(0)
	sets, ok := call.Argument(1).(*sobek.Object)
	if !ok || sobek.IsUndefined(call.Argument(1)) {
		panic(rt.NewTypeError("check() needs an object of named conditions as its second argument"))
	}
	var extra *metrics.TagSet
	if tags, ok := call.Argument(2).(*sobek.Object); ok {
		extra = tagsOf(rt, tags)
	}
	all := true
	now := time.Now()
	// One Collect per check() from a reused buffer: the Collector does not keep the slice.
	samples := m.samples[:0]
	for _, name := range sets.Keys() {
		cond := sets.Get(name)
		if fn, ok := sobek.AssertFunction(cond); ok {
			result, err := fn(sobek.Undefined(), value)
			if err != nil {
				// The conditions before this one still count.
				m.vu.Collector().Collect(samples...)
				m.samples = samples[:0]
				panic(err)
			}
			cond = result
		}
		pass := cond.ToBoolean()
		sample := metrics.Sample{Metric: m.checks, Tags: m.tagsFor(name, extra), Time: now}
		if pass {
			sample.Value = 1
		} else {
			all = false
		}
		samples = append(samples, sample)
	}
	m.vu.Collector().Collect(samples...)
	m.samples = samples[:0]
	return rt.ToValue(all)
}

func (m *instance) tagsFor(name string, extra *metrics.TagSet) *metrics.TagSet {
	base := m.vu.Tags()
	if extra == nil {
		if c, ok := m.checkTags[name]; ok && c.base == base {
			return c.tags
		}
	}
	tags := base.With("check", name)
	if _, ok := tags.Get("group"); !ok {
		tags = tags.With("group", m.vu.Group())
	}
	if extra != nil {
		return tags.Merge(extra)
	}
	m.checkTags[name] = checkTags{base: base, tags: tags}
	return tags
}

// tagsOf reads a JS object of tags; values become strings.
func tagsOf(rt *sobek.Runtime, o *sobek.Object) *metrics.TagSet {
	keys := o.Keys()
	if len(keys) == 0 {
		return nil
	}
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = o.Get(k).String()
	}
	return metrics.NewTagSet(m)
}
