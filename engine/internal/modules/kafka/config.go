package kafka

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// connSettings is what every client kind needs to reach the cluster.
type connSettings struct {
	brokers []string
	sasl    *saslSettings
	tls     *tlsSettings
}

func readConn(o *options) (connSettings, error) {
	var c connSettings
	var err error
	if c.brokers, err = o.brokers(); err != nil {
		return c, err
	}
	if c.sasl, err = readSASL(o); err != nil {
		return c, err
	}
	c.tls, err = readTLS(o)
	return c, err
}

// Producer defaults. requiredAcks defaults to all replicas (upstream
// defaults to 0): a load test that does not wait for durable writes measures
// the client's buffer, not the cluster. Linger defaults to 0 because
// produce() is synchronous; lingering would only add latency to every call,
// and records of one call are batched together anyway.
const (
	defaultRequiredAcks = -1
	defaultWriteTimeout = 30 * time.Second
	maxBatchBytes       = 100 << 20 // franz-go's default broker write limit
	maxLinger           = time.Minute
)

var compressionCodecs = []string{"none", "gzip", "snappy", "lz4", "zstd"}

type producerConfig struct {
	conn         connSettings
	topic        string
	requiredAcks int
	// batchSize is validated for compatibility with upstream scripts, but
	// franz-go bounds batches by bytes (batchBytes), not by record count.
	batchSize    int
	batchBytes   int32 // 0: franz-go default
	linger       time.Duration
	compression  string
	maxInFlight  int // 0: idempotent producer with franz-go's default
	clientID     string
	writeTimeout time.Duration
	share        string
}

var producerOptionNames = []string{
	"brokers", "topic", "requiredAcks", "batchSize", "batchBytes", "lingerMs", "batchTimeout",
	"compression", "maxInFlight", "clientId", "writeTimeout", "sasl", "tls", "share",
}

