package capacity

import (
	"context"
	"fmt"
	"strings"
)

// Tried is one configuration's step at the target rate.
type Tried struct {
	Pipeline Pipeline
	Step     Step
}

// Fewest tries the configurations in the order given (fewest workers or instances first) with
// one step at target each, and stops at the first that sustains it. start brings a
// configuration up and returns its stop; the result's index is the first that passed, or -1.
func Fewest(ctx context.Context, pipelines []Pipeline, target float64, start func(context.Context, Pipeline) (stop func(), err error),
	run RunStep, onStep func(Tried),
) ([]Tried, int, error) {
	var tried []Tried
	for i, p := range pipelines {
		stop, err := start(ctx, p)
		if err != nil {
			return tried, -1, err
		}
		step, err := run(ctx, Ramp, target)
		stop()
		if err != nil {
			return tried, -1, fmt.Errorf("configuration %s: %v", p.Label, err)
		}
		step.Rate = target
		t := Tried{Pipeline: p, Step: step}
		tried = append(tried, t)
		if onStep != nil {
			onStep(t)
		}
		if step.Passed {
			return tried, i, nil
		}
	}
	return tried, -1, nil
}

// FewestTable is the configurations tried at the target as a Markdown table like the report's,
// then the answer in one line.
func FewestTable(target float64, tried []Tried, first int) string {
	var b strings.Builder
	b.WriteString("| configuration | offered msg/s | achieved msg/s | time to 1M records | p99 end-to-end | verdict |\n")
	b.WriteString("|---|---:|---:|---:|---:|---|\n")
	for _, t := range tried {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", t.Pipeline.Label, Rate(t.Step.Rate), Rate(t.Step.Achieved),
			TimeToMillion(t.Step.Achieved), latency(t.Step.P99Ms), verdict(t.Step))
	}
	if first >= 0 {
		fmt.Fprintf(&b, "\nfewest: %s sustains %s msg/s\n", tried[first].Pipeline.Label, Rate(target))
	} else {
		fmt.Fprintf(&b, "\nnone of the %d configurations sustains %s msg/s\n", len(tried), Rate(target))
	}
	return b.String()
}
