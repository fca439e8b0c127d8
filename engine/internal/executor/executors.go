package executor

import (
	"fmt"

	"spate.local/engine/internal/options"
	"spate.local/engine/internal/segment"
)

// newExecutor builds the executor of a scenario, with this instance's share of it.
func newExecutor(o *options.Scenario, st *segment.Striping) (executor, error) {
	switch o.Executor {
	case options.ConstantVUs:
		return &constantVUs{n: int(st.CountInt(o.VUs)), duration: o.Duration}, nil
	case options.PerVUIterations:
		return &perVUIterations{n: int(st.CountInt(o.VUs)), iterations: uint64(o.Iterations), maxDuration: o.MaxDuration}, nil
	case options.SharedIterations:
		return newSharedIterations(o.VUs, o.Iterations, o.MaxDuration, st), nil
	case options.RampingVUs:
		return newRampingVUs(o, st), nil
	case options.ConstantArrivalRate:
		return newArrivalRate(o, st, newConstantRate(o)), nil
	case options.RampingArrivalRate:
		return newArrivalRate(o, st, newRampingRate(o)), nil
	}
	return nil, fmt.Errorf("scenario %s: executor %q is not implemented", o.Name, o.Executor)
}
