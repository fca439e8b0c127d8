// Package kafka is a k6 extension registering the JS module "k6/x/kafka":
// Kafka producer, consumer and topic admin for load tests, built on
// franz-go. Its JS API is a compatible subset of xk6-kafka v2's.
package kafka

import (
	"errors"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/js/common"
	"go.k6.io/k6/js/modules"
)

func init() {
	modules.Register("k6/x/kafka", New())
}

// RootModule is the global module object; k6 asks it for one instance per VU.
type RootModule struct{}

// ModuleInstance is the module as seen by one VU.
type ModuleInstance struct {
	vu      modules.VU
	metrics *kafkaMetrics
	exports modules.Exports
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*ModuleInstance)(nil)
)

// New returns the root module.
func New() *RootModule { return &RootModule{} }

// NewModuleInstance runs in the VU's init context, where the metrics
// registry is available.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	env := vu.InitEnv()
	if env == nil {
		common.Throw(vu.Runtime(), errors.New("kafka: the module must be imported in the init context"))
	}
	m, err := registerMetrics(env.Registry)
	if err != nil {
		common.Throw(vu.Runtime(), err)
	}
	mi := &ModuleInstance{vu: vu, metrics: m}
	named := map[string]any{
		"Producer":    mi.newProducer,
		"AdminClient": mi.newAdminClient,
		"Consumer":    mi.newConsumer,
	}
	for k, v := range constants {
		named[k] = v
	}
	mi.exports = modules.Exports{Named: named}
	return mi
}

// Exports lists the JS API: classes plus upstream's named constants. k6
// calls it on every lookup of an imported name, so it is built only once.
func (mi *ModuleInstance) Exports() modules.Exports { return mi.exports }

var constants = map[string]any{
	"SASL_PLAIN":        saslPlain,
	"SASL_SCRAM_SHA256": saslScram256,
	"SASL_SCRAM_SHA512": saslScram512,

	"CODEC_NONE":   "none",
	"CODEC_GZIP":   "gzip",
	"CODEC_SNAPPY": "snappy",
	"CODEC_LZ4":    "lz4",
	"CODEC_ZSTD":   "zstd",

	// Durations in nanoseconds, for upstream's batchTimeout/writeTimeout.
	"NANOSECOND":  int64(time.Nanosecond),
	"MICROSECOND": int64(time.Microsecond),
	"MILLISECOND": int64(time.Millisecond),
	"SECOND":      int64(time.Second),
	"MINUTE":      int64(time.Minute),
	"HOUR":        int64(time.Hour),

	"START_OFFSETS_FIRST_OFFSET": upstreamFirstOffset,
	"START_OFFSETS_LAST_OFFSET":  upstreamLastOffset,
	"FIRST_OFFSET":               upstreamFirstOffset,
	"LAST_OFFSET":                upstreamLastOffset,
}

// throw raises err in JS: option mistakes as TypeError, everything else
// as k6's usual GoError.
func throw(rt *sobek.Runtime, err error) {
	var oe *optionError
	if errors.As(err, &oe) {
		panic(rt.NewTypeError("%s", oe.msg))
	}
	common.Throw(rt, err)
}

// errInitContext is thrown by calls that need a running VU.
func errInitContext(call string) error {
	return errors.New("kafka: " + call + " cannot be called in the init context; call it from the default function, setup or teardown")
}

// setMethods attaches Go functions as methods of a fresh JS object.
func setMethods(rt *sobek.Runtime, methods map[string]func(sobek.FunctionCall) sobek.Value) *sobek.Object {
	obj := rt.NewObject()
	for name, fn := range methods {
		if err := obj.Set(name, fn); err != nil {
			common.Throw(rt, err)
		}
	}
	return obj
}
