// Package capacity finds the highest rate a pipeline sustains: it runs a load script one step
// at a time at an offered rate, judges each step by the script's own thresholds (the keeps-up
// gate, the latency SLO, nothing lost), and searches the way OpenMessaging Benchmark and
// Theodolite do: ramp the rate up while steps pass, back off when one fails, then bisect
// between the highest pass and the lowest failure.
package capacity

import (
	"context"
	"fmt"
	"math"
)

// Search bounds and paces the search. Rates are messages per second.
type Search struct {
	Start     float64 // the first step's rate
	Min, Max  float64 // never below Min (the search gives up there) nor above Max
	Growth    float64 // ramp factor while steps pass, e.g. 2
	Precision float64 // stop bisecting when the gap is within this fraction of the pass, e.g. 0.1
	MaxSteps  int     // at most this many steps in all
}

// Validate reports a setting that cannot search, as one line naming the fix.
func (s Search) Validate() error {
	switch {
	case s.Min <= 0 || s.Start < s.Min || s.Start > s.Max:
		return fmt.Errorf("rates must satisfy 0 < --min-rate <= --start-rate <= --max-rate (got %g, %g, %g)", s.Min, s.Start, s.Max)
	case s.Growth <= 1:
		return fmt.Errorf("--growth %g must be above 1, e.g. 2 doubles the rate after each passing step", s.Growth)
	case s.Precision <= 0 || s.Precision >= 1:
		return fmt.Errorf("--precision %g must be between 0 and 1, e.g. 0.1 stops within 10%%", s.Precision)
	case s.MaxSteps < 1:
		return fmt.Errorf("--max-steps %d must be at least 1", s.MaxSteps)
	}
	return nil
}

// Phase says why a step ran at its rate.
type Phase string

const (
	Ramp    Phase = "ramp"
	BackOff Phase = "back off"
	Bisect  Phase = "bisect"
)

// Step is one step's outcome as the runner measured it.
type Step struct {
	Phase      Phase
	Rate       float64  // offered, messages per second
	Passed     bool     // every threshold held for the whole step
	Achieved   float64  // messages per second the generator produced
	P99Ms      float64  // p99 end-to-end latency (NaN when the script does not measure it)
	Breached   []string // the metrics whose thresholds failed
	ReportPath string   // the step's summary, for a closer look
}

// Result is the whole search: every step in order and the highest rate that passed (0 when
// none did), with the lowest that failed above it (+Inf when none did: the pipeline sustained
// Max, the search's ceiling, not the pipeline's).
type Result struct {
	Steps     []Step
	Sustained float64
	FailedAt  float64
	Converged bool // the gap closed to Precision (or the ceiling passed) within MaxSteps
}

// RunStep runs one step at rate and judges it; an error (not a failed threshold) stops the
// search, since it means the step could not be judged at all.
type RunStep func(ctx context.Context, phase Phase, rate float64) (Step, error)

// Run searches: ramp from Start by Growth while steps pass; after the first failure bisect
// between the highest pass and the lowest failure; when the first step fails, back off by
// Growth until one passes or Min fails too. Each step is reported to onStep as it ends.
func (s Search) Run(ctx context.Context, run RunStep, onStep func(Step)) (Result, error) {
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	res := Result{FailedAt: math.Inf(1)}
	rate, phase := s.Start, Ramp
	for len(res.Steps) < s.MaxSteps {
		step, err := run(ctx, phase, rate)
		if err != nil {
			return res, err
		}
		step.Phase, step.Rate = phase, rate
		res.Steps = append(res.Steps, step)
		if onStep != nil {
			onStep(step)
		}
		if step.Passed {
			res.Sustained = max(res.Sustained, rate)
		} else {
			res.FailedAt = min(res.FailedAt, rate)
		}
		next, nextPhase, done := s.next(res, rate, phase)
		if done {
			res.Converged = true
			return res, nil
		}
		rate, phase = next, nextPhase
	}
	return res, nil
}

// next is the rate after a step at rate, or done when the search has its answer.
func (s Search) next(res Result, rate float64, phase Phase) (float64, Phase, bool) {
	lo, hi := res.Sustained, res.FailedAt
	switch {
	case math.IsInf(hi, 1): // nothing failed yet: ramp on, up to the ceiling
		if rate >= s.Max {
			return 0, "", true
		}
		return math.Min(rate*s.Growth, s.Max), Ramp, false
	case lo == 0: // nothing passed yet: back off, down to the floor
		if rate <= s.Min {
			return 0, "", true
		}
		return math.Max(rate/s.Growth, s.Min), BackOff, false
	}
	if (hi-lo)/lo <= s.Precision {
		return 0, "", true
	}
	mid := (lo + hi) / 2
	if r := roundRate(mid); r > lo && r < hi {
		mid = r
	}
	return mid, Bisect, false
}

// roundRate keeps bisected rates readable (three significant figures).
func roundRate(r float64) float64 {
	if r <= 0 {
		return r
	}
	scale := math.Pow(10, math.Floor(math.Log10(r))-2)
	return math.Round(r/scale) * scale
}
