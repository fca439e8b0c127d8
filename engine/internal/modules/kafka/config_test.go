package kafka

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"
)

// js evaluates a JS expression and exports it exactly as the module's
// constructors do, so tests see the same Go types real scripts produce
// (int64 vs float64 numbers, []byte for Uint8Array, time.Time for Date).
func js(t *testing.T, expr string) any {
	t.Helper()
	rt := sobek.New()
	v, err := rt.RunString("(" + expr + ")")
	if err != nil {
		t.Fatalf("bad test JS %s: %v", expr, err)
	}
	return exportArg(v)
}

// wantOptionError asserts err is an option error with exactly msg.
func wantOptionError(t *testing.T, err error, msg string) {
	t.Helper()
	var oe *optionError
	if !errors.As(err, &oe) {
		t.Fatalf("want option error %q, got %v", msg, err)
	}
	if oe.msg != msg {
		t.Fatalf("wrong error\n got: %s\nwant: %s", oe.msg, msg)
	}
}

func TestParseProducerConfigGood(t *testing.T) {
	base := connSettings{brokers: []string{"127.0.0.1:19092"}}
	tests := []struct {
		name string
		js   string
		want producerConfig
	}{
		{
			name: "no options but brokers give the defaults",
			js:   `{brokers: ["127.0.0.1:19092"]}`,
			want: producerConfig{conn: base, requiredAcks: -1, compression: "none", writeTimeout: 30 * time.Second},
		},
		{
			name: "every option is read",
			js: `{brokers: ["a:1", "b:2"], topic: "orders", requiredAcks: 1, batchSize: 100, batchBytes: 1048576,
				lingerMs: 2.5, compression: "zstd", maxInFlight: 3, clientId: "spate", writeTimeout: 5e9, share: "p1",
				sasl: {algorithm: "scram-sha-512", username: "u", password: "s3cret"},
				tls: {enabled: true, insecureSkipVerify: true, caFile: "/ca.pem"}}`,
			want: producerConfig{
				conn: connSettings{
					brokers: []string{"a:1", "b:2"},
					sasl:    &saslSettings{mechanism: "scram-sha-512", username: "u", password: "s3cret"},
					tls:     &tlsSettings{insecureSkipVerify: true, caFile: "/ca.pem"},
				},
				topic: "orders", requiredAcks: 1, batchSize: 100, batchBytes: 1 << 20,
				linger: 2500 * time.Microsecond, compression: "zstd", maxInFlight: 3, clientID: "spate",
				writeTimeout: 5 * time.Second, share: "p1",
			},
		},
		{
			name: "upstream batchTimeout is read in nanoseconds and acks 0 is kept",
			js:   `{brokers: ["127.0.0.1:19092"], batchTimeout: 20 * 1e6, requiredAcks: 0}`,
			want: producerConfig{conn: base, requiredAcks: 0, linger: 20 * time.Millisecond, compression: "none", writeTimeout: 30 * time.Second},
		},
		{
			name: "null and undefined options count as absent",
			js:   `{brokers: ["127.0.0.1:19092"], topic: null, sasl: undefined, tls: null}`,
			want: producerConfig{conn: base, requiredAcks: -1, compression: "none", writeTimeout: 30 * time.Second},
		},
		{
			name: "upstream sasl and tls spellings are accepted",
			js: `{brokers: ["127.0.0.1:19092"], sasl: {algorithm: "sasl_plain", username: "u", password: ""},
				tls: {enableTls: true, insecureSkipTlsVerify: false, clientCertPem: "/c.pem", clientKeyPem: "/k.pem"}}`,
			want: producerConfig{
				conn: connSettings{
					brokers: []string{"127.0.0.1:19092"},
					sasl:    &saslSettings{mechanism: "plain", username: "u", password: ""},
					tls:     &tlsSettings{certFile: "/c.pem", keyFile: "/k.pem"},
				},
				requiredAcks: -1, compression: "none", writeTimeout: 30 * time.Second,
			},
		},
		{
			name: "sasl none and disabled tls mean plaintext",
			js:   `{brokers: ["127.0.0.1:19092"], sasl: {algorithm: "none"}, tls: {enabled: false, caFile: "/ca.pem"}}`,
			want: producerConfig{conn: base, requiredAcks: -1, compression: "none", writeTimeout: 30 * time.Second},
		},
		{
			name: "a tls object without enabled turns tls on",
			js:   `{brokers: ["127.0.0.1:19092"], tls: {}}`,
			want: producerConfig{
				conn:         connSettings{brokers: []string{"127.0.0.1:19092"}, tls: &tlsSettings{}},
				requiredAcks: -1, compression: "none", writeTimeout: 30 * time.Second,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProducerConfig(js(t, tt.js))
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("config mismatch\n got: %+v\nwant: %+v", got, tt.want)
			}
		})
	}
}