func parseProducerConfig(v any) (producerConfig, error) {
	cfg := producerConfig{requiredAcks: defaultRequiredAcks, compression: "none", writeTimeout: defaultWriteTimeout}
	o, err := newOptions("Producer", "", v, producerOptionNames...)
	if err != nil {
		return cfg, err
	}
	if cfg.conn, err = readConn(o); err != nil {
		return cfg, err
	}
	if cfg.topic, _, err = o.str("topic"); err != nil {
		return cfg, err
	}
	if acks, ok := o.get("requiredAcks"); ok {
		n, isInt := asInteger(acks)
		if !isInt || n < -1 || n > 1 {
			return cfg, o.errorf("requiredAcks", "must be -1, 0 or 1, got %s", describe(acks))
		}
		cfg.requiredAcks = int(n)
	}
	n, _, err := o.integer("batchSize", 1, math.MaxInt32)
	if err != nil {
		return cfg, err
	}
	cfg.batchSize = int(n)
	if n, _, err = o.integer("batchBytes", 512, maxBatchBytes); err != nil {
		return cfg, err
	}
	cfg.batchBytes = int32(n)
	if cfg.linger, err = readLinger(o); err != nil {
		return cfg, err
	}
	if c, ok, err := o.choice("compression", compressionCodecs...); err != nil {
		return cfg, err
	} else if ok {
		cfg.compression = c
	}
	if n, _, err = o.integer("maxInFlight", 1, 1000); err != nil {
		return cfg, err
	}
	cfg.maxInFlight = int(n)
	if cfg.clientID, _, err = o.str("clientId"); err != nil {
		return cfg, err
	}
	if len(cfg.clientID) > 256 {
		return cfg, o.errorf("clientId", "must be at most 256 bytes long, got %d", len(cfg.clientID))
	}
	// writeTimeout is in nanoseconds like upstream's; franz-go needs >= 1s.
	if n, ok, err := o.integer("writeTimeout", int64(time.Second), int64(10*time.Minute)); err != nil {
		return cfg, err
	} else if ok {
		cfg.writeTimeout = time.Duration(n)
	}
	if cfg.share, _, err = o.str("share"); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// readLinger accepts lingerMs or upstream's batchTimeout (nanoseconds).
func readLinger(o *options) (time.Duration, error) {
	if o.has("lingerMs") && o.has("batchTimeout") {
		return 0, &optionError{`kafka: Producer options "lingerMs" and "batchTimeout" mean the same thing; set only one`}
	}
	if ms, ok, err := o.number("lingerMs", 0, float64(maxLinger/time.Millisecond)); err != nil || ok {
		return time.Duration(ms * float64(time.Millisecond)), err
	}
	ns, _, err := o.integer("batchTimeout", 0, int64(maxLinger))
	return time.Duration(ns), err
}

// sharingConflicts names the options that make two producers unable to use
// one client. The default topic is per producer, so it may differ.
func (c producerConfig) sharingConflicts(other producerConfig) []string {
	var diff []string
	check := func(name string, same bool) {
		if !same {
			diff = append(diff, name)
		}
	}
	check("brokers", strings.Join(c.conn.brokers, ",") == strings.Join(other.conn.brokers, ","))
	check("sasl", ptrEqual(c.conn.sasl, other.conn.sasl))
	check("tls", ptrEqual(c.conn.tls, other.conn.tls))
	check("requiredAcks", c.requiredAcks == other.requiredAcks)
	check("batchBytes", c.batchBytes == other.batchBytes)
	check("lingerMs", c.linger == other.linger)
	check("compression", c.compression == other.compression)
	check("maxInFlight", c.maxInFlight == other.maxInFlight)
	check("clientId", c.clientID == other.clientID)
	check("writeTimeout", c.writeTimeout == other.writeTimeout)
	return diff
}

func ptrEqual[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

type adminConfig struct {
	conn connSettings
}

func parseAdminConfig(v any) (adminConfig, error) {
	o, err := newOptions("AdminClient", "", v, "brokers", "sasl", "tls")
	if err != nil {
		return adminConfig{}, err
	}
	conn, err := readConn(o)
	return adminConfig{conn: conn}, err
}

// Start offsets: this module's names plus upstream's constant values.
const (
	upstreamFirstOffset = "start_offsets_first_offset"
	upstreamLastOffset  = "start_offsets_last_offset"
)

type consumerConfig struct {
	conn       connSettings
	topic      string
	groupID    string
	startAtEnd bool
}

func parseConsumerConfig(v any) (consumerConfig, error) {
	var cfg consumerConfig
	o, err := newOptions("Consumer", "", v, "brokers", "topic", "groupId", "startOffset", "sasl", "tls")
	if err != nil {
		return cfg, err
	}
	if cfg.conn, err = readConn(o); err != nil {
		return cfg, err
	}
	topic, ok, err := o.str("topic")
	if err != nil {
		return cfg, err
	}
	if !ok {
		return cfg, o.errorf("topic", "is required (a non-empty string)")
	}
	cfg.topic = topic
	if cfg.groupID, _, err = o.str("groupId"); err != nil {
		return cfg, err
	}
	start, _, err := o.choice("startOffset", "earliest", "latest", upstreamFirstOffset, upstreamLastOffset)
	if err != nil {
		return cfg, err
	}
	cfg.startAtEnd = start == "latest" || start == upstreamLastOffset
	return cfg, nil
}

const defaultConsumeTimeout = 10 * time.Second

type consumeRequest struct {
	maxMessages int
	timeout     time.Duration
}

// parseConsumeRequest reads consume() options; "limit" is upstream's older
// name for maxMessages.
func parseConsumeRequest(v any) (consumeRequest, error) {
	req := consumeRequest{timeout: defaultConsumeTimeout}
	o, err := newOptions("consume", "", v, "maxMessages", "limit", "timeoutMs")
	if err != nil {
		return req, err
	}
	if o.has("maxMessages") && o.has("limit") {
		return req, &optionError{`kafka: consume options "maxMessages" and "limit" mean the same thing; set only one`}
	}
	name := "maxMessages"
	if o.has("limit") {
		name = "limit"
	}
	n, ok, err := o.integer(name, 1, math.MaxInt32)
	if err != nil {
		return req, err
	}
	if !ok {
		return req, o.errorf("maxMessages", "is required (an integer from 1 to %d)", math.MaxInt32)
	}
	req.maxMessages = int(n)
	if ms, ok, err := o.integer("timeoutMs", 1, int64(time.Hour/time.Millisecond)); err != nil {
		return req, err
	} else if ok {
		req.timeout = time.Duration(ms) * time.Millisecond
	}
	return req, nil
}

type topicSpec struct {
	topic             string
	partitions        int32
	replicationFactor int16
	configs           map[string]*string
}

// parseTopicSpec reads createTopic() options. -1 for partitions or
// replication factor asks the broker for its default, as in Kafka's API.
func parseTopicSpec(v any) (topicSpec, error) {
	spec := topicSpec{partitions: 1, replicationFactor: 1}
	o, err := newOptions("createTopic", "", v, "topic", "numPartitions", "replicationFactor", "configEntries")
	if err != nil {
		return spec, err
	}
	topic, ok, err := o.str("topic")
	if err != nil {
		return spec, err
	}
	if !ok {
		return spec, o.errorf("topic", "is required (a non-empty string)")
	}
	spec.topic = topic
	if n, ok, err := o.integer("numPartitions", -1, math.MaxInt32); err != nil {
		return spec, err
	} else if ok {
		if n == 0 {
			return spec, o.errorf("numPartitions", "must be -1 (broker default) or at least 1, got 0")
		}
		spec.partitions = int32(n)
	}
	if n, ok, err := o.integer("replicationFactor", -1, math.MaxInt16); err != nil {
		return spec, err
	} else if ok {
		if n == 0 {
			return spec, o.errorf("replicationFactor", "must be -1 (broker default) or at least 1, got 0")
		}
		spec.replicationFactor = int16(n)
	}
	spec.configs, err = readConfigEntries(o)
	return spec, err
}

// readConfigEntries accepts {name: value} or upstream's
// [{configName, configValue}] form. Numbers and booleans are stringified
// because that is how Kafka receives every config value.
func readConfigEntries(o *options) (map[string]*string, error) {
	v, ok := o.get("configEntries")
	if !ok {
		return nil, nil
	}
	const want = "an object of name: value pairs or an array of {configName, configValue}"
	out := map[string]*string{}
	switch entries := v.(type) {
	case map[string]any:
		for name, val := range entries {
			s, ok := configValue(val)
			if !ok {
				return nil, o.errorf("configEntries."+name, "must be a string, number or boolean, got %s", describe(val))
			}
			out[name] = &s
		}
	case []any:
		for i, item := range entries {
			entry, err := newOptions(o.owner, fmt.Sprintf("%sconfigEntries[%d].", o.prefix, i), item, "configName", "configValue")
			if err != nil {
				return nil, err
			}
			name, ok, err := entry.str("configName")
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, entry.errorf("configName", "is required")
			}
			raw, _ := entry.get("configValue")
			s, ok := configValue(raw)
			if !ok {
				return nil, entry.errorf("configValue", "must be a string, number or boolean, got %s", describe(raw))
			}
			out[name] = &s
		}
	default:
		return nil, o.errorf("configEntries", "must be %s, got %s", want, describe(v))
	}
	return out, nil
}

func configValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return fmt.Sprint(x), true
	case float64:
		return formatFloat(x), true
	case bool:
		return fmt.Sprint(x), true
	}
	return "", false
}
