package contract

import "math"

// mulberry32 is the PRNG of scripts/lib/messages.ts, seeded per message. Its arithmetic is the
// JS one: Math.imul and >>> 0 are exactly uint32 multiplication and wrap-around here.
type mulberry32 struct{ state uint32 }

func (m *mulberry32) next() float64 {
	m.state += 0x6d2b79f5
	t := m.state
	t = (t ^ t>>15) * (t | 1)
	t ^= t + (t^t>>7)*(t|61)
	return float64(t^t>>14) / 4294967296
}

// floorTimes is Math.floor(r() * n).
func (m *mulberry32) floorTimes(n float64) float64 { return math.Floor(m.next() * n) }

// pick is pick(values, r) of messages.ts.
func (m *mulberry32) pick(values []string) string {
	return values[int(m.floorTimes(float64(len(values))))]
}

// jsRound is Math.round: the nearest integer, halves rounded up (towards +Infinity). The
// fraction x - floor(x) is exact for doubles, so the comparison is too.
func jsRound(x float64) float64 {
	f := math.Floor(x)
	if x-f >= 0.5 {
		return f + 1
	}
	return f
}
