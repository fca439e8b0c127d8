package contract

import (
	"fmt"
	"strconv"
	"strings"
)

// Schema is a message complexity of docs/messages.md.
type Schema uint8

const (
	Basic Schema = iota
	Medium
	Complex
)

var schemaNames = []string{"basic", "medium", "complex"}

func (s Schema) String() string {
	if int(s) < len(schemaNames) {
		return schemaNames[s]
	}
	return fmt.Sprintf("schema(%d)", uint8(s))
}

// ParseSchema reads a schema name as the scripts spell it.
func ParseSchema(name string) (Schema, error) {
	for i, n := range schemaNames {
		if n == name {
			return Schema(i), nil
		}
	}
	return 0, fmt.Errorf("unknown message schema %q: use %q, %q or %q", name, "basic", "medium", "complex")
}

var (
	regions   = []string{"eu-west", "eu-central", "us-east", "us-west", "ap-south", "ap-east"}
	tiers     = []string{"free", "pro", "enterprise"}
	actions   = []string{"view", "click", "add-to-cart", "purchase", "refund"}
	systems   = []string{"android", "ios", "linux", "windows", "macos"}
	countries = []string{"DE", "FR", "US", "IN", "JP", "BR"}
	colors    = []string{"red", "green", "blue", "black"}
	sizes     = []string{"S", "M", "L", "XL"}
	networks  = []string{"wifi", "4g", "5g"}
	words     = strings.Split("the parcel arrived two days late but the support team replaced the damaged item quickly and refunded the shipping cost so overall the experience was good and I would order from this shop again without hesitation especially for gifts and seasonal items that need to arrive on time", " ")
)

const (
	padding   = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" // 'x'.repeat(40)
	userAgent = "Mozilla/5.0 (Linux; Android 14; m-204) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
	referrer  = "https://example.org/landing"
)

// Generator builds the messages of one run: message(schema, runId, seq, keys, eventTime) of
// scripts/lib/messages.ts for any seq. Its methods append to a caller's buffer so a produce
// path can reuse memory; a Generator is read-only and safe for concurrent use.
type Generator struct {
	Schema    Schema
	RunID     string
	Keys      uint64  // key space: key = "k" + seq % Keys; at least 1
	EventTime float64 // milliseconds since the epoch, as the script's Date.now()
}

// AppendKey appends the key of message seq.
func (g *Generator) AppendKey(b []byte, seq uint64) []byte {
	b = append(b, 'k')
	return strconv.AppendUint(b, seq%g.Keys, 10)
}

// AppendValue appends the JSON value of message seq.
func (g *Generator) AppendValue(b []byte, seq uint64) []byte {
	if g.Schema == Basic {
		return g.appendBasic(b, seq)
	}
	r := mulberry32{state: uint32(seq) ^ 0x5bd1e995}
	value := jsRound(r.next()*10_000) / 100
	if g.Schema == Medium {
		return g.appendMedium(b, seq, value, &r)
	}
	return g.appendComplex(b, seq, value, &r)
}

// appendBasic is the template string of messages.ts; runId goes in unescaped there too (the
// scripts only accept run ids that JSON would not escape).
func (g *Generator) appendBasic(b []byte, seq uint64) []byte {
	b = append(b, `{"runId":"`...)
	b = append(b, g.RunID...)
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"key":"`...)
	b = g.AppendKey(b, seq)
	b = append(b, `","eventTime":`...)
	b = AppendJSNumber(b, g.EventTime)
	b = append(b, `,"value":`...)
	b = AppendJSNumber(b, float64((uint32(seq)*2654435761)%10_000)/100)
	b = append(b, `,"source":"spate-load","payload":"`...)
	b = append(b, padding...)
	return append(b, `"}`...)
}