func TestParseProducerConfigBad(t *testing.T) {
	const b = `brokers: ["127.0.0.1:19092"], `
	tests := []struct {
		js   string
		want string
	}{
		{`undefined`, `kafka: Producer needs an options object, got nothing`},
		{`"127.0.0.1:19092"`, `kafka: Producer needs an options object, got "127.0.0.1:19092"`},
		{`{}`, `kafka: Producer option "brokers" is required (a non-empty array of "host:port" strings)`},
		{`{brokers: []}`, `kafka: Producer option "brokers" must be a non-empty array of "host:port" strings, got an array`},
		{`{brokers: "a:1"}`, `kafka: Producer option "brokers" must be a non-empty array of "host:port" strings, got "a:1"`},
		{`{brokers: ["a:1", 9092]}`, `kafka: Producer option "brokers[1]" must be a "host:port" string, got 9092`},
		{`{brokers: ["a:1,b:2"]}`, `kafka: Producer option "brokers[0]" must be a "host:port" string, got "a:1,b:2"`},
		{`{` + b + `requiredAcks: 2}`, `kafka: Producer option "requiredAcks" must be -1, 0 or 1, got 2`},
		{`{` + b + `requiredAcks: "all"}`, `kafka: Producer option "requiredAcks" must be -1, 0 or 1, got "all"`},
		{`{` + b + `requiredAcks: 0.5}`, `kafka: Producer option "requiredAcks" must be -1, 0 or 1, got 0.5`},
		{`{` + b + `batchSize: 0}`, `kafka: Producer option "batchSize" must be an integer from 1 to 2147483647, got 0`},
		{`{` + b + `batchSize: 1.5}`, `kafka: Producer option "batchSize" must be an integer from 1 to 2147483647, got 1.5`},
		{`{` + b + `batchBytes: 100}`, `kafka: Producer option "batchBytes" must be an integer from 512 to 104857600, got 100`},
		{`{` + b + `lingerMs: -1}`, `kafka: Producer option "lingerMs" must be a number from 0 to 60000, got -1`},
		{`{` + b + `lingerMs: "5"}`, `kafka: Producer option "lingerMs" must be a number from 0 to 60000, got "5"`},
		{`{` + b + `batchTimeout: 61e9}`, `kafka: Producer option "batchTimeout" must be an integer from 0 to 60000000000, got 61000000000`},
		{`{` + b + `lingerMs: 1, batchTimeout: 1}`, `kafka: Producer options "lingerMs" and "batchTimeout" mean the same thing; set only one`},
		{`{` + b + `compression: "brotli"}`, `kafka: Producer option "compression" must be one of "none", "gzip", "snappy", "lz4", "zstd", got "brotli"`},
		{`{` + b + `maxInFlight: 0}`, `kafka: Producer option "maxInFlight" must be an integer from 1 to 1000, got 0`},
		{`{` + b + `clientId: ""}`, `kafka: Producer option "clientId" must be a non-empty string, got ""`},
		{`{` + b + `clientId: "x".repeat(257)}`, `kafka: Producer option "clientId" must be at most 256 bytes long, got 257`},
		{`{` + b + `writeTimeout: 100}`, `kafka: Producer option "writeTimeout" must be an integer from 1000000000 to 600000000000, got 100`},
		{`{` + b + `share: 1}`, `kafka: Producer option "share" must be a non-empty string, got 1`},
		{`{` + b + `topic: ["a"]}`, `kafka: Producer option "topic" must be a non-empty string, got an array`},
		{`{` + b + `lingerMS: 5}`, `kafka: Producer option "lingerMS" is not supported (allowed: brokers, topic, requiredAcks, batchSize, batchBytes, lingerMs, batchTimeout, compression, maxInFlight, clientId, writeTimeout, sasl, tls, share)`},
		{`{` + b + `balancer: () => 0}`, `kafka: Producer option "balancer" is not supported (allowed: brokers, topic, requiredAcks, batchSize, batchBytes, lingerMs, batchTimeout, compression, maxInFlight, clientId, writeTimeout, sasl, tls, share)`},
		{`{` + b + `sasl: "plain"}`, `kafka: Producer option "sasl" must be an object, got "plain"`},
		{`{` + b + `sasl: {username: "u", password: "p"}}`, `kafka: Producer option "sasl.algorithm" is required ("plain", "scram-sha-256" or "scram-sha-512")`},
		{`{` + b + `sasl: {algorithm: "md5", username: "u", password: "p"}}`, `kafka: Producer option "sasl.algorithm" must be one of "plain", "scram-sha-256", "scram-sha-512", "none", "sasl_plain", "sasl_scram_sha256", "sasl_scram_sha512", got "md5"`},
		{`{` + b + `sasl: {algorithm: "plain", password: "p"}}`, `kafka: Producer option "sasl.username" is required when sasl is set`},
		{`{` + b + `sasl: {algorithm: "plain", username: "u"}}`, `kafka: Producer option "sasl.password" is required when sasl is set`},
		{`{` + b + `sasl: {algorithm: "plain", username: "u", password: 12345678}}`, `kafka: Producer option "sasl.password" must be a string, got a number`},
		{`{` + b + `sasl: {algorithm: "plain", username: "u", password: "p", mechanism: "x"}}`, `kafka: Producer option "sasl.mechanism" is not supported (allowed: algorithm, username, password)`},
		{`{` + b + `tls: {enabled: "yes"}}`, `kafka: Producer option "tls.enabled" must be true or false, got "yes"`},
		{`{` + b + `tls: {certFile: "/c.pem"}}`, `kafka: Producer option "tls.certFile" and keyFile must be set together for client certificates`},
		{`{` + b + `tls: {caFile: 3}}`, `kafka: Producer option "tls.caFile" must be a non-empty string, got 3`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := parseProducerConfig(js(t, tt.js))
			wantOptionError(t, err, tt.want)
		})
	}
}

