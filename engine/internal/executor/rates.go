package executor

import (
	"math"
	"math/big"
	"math/bits"
	"sort"
	"time"

	"spate.local/engine/internal/options"
)

// constantRate starts global iteration i at i*timeUnit/rate, from 0 up to and including the
// scenario's end (k6 starts 201 iterations for 50/s over 4s).
type constantRate struct {
	rate, unit, length uint64 // iterations per unit; unit and length in ns
}

func newConstantRate(o *options.Scenario) *constantRate {
	return &constantRate{rate: uint64(o.Rate), unit: uint64(o.TimeUnit), length: uint64(o.Duration)}
}

func (c *constantRate) duration() time.Duration { return time.Duration(c.length) }

func (c *constantRate) at(i uint64) (time.Duration, bool) {
	// i*unit <= length*rate, in 128 bits: no overflow for any realistic rate.
	hi, lo := bits.Mul64(i, c.unit)
	limHi, limLo := bits.Mul64(c.length, c.rate)
	if hi > limHi || (hi == limHi && lo > limLo) {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, c.rate) // hi < rate since i*unit/rate <= length < 2^64
	return time.Duration(q), true
}

// rampingRate follows stages of rates (iterations per timeUnit), linear within each stage:
// global iteration i starts when the integral of the rate from the scenario's start reaches
// i+1, up to and including the end of the last stage.
type rampingRate struct {
	unit   float64 // ns
	stages []rateStage
	length time.Duration
}

type rateStage struct {
	start     time.Duration
	length    float64 // ns
	from, to  float64 // rates at the stage's start and end
	before    float64 // iterations started before the stage (the integral, may be fractional)
	lastWhole uint64  // floor of the integral at the stage's end: the last i+1 in this stage
}

func newRampingRate(o *options.Scenario) *rampingRate {
	r := &rampingRate{unit: float64(o.TimeUnit)}
	unit := new(big.Rat).SetInt64(int64(o.TimeUnit))
	total := new(big.Rat)
	from := o.StartRate
	var at time.Duration
	for _, st := range o.Stages {
		// Exact integral of this stage: (from+to)/2 * duration/timeUnit.
		area := new(big.Rat).SetFrac64(from+st.Target, 2)
		area.Mul(area, new(big.Rat).SetInt64(int64(st.Duration)))
		area.Quo(area, unit)
		before, _ := total.Float64()
		total.Add(total, area)
		last := new(big.Int).Quo(total.Num(), total.Denom()) // floor: total is not negative
		if st.Duration > 0 {
			r.stages = append(r.stages, rateStage{
				start: at, length: float64(st.Duration), from: float64(from), to: float64(st.Target),
				before: before, lastWhole: last.Uint64(),
			})
		}
		at += st.Duration
		from = st.Target
	}
	r.length = at
	return r
}

func (r *rampingRate) duration() time.Duration { return r.length }

func (r *rampingRate) at(i uint64) (time.Duration, bool) {
	n := i + 1
	k := sort.Search(len(r.stages), func(k int) bool { return r.stages[k].lastWhole >= n })
	if k == len(r.stages) {
		return 0, false
	}
	s := r.stages[k]
	// Solve (to-from)/(2*length)*t^2 + from*t = c*unit for t, in a form that stays exact
	// enough when to == from and when the rate falls.
	c := float64(n) - s.before
	disc := s.from*s.from + 2*(s.to-s.from)*c*r.unit/s.length
	den := s.from + math.Sqrt(max(0, disc))
	var t float64
	if den > 0 {
		t = 2 * c * r.unit / den
	}
	t = min(max(t, 0), s.length)
	return s.start + time.Duration(t), true
}
