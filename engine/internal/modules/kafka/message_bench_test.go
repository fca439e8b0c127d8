package kafka

import (
	"testing"

	"github.com/grafana/sobek"
)

// BenchmarkReadRequest measures what a produce() call costs before Kafka: reading 500 messages
// a script built, against generating 500 natively. b.N counts messages.
func BenchmarkReadRequest(b *testing.B) {
	for _, bench := range []struct{ name, js string }{
		{"messages built in JS", `(() => { const messages = []; for (let i = 0; i < 500; i++) messages.push({key: "k" + i,
			value: '{"runId":"bench","seq":' + i + ',"key":"k' + i + '","eventTime":1764646800123,"value":12.34,"source":"spate-load","payload":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'}); return {messages} })()`},
		{"generate basic", `({generate: {schema: "basic", runId: "bench", firstSeq: 0, count: 500, keys: 1000, eventTime: 1764646800123}})`},
		{"generate medium", `({generate: {schema: "medium", runId: "bench", firstSeq: 0, count: 500, keys: 1000, eventTime: 1764646800123}})`},
	} {
		b.Run(bench.name, func(b *testing.B) {
			rt := sobek.New()
			arg, err := rt.RunString(bench.js)
			if err != nil {
				b.Fatal(err)
			}
			out := &outgoing{}
			b.ReportAllocs()
			for i := 0; i < b.N; i += 500 {
				if err := parseProduceRequest(rt, arg, "t", out); err != nil {
					b.Fatal(err)
				}
				out.release()
			}
		})
	}
}
