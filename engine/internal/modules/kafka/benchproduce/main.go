// Command benchproduce drives k6/x/kafka's produce path the way a load script does: VUs, each
// with its own JS runtime, producing generated batches through shared producers, as fast as
// they can. It prints records per second, to compare with Kafka's ProducerPerformance on the
// same broker (BENCHMARKS.md).
//
//	go run ./internal/modules/kafka/benchproduce -records 2000000 -vus 8 -producers 1 -batch 500
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules"
	_ "spate.local/engine/internal/modules/kafka"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:19092", "Kafka bootstrap server")
	topic := flag.String("topic", fmt.Sprintf("spate-bench-produce-%d", time.Now().UnixNano()), "topic (created with -partitions, deleted after)")
	partitions := flag.Int("partitions", 12, "partitions of the topic")
	records := flag.Int64("records", 2_000_000, "records to produce")
	vus := flag.Int("vus", 8, "VUs (goroutines with a JS runtime each)")
	producers := flag.Int("producers", 1, "shared producers (clients) the VUs use")
	batch := flag.Int("batch", 500, "messages per produce() call")
	schema := flag.String("schema", "basic", "message schema: basic, medium or complex")
	inJS := flag.Bool("js", false, "build basic messages in JS and pass them as produce({messages}) instead of generate")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the produce phase to this file")
	flag.Parse()

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchproduce:", err)
			os.Exit(1)
		}
		defer f.Close()
		profile = f
	}
	call := fmt.Sprintf(`producer.produce({generate: {schema: %q, runId: "bench", firstSeq: first, count: n, keys: 1000, eventTime: Date.now()}})`, *schema)
	if *inJS {
		*schema = "basic, built in JS"
		call = `const now = Date.now(), messages = new Array(n);
			for (let i = 0; i < n; i++) messages[i] = message(first + i, now);
			producer.produce({messages})`
	}
	if err := run(*brokers, *topic, *partitions, *records, *vus, *producers, *batch, *schema, call); err != nil {
		fmt.Fprintln(os.Stderr, "benchproduce:", err)
		os.Exit(1)
	}
}

// profile receives the CPU profile of the produce phase when set.
var profile *os.File

// basicMessage is the basic message of scripts/lib/messages.ts, for the -js comparison.
const basicMessage = `function message(seq, eventTime) {
	const key = "k" + (seq % 1000)
	const value = (Math.imul(seq, 2654435761) >>> 0) % 10000 / 100
	return { key, value: '{"runId":"bench","seq":' + seq + ',"key":"' + key + '","eventTime":' + eventTime + ',"value":' + value + ',"source":"spate-load","payload":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}' }
}`

func run(brokers, topic string, partitions int, records int64, vus, producers, batch int, schema, call string) error {
	registry := metrics.NewRegistry()
	var bytes atomic.Int64
	collector := metrics.CollectorFunc(func(samples ...metrics.Sample) {
		for _, s := range samples {
			if s.Metric.Name == "kafka_writer_message_bytes" {
				bytes.Add(int64(s.Value))
			}
		}
	})
	admin := newVU(0, registry, collector)
	if _, err := admin.run(fmt.Sprintf(`var admin = new kafka.AdminClient({brokers: [%q]});
		admin.createTopic({topic: %q, numPartitions: %d});`, brokers, topic, partitions)); err != nil {
		return err
	}
	defer admin.run(fmt.Sprintf(`admin.deleteTopic(%q); admin.close()`, topic)) //nolint:errcheck

	all := make([]*vu, vus)
	for i := range all {
		all[i] = newVU(uint64(i+1), registry, collector)
		if _, err := all[i].run(fmt.Sprintf(`var producer = new kafka.Producer({brokers: [%q], topic: %q, share: "bench-" + %d});
			%s
			function produceBatch(first, n) { %s }`,
			brokers, topic, i%producers, basicMessage, call)); err != nil {
			return err
		}
		all[i].inInit = false
	}
	// A warm-up call per producer: connections and metadata are not what is measured.
	for i := 0; i < producers && i < vus; i++ {
		if _, err := all[i].run(`produceBatch(0, 1)`); err != nil {
			return err
		}
	}

	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, vus)
	if profile != nil {
		if err := pprof.StartCPUProfile(profile); err != nil {
			return err
		}
	}
	start := time.Now()
	for _, v := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				first := next.Add(int64(batch)) - int64(batch)
				if first >= records {
					return
				}
				n := min(int64(batch), records-first)
				_, err := v.run(fmt.Sprintf(`produceBatch(%d, %d)`, first, n))
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if profile != nil {
		pprof.StopCPUProfile()
	}
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	rate := float64(records) / elapsed.Seconds()
	fmt.Printf("%d records sent, %.1f records/sec (%.2f MB/sec), %.2f s; %d VUs, %d producers, %d per call, schema %s, acks=all, %d partitions\n",
		records, rate, float64(bytes.Load())/elapsed.Seconds()/(1<<20), elapsed.Seconds(), vus, producers, batch, schema, partitions)
	for _, v := range all {
		if _, err := v.run(`producer.close()`); err != nil {
			return err
		}
	}
	return nil
}

// vu is the least of a VU that the kafka module needs: a runtime, a context, metrics.
type vu struct {
	id        uint64
	rt        *sobek.Runtime
	inInit    bool
	registry  *metrics.Registry
	collector metrics.Collector
	tags      *metrics.TagSet
}

func newVU(id uint64, registry *metrics.Registry, collector metrics.Collector) *vu {
	v := &vu{id: id, rt: sobek.New(), inInit: true, registry: registry, collector: collector,
		tags: metrics.NewTagSet(map[string]string{"scenario": "bench"})}
	m, _ := modules.Lookup("k6/x/kafka")
	exports, err := m.NewInstance(v)
	if err != nil {
		panic(err)
	}
	obj := v.rt.NewObject()
	for k, x := range exports.Named {
		_ = obj.Set(k, x)
	}
	_ = v.rt.Set("kafka", obj)
	return v
}

func (v *vu) run(code string) (sobek.Value, error) { return v.rt.RunString(code) }

func (v *vu) Runtime() *sobek.Runtime      { return v.rt }
func (v *vu) Context() context.Context     { return context.Background() }
func (v *vu) InInit() bool                 { return v.inInit }
func (v *vu) IDInInstance() uint64         { return v.id }
func (v *vu) IDInTest() uint64             { return v.id }
func (v *vu) Registry() *metrics.Registry  { return v.registry }
func (v *vu) Collector() metrics.Collector { return v.collector }
func (v *vu) Tags() *metrics.TagSet        { return v.tags }
func (v *vu) Logger() modules.Logger       { return nil }

// Callback is never called: produce() is synchronous, and benchproduce runs no event loop.
func (v *vu) Callback() func(func() error) {
	panic("benchproduce: no event loop for asynchronous calls")
}
