// Package metrics holds what every part of the engine shares about measurements: metric
// definitions and their registry, tag sets, samples, and the Collector that carries samples from
// VUs and executors to aggregation and outputs.
package metrics

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Type is how a metric's samples are aggregated, with k6's names.
type Type uint8

const (
	Counter Type = iota // sums values: count, rate per second
	Gauge               // keeps the last value, with min and max
	Rate                // share of non-zero values
	Trend               // distribution: avg, min, med, max, percentiles
)

func (t Type) String() string {
	switch t {
	case Counter:
		return "counter"
	case Gauge:
		return "gauge"
	case Rate:
		return "rate"
	case Trend:
		return "trend"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// ValueType says what a metric's values measure, with k6's names ("contains" in summaries).
type ValueType uint8

const (
	Default ValueType = iota // plain numbers
	Time                     // milliseconds
	Data                     // bytes
)

func (v ValueType) String() string {
	switch v {
	case Time:
		return "time"
	case Data:
		return "data"
	}
	return "default"
}

// Metric is one registered metric. Metrics are created through a Registry and compared by pointer.
type Metric struct {
	Name     string
	Type     Type
	Contains ValueType
}

var validName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,127}$`)

// Registry holds the metrics of one test run: built-ins and those the script creates.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]*Metric
	order  []*Metric
}

// NewRegistry returns an empty registry; see RegisterBuiltins for k6's built-in metrics.
func NewRegistry() *Registry {
	return &Registry{byName: map[string]*Metric{}}
}

// Register returns the metric of that name, creating it when it does not exist yet. Registering
// a name again with the same type and value type returns the existing metric (every VU runs the
// script's init code, and so creates its metrics again); a different type is an error.
func (r *Registry) Register(name string, t Type, contains ValueType) (*Metric, error) {
	if !validName.MatchString(name) {
		return nil, fmt.Errorf("invalid metric name %q: use 1 to 128 ASCII letters, digits and underscores, not starting with a digit", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.byName[name]; ok {
		if m.Type != t || m.Contains != contains {
			return nil, fmt.Errorf("metric %q is already a %s of %s values; it cannot also be a %s of %s values: rename one of them", name, m.Type, m.Contains, t, contains)
		}
		return m, nil
	}
	m := &Metric{Name: name, Type: t, Contains: contains}
	r.byName[name] = m
	r.order = append(r.order, m)
	return m, nil
}

// MustRegister is Register for names known to be valid (built-ins).
func (r *Registry) MustRegister(name string, t Type, contains ValueType) *Metric {
	m, err := r.Register(name, t, contains)
	if err != nil {
		panic(err)
	}
	return m
}

// Get returns the metric of that name, or nil.
func (r *Registry) Get(name string) *Metric {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byName[name]
}

// All returns the metrics in registration order.
func (r *Registry) All() []*Metric {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*Metric(nil), r.order...)
}

// Builtins are the metrics the engine itself emits, with k6's names.
type Builtins struct {
	VUs                 *Metric // gauge: active VUs
	VUsMax              *Metric // gauge: initialized VUs
	Iterations          *Metric // counter: completed iterations
	IterationDuration   *Metric // trend (time)
	DroppedIterations   *Metric // counter: scheduled iterations that found no free VU
	IterationStartDelay *Metric // trend (time): actual minus scheduled start (arrival-rate executors)
	Checks              *Metric // rate
	DataSent            *Metric // counter (data)
	DataReceived        *Metric // counter (data)
}

// RegisterBuiltins registers the engine's own metrics.
func RegisterBuiltins(r *Registry) *Builtins {
	return &Builtins{
		VUs:                 r.MustRegister("vus", Gauge, Default),
		VUsMax:              r.MustRegister("vus_max", Gauge, Default),
		Iterations:          r.MustRegister("iterations", Counter, Default),
		IterationDuration:   r.MustRegister("iteration_duration", Trend, Time),
		DroppedIterations:   r.MustRegister("dropped_iterations", Counter, Default),
		IterationStartDelay: r.MustRegister("iteration_start_delay", Trend, Time),
		Checks:              r.MustRegister("checks", Rate, Default),
		DataSent:            r.MustRegister("data_sent", Counter, Data),
		DataReceived:        r.MustRegister("data_received", Counter, Data),
	}
}

// Tag is one key and value.
type Tag struct{ Key, Value string }

// TagSet is an immutable, sorted set of tags. The zero value and nil are the empty set.
// Its Key is canonical, so equal sets have equal keys (usable as map keys for series).
type TagSet struct {
	tags []Tag
	key  string
}

// NewTagSet builds a tag set from a map.
func NewTagSet(m map[string]string) *TagSet {
	tags := make([]Tag, 0, len(m))
	for k, v := range m {
		tags = append(tags, Tag{k, v})
	}
	return fromTags(tags)
}

func fromTags(tags []Tag) *TagSet {
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	var b strings.Builder
	for _, t := range tags {
		b.WriteString(t.Key)
		b.WriteByte(0)
		b.WriteString(t.Value)
		b.WriteByte(0)
	}
	return &TagSet{tags: tags, key: b.String()}
}

// With returns a set with key set to value (replacing an existing value).
func (ts *TagSet) With(key, value string) *TagSet {
	tags := make([]Tag, 0, ts.Len()+1)
	for _, t := range ts.All() {
		if t.Key != key {
			tags = append(tags, t)
		}
	}
	return fromTags(append(tags, Tag{key, value}))
}

// Merge returns a set with every tag of other added to (or replacing) those of ts.
func (ts *TagSet) Merge(other *TagSet) *TagSet {
	if other.Len() == 0 {
		return ts
	}
	if ts.Len() == 0 {
		return other
	}
	m := ts.Map()
	for _, t := range other.All() {
		m[t.Key] = t.Value
	}
	return NewTagSet(m)
}

// Get returns the value of key.
func (ts *TagSet) Get(key string) (string, bool) {
	for _, t := range ts.All() {
		if t.Key == key {
			return t.Value, true
		}
	}
	return "", false
}

// Len is the number of tags.
func (ts *TagSet) Len() int {
	if ts == nil {
		return 0
	}
	return len(ts.tags)
}

// All returns the tags sorted by key. The slice must not be modified.
func (ts *TagSet) All() []Tag {
	if ts == nil {
		return nil
	}
	return ts.tags
}

// Map returns a copy of the tags as a map.
func (ts *TagSet) Map() map[string]string {
	m := make(map[string]string, ts.Len())
	for _, t := range ts.All() {
		m[t.Key] = t.Value
	}
	return m
}

// Key is a canonical string of the set: equal sets have equal keys.
func (ts *TagSet) Key() string {
	if ts == nil {
		return ""
	}
	return ts.key
}

// Sample is one measurement.
type Sample struct {
	Metric *Metric
	Tags   *TagSet
	Time   time.Time
	Value  float64
}

// Collector receives samples. Implementations are safe for concurrent use and must not keep the
// slice after returning.
type Collector interface {
	Collect(samples ...Sample)
}

// CollectorFunc adapts a function to a Collector.
type CollectorFunc func(samples ...Sample)

// Collect calls f.
func (f CollectorFunc) Collect(samples ...Sample) { f(samples...) }
