// Package kafka is the JS module "k6/x/kafka": Kafka producer, consumer and topic admin for
// spate's load scripts, built on franz-go. Its JS API is a compatible subset of the k6 Kafka extension's (v2),
// plus a native message generator (produce({generate})) for rates JS cannot build messages at.
package kafka

import (
	"errors"
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/modules"
)

func init() {
	modules.Register("k6/x/kafka", modules.ModuleFunc(newInstance))
}

// moduleInstance is the module as seen by one VU.
type moduleInstance struct {
	vu      modules.VU
	metrics *kafkaMetrics
}

// newInstance runs in the VU's init code, where the metrics are registered.
func newInstance(vu modules.VU) (modules.Exports, error) {
	m, err := registerMetrics(vu.Registry())
	if err != nil {
		return modules.Exports{}, err
	}
	mi := &moduleInstance{vu: vu, metrics: m}
	named := map[string]any{
		"Producer":    mi.newProducer,
		"AdminClient": mi.newAdminClient,
		"Consumer":    mi.newConsumer,
	}
	for k, v := range constants {
		named[k] = v
	}
	return modules.Exports{Named: named}, nil
}

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

// throw raises err in JS: option mistakes as TypeError, everything else as a GoError (the
// error name k6 scripts see for module failures).
func throw(rt *sobek.Runtime, err error) {
	var oe *optionError
	if errors.As(err, &oe) {
		panic(rt.NewTypeError("%s", oe.msg))
	}
	panic(rt.NewGoError(err))
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
			throw(rt, err)
		}
	}
	return obj
}