// Secrets must not leak through error messages or formatted configs.
func TestSecretsStayHidden(t *testing.T) {
	_, err := parseProducerConfig(js(t, `{brokers: ["a:1"], sasl: {algorithm: "plain", username: "u", password: ["hunter2"]}}`))
	wantOptionError(t, err, `kafka: Producer option "sasl.password" must be a string, got an array`)

	cfg, err := parseProducerConfig(js(t, `{brokers: ["a:1"], sasl: {algorithm: "plain", username: "u", password: "hunter2"}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, cfg.conn.sasl); strings.Contains(s, "hunter2") {
			t.Fatalf("format %s leaks the password: %s", format, s)
		}
	}
}

func TestParseAdminConfig(t *testing.T) {
	got, err := parseAdminConfig(js(t, `{brokers: ["127.0.0.1:19092"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := (adminConfig{conn: connSettings{brokers: []string{"127.0.0.1:19092"}}}); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	_, err = parseAdminConfig(js(t, `{brokers: ["127.0.0.1:19092"], topic: "x"}`))
	wantOptionError(t, err, `kafka: AdminClient option "topic" is not supported (allowed: brokers, sasl, tls)`)
	_, err = parseAdminConfig(js(t, `{brokers: ["127.0.0.1:19092"], tls: {keyFile: "/k.pem"}}`))
	wantOptionError(t, err, `kafka: AdminClient option "tls.certFile" and keyFile must be set together for client certificates`)
}

func TestParseConsumerConfig(t *testing.T) {
	good := []struct {
		js   string
		want consumerConfig
	}{
		{`{brokers: ["a:1"], topic: "t"}`, consumerConfig{conn: connSettings{brokers: []string{"a:1"}}, topic: "t"}},
		{`{brokers: ["a:1"], topic: "t", groupId: "g", startOffset: "latest"}`,
			consumerConfig{conn: connSettings{brokers: []string{"a:1"}}, topic: "t", groupID: "g", startAtEnd: true}},
		{`{brokers: ["a:1"], topic: "t", startOffset: "start_offsets_last_offset"}`,
			consumerConfig{conn: connSettings{brokers: []string{"a:1"}}, topic: "t", startAtEnd: true}},
		{`{brokers: ["a:1"], topic: "t", startOffset: "earliest"}`,
			consumerConfig{conn: connSettings{brokers: []string{"a:1"}}, topic: "t"}},
	}
	for _, tt := range good {
		got, err := parseConsumerConfig(js(t, tt.js))
		if err != nil {
			t.Fatalf("%s: %v", tt.js, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Fatalf("%s: got %+v, want %+v", tt.js, got, tt.want)
		}
	}
	bad := []struct{ js, want string }{
		{`{brokers: ["a:1"]}`, `kafka: Consumer option "topic" is required (a non-empty string)`},
		{`{brokers: ["a:1"], topic: "t", startOffset: "beginning"}`, `kafka: Consumer option "startOffset" must be one of "earliest", "latest", "start_offsets_first_offset", "start_offsets_last_offset", got "beginning"`},
		{`{brokers: ["a:1"], topic: "t", groupID: "g"}`, `kafka: Consumer option "groupID" is not supported (allowed: brokers, topic, groupId, startOffset, sasl, tls)`},
		{`{brokers: ["a:1"], topic: "t", groupId: 7}`, `kafka: Consumer option "groupId" must be a non-empty string, got 7`},
	}
	for _, tt := range bad {
		_, err := parseConsumerConfig(js(t, tt.js))
		wantOptionError(t, err, tt.want)
	}
}

func TestParseConsumeRequest(t *testing.T) {
	good := []struct {
		js   string
		want consumeRequest
	}{
		{`{maxMessages: 10}`, consumeRequest{maxMessages: 10, timeout: 10 * time.Second}},
		{`{limit: 3, timeoutMs: 250}`, consumeRequest{maxMessages: 3, timeout: 250 * time.Millisecond}},
	}
	for _, tt := range good {
		got, err := parseConsumeRequest(js(t, tt.js))
		if err != nil {
			t.Fatalf("%s: %v", tt.js, err)
		}
		if got != tt.want {
			t.Fatalf("%s: got %+v, want %+v", tt.js, got, tt.want)
		}
	}
	bad := []struct{ js, want string }{
		{`{}`, `kafka: consume option "maxMessages" is required (an integer from 1 to 2147483647)`},
		{`{maxMessages: 0}`, `kafka: consume option "maxMessages" must be an integer from 1 to 2147483647, got 0`},
		{`{maxMessages: 1, limit: 1}`, `kafka: consume options "maxMessages" and "limit" mean the same thing; set only one`},
		{`{maxMessages: 1, timeoutMs: 0}`, `kafka: consume option "timeoutMs" must be an integer from 1 to 3600000, got 0`},
		{`{maxMessages: 1, nanoPrecision: true}`, `kafka: consume option "nanoPrecision" is not supported (allowed: maxMessages, limit, timeoutMs)`},
	}
	for _, tt := range bad {
		_, err := parseConsumeRequest(js(t, tt.js))
		wantOptionError(t, err, tt.want)
	}
}

func TestParseTopicSpec(t *testing.T) {
	str := func(s string) *string { return &s }
	good := []struct {
		js   string
		want topicSpec
	}{
		{`{topic: "t"}`, topicSpec{topic: "t", partitions: 1, replicationFactor: 1}},
		{`{topic: "t", numPartitions: 6, replicationFactor: -1, configEntries: {"retention.ms": 60000, "cleanup.policy": "delete"}}`,
			topicSpec{topic: "t", partitions: 6, replicationFactor: -1,
				configs: map[string]*string{"retention.ms": str("60000"), "cleanup.policy": str("delete")}}},
		{`{topic: "t", configEntries: [{configName: "compression.type", configValue: "lz4"}]}`,
			topicSpec{topic: "t", partitions: 1, replicationFactor: 1,
				configs: map[string]*string{"compression.type": str("lz4")}}},
	}
	for _, tt := range good {
		got, err := parseTopicSpec(js(t, tt.js))
		if err != nil {
			t.Fatalf("%s: %v", tt.js, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Fatalf("%s: got %+v, want %+v", tt.js, got, tt.want)
		}
	}
	bad := []struct{ js, want string }{
		{`{}`, `kafka: createTopic option "topic" is required (a non-empty string)`},
		{`{topic: "t", numPartitions: 0}`, `kafka: createTopic option "numPartitions" must be -1 (broker default) or at least 1, got 0`},
		{`{topic: "t", replicationFactor: 40000}`, `kafka: createTopic option "replicationFactor" must be an integer from -1 to 32767, got 40000`},
		{`{topic: "t", configEntries: "x=y"}`, `kafka: createTopic option "configEntries" must be an object of name: value pairs or an array of {configName, configValue}, got "x=y"`},
		{`{topic: "t", configEntries: {"retention.ms": [1]}}`, `kafka: createTopic option "configEntries.retention.ms" must be a string, number or boolean, got an array`},
		{`{topic: "t", configEntries: [{configValue: "1"}]}`, `kafka: createTopic option "configEntries[0].configName" is required`},
		{`{topic: "t", configEntries: [{configName: "a", value: "1"}]}`, `kafka: createTopic option "configEntries[0].value" is not supported (allowed: configName, configValue)`},
		{`{topic: "t", replicaAssignments: []}`, `kafka: createTopic option "replicaAssignments" is not supported (allowed: topic, numPartitions, replicationFactor, configEntries)`},
	}
	for _, tt := range bad {
		_, err := parseTopicSpec(js(t, tt.js))
		wantOptionError(t, err, tt.want)
	}
}
