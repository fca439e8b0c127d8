// Package core is the "k6" module: check, group, sleep, fail and randomSeed, with k6's
// semantics and metrics (checks, group_duration).
package core

import (
	"fmt"

	"spate.local/engine/internal/js"
	"spate.local/engine/internal/metrics"
	"spate.local/engine/internal/modules"
)

func init() {
	modules.Register("k6", modules.ModuleFunc(New))
}

type instance struct {
	vu            js.State
	groupDuration *metrics.Metric
	checks        *metrics.Metric
	checkTags     map[string]checkTags
	samples       []metrics.Sample
}

// New is the "k6" module's instance for one VU.
func New(vu modules.VU) (modules.Exports, error) {
	state, ok := vu.(js.State)
	if !ok {
		return modules.Exports{}, fmt.Errorf("the k6 module needs spate's JavaScript VU")
	}
	groupDuration, err := vu.Registry().Register("group_duration", metrics.Trend, metrics.Time)
	if err != nil {
		return modules.Exports{}, err
	}
	checks, err := vu.Registry().Register("checks", metrics.Rate, metrics.Default)
	if err != nil {
		return modules.Exports{}, err
	}
	m := &instance{vu: state, groupDuration: groupDuration, checks: checks, checkTags: map[string]checkTags{}}
	return modules.Exports{Named: map[string]any{
		"check":      m.check,
		"group":      m.group,
		"sleep":      m.sleep,
		"fail":       m.fail,
		"randomSeed": m.randomSeed,
	}}, nil
}