// appendBase writes the shared head {runId, seq, key, eventTime, value as JSON.stringify does,
// without the closing brace.
func (g *Generator) appendBase(b []byte, seq uint64, value float64) []byte {
	b = append(b, `{"runId":`...)
	b = appendJSONString(b, g.RunID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"key":"`...)
	b = g.AppendKey(b, seq)
	b = append(b, `","eventTime":`...)
	b = AppendJSNumber(b, g.EventTime)
	b = append(b, `,"value":`...)
	return AppendJSNumber(b, value)
}

// The property order below is the object literals' order in messages.ts, and the calls of r
// happen in the order JS evaluates them: that is what makes the bytes identical.
func (g *Generator) appendMedium(b []byte, seq uint64, value float64, r *mulberry32) []byte {
	b = g.appendBase(b, seq, value)
	b = field(b, "action", r.pick(actions))
	b = append(b, `,"user":{"id":"u`...)
	b = appendInt(b, r.floorTimes(1_000_000))
	b = append(b, '"')
	b = field(b, "region", r.pick(regions))
	b = field(b, "tier", r.pick(tiers))
	b = append(b, `,"since":`...)
	b = AppendJSNumber(b, 1_600_000_000_000+r.floorTimes(1e11))
	b = append(b, `},"session":{"id":"s`...)
	b = strconv.AppendUint(b, seq, 36)
	b = append(b, `","page":"/p/`...)
	b = appendInt(b, r.floorTimes(500))
	b = append(b, `","referrer":"`+referrer+`"},"attributes":{"campaign":"c`...)
	b = appendInt(b, r.floorTimes(50))
	b = append(b, '"')
	experiment := "b"
	if r.next() < 0.5 {
		experiment = "a"
	}
	b = field(b, "experiment", experiment)
	b = append(b, `,"score":`...)
	b = AppendJSNumber(b, jsRound(r.next()*1000)/10)
	return append(b, "}}"...)
}

func (g *Generator) appendComplex(b []byte, seq uint64, value float64, r *mulberry32) []byte {
	b = g.appendBase(b, seq, value)
	// items are built before the object literal, so they draw first; they are written after
	// "order", which draws next. Record the draws, then write in JSON order.
	type item struct {
		sku, qty, price float64
		color, size     string
	}
	var itemsBuf [8]item
	items := itemsBuf[:3+int(r.floorTimes(6))]
	for i := range items {
		it := &items[i]
		it.sku = r.floorTimes(100_000)
		it.qty = 1 + r.floorTimes(5)
		it.price = jsRound(r.next()*20_000) / 100
		it.color = r.pick(colors)
		it.size = r.pick(sizes)
	}
	b = append(b, `,"order":{"id":"o`...)
	b = strconv.AppendUint(b, seq, 36)
	b = append(b, `","currency":"EUR","coupon":`...)
	if r.next() < 0.2 {
		b = append(b, `"SAVE`...)
		b = appendInt(b, r.floorTimes(30))
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `},"items":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"sku":"sku-`...)
		b = appendInt(b, it.sku)
		b = append(b, `","qty":`...)
		b = AppendJSNumber(b, it.qty)
		b = append(b, `,"price":`...)
		b = AppendJSNumber(b, it.price)
		b = append(b, `,"attrs":{"color":"`...)
		b = append(b, it.color...)
		b = append(b, `","size":"`...)
		b = append(b, it.size...)
		b = append(b, `","line":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "}}"...)
	}
	b = append(b, `],"context":{"device":{"os":"`...)
	b = append(b, r.pick(systems)...)
	b = append(b, `","version":"`...)
	b = appendInt(b, 1+r.floorTimes(15))
	b = append(b, '.')
	b = appendInt(b, r.floorTimes(10))
	b = append(b, `","model":"m-`...)
	b = appendInt(b, r.floorTimes(900))
	b = append(b, `"},"geo":{"country":"`...)
	b = append(b, r.pick(countries)...)
	b = append(b, `","city":"city-`...)
	b = appendInt(b, r.floorTimes(300))
	b = append(b, `","lat":`...)
	b = AppendJSNumber(b, jsRound(r.next()*18_000)/100-90)
	b = append(b, `,"lon":`...)
	b = AppendJSNumber(b, jsRound(r.next()*36_000)/100-180)
	b = append(b, `},"network":{"type":"`...)
	b = append(b, r.pick(networks)...)
	b = append(b, `","latencyMs":`...)
	b = AppendJSNumber(b, r.floorTimes(300))
	b = append(b, `}},"user":{"id":"u`...)
	b = appendInt(b, r.floorTimes(1_000_000))
	b = append(b, '"')
	b = field(b, "region", r.pick(regions))
	b = field(b, "tier", r.pick(tiers))
	b = append(b, `,"segments":["`...)
	b = append(b, r.pick(tiers)...)
	b = append(b, `","`...)
	b = append(b, r.pick(actions)...)
	b = append(b, `","`...)
	b = append(b, r.pick(regions)...)
	b = append(b, `"]},"tags":[`...)
	tags := 2 + int(r.floorTimes(4))
	for i := 0; i < tags; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `"t`...)
		b = appendInt(b, r.floorTimes(100))
		b = append(b, '"')
	}
	b = append(b, `],"userAgent":"`+userAgent+`","comment":"`...)
	n := min(20+int(r.floorTimes(40)), len(words))
	for i, w := range words[:n] {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, w...)
	}
	return append(b, `"}`...)
}

// field appends ,"name":"value" for values that need no escaping (the fixed word lists).
func field(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":"`...)
	b = append(b, value...)
	return append(b, '"')
}

// appendInt appends a non-negative integral float (a Math.floor result) in a template string.
func appendInt(b []byte, f float64) []byte { return AppendJSNumber(b, f) }

// appendJSONString appends s quoted as JSON.stringify quotes it.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20:
			b = append(b, c)
		case c == '\b':
			b = append(b, `\b`...)
		case c == '\f':
			b = append(b, `\f`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(b, '"')
}
