package options

import (
	"time"
)

// derive sets Scenarios: the script's scenarios, else one derived from the execution shortcuts
// (stages -> ramping-vus; iterations -> shared-iterations, bounded by duration when given;
// duration -> constant-vus), else one VU running one iteration, as k6 does.
func (o *Options) derive() error {
	shortcut := ""
	switch {
	case o.Stages != nil:
		shortcut = "stages"
		if o.Duration != nil || o.Iterations != nil {
			other := "duration"
			if o.Iterations != nil {
				other = "iterations"
			}
			return invalid("stages and %s cannot be used together: stages already set the duration; keep one of them", other)
		}
	case o.Iterations != nil:
		shortcut = "iterations"
	case o.Duration != nil:
		shortcut = "duration"
	}
	if o.scriptScenarios != nil {
		if shortcut != "" {
			return invalid("%s and scenarios cannot be used together: move the %s into a scenario, or remove scenarios", shortcut, shortcut)
		}
		if o.VUs != nil {
			o.warnOnce("option vus has no effect when scenarios are set: give each scenario its VUs")
		}
		o.Scenarios = o.scriptScenarios
		return nil
	}
	vus := int64(1)
	if o.VUs != nil {
		vus = *o.VUs
	}
	s := &Scenario{Name: DefaultScenarioName, Exec: "default", GracefulStop: DefaultGracefulStop}
	switch shortcut {
	case "stages":
		s.Executor, s.StartVUs, s.Stages, s.GracefulRampDown = RampingVUs, vus, o.Stages, DefaultGracefulRampDown
		if s.peakVUs() == 0 {
			return invalid("stages never have a VU: set vus or a stage target above 0")
		}
		if stagesDuration(s.Stages) == 0 {
			return invalid("stages last 0s in total; give a stage a duration")
		}
	case "iterations":
		s.Executor, s.VUs, s.Iterations, s.MaxDuration = SharedIterations, vus, *o.Iterations, DefaultMaxDuration
		if o.Duration != nil && *o.Duration > 0 {
			s.MaxDuration = *o.Duration
		}
		if s.Iterations < s.VUs {
			return invalid("iterations (%d) must be at least vus (%d): each VU runs at least one iteration", s.Iterations, s.VUs)
		}
	case "duration":
		if *o.Duration == 0 {
			return invalid("duration must be longer than 0, e.g. \"30s\"")
		}
		s.Executor, s.VUs, s.Duration = ConstantVUs, vus, *o.Duration
	default:
		s.Executor, s.VUs, s.Iterations, s.MaxDuration = PerVUIterations, vus, 1, DefaultMaxDuration
	}
	o.Scenarios = []*Scenario{s}
	return nil
}

func (o *Options) warnOnce(w string) {
	for _, x := range o.Warnings {
		if x == w {
			return
		}
	}
	o.Warnings = append(o.Warnings, w)
}

// Overrides are the command-line flags that override script options (nil or empty: not given).
type Overrides struct {
	VUs        *int64
	Duration   *time.Duration
	Iterations *int64
	Stages     []Stage
	// Tags are added to the script's run tags, replacing those of the same name.
	Tags                     map[string]string
	ExecutionSegment         *string
	ExecutionSegmentSequence *string
	NoSetup, NoTeardown      *bool
	SummaryTrendStats        []string
	SummaryTimeUnit          *string
}

// Apply overrides script options with command-line flags, as k6 does: each flag replaces the
// option of the same name; an execution shortcut on the command line (--duration, --iterations,
// --stages) replaces the script's scenarios and its other kind of shortcut, and then the
// shortcuts are derived again (--vus with --duration: constant-vus; --vus with --iterations:
// shared-iterations).
func (o *Options) Apply(ov Overrides) error {
	if ov.VUs != nil && *ov.VUs < 1 {
		return invalid("--vus must be a positive integer, got %d", *ov.VUs)
	}
	if ov.Iterations != nil && *ov.Iterations < 1 {
		return invalid("--iterations must be a positive integer, got %d", *ov.Iterations)
	}
	if ov.Duration != nil && *ov.Duration <= 0 {
		return invalid("--duration must be longer than 0, got %s", *ov.Duration)
	}
	for i, st := range ov.Stages {
		if st.Duration < 0 || st.Target < 0 {
			return invalid("--stage %d must have a duration and a target of 0 or more", i+1)
		}
	}
	cliShortcut := ov.Duration != nil || ov.Iterations != nil || ov.Stages != nil
	if cliShortcut {
		o.scriptScenarios = nil
		if ov.Stages != nil {
			o.Duration, o.Iterations = nil, nil
		} else {
			o.Stages = nil
		}
	}
	if ov.VUs != nil {
		v := *ov.VUs
		o.VUs = &v
	}
	if ov.Duration != nil {
		d := *ov.Duration
		o.Duration = &d
	}
	if ov.Iterations != nil {
		n := *ov.Iterations
		o.Iterations = &n
	}
	if ov.Stages != nil {
		o.Stages = append([]Stage(nil), ov.Stages...)
	}
	if len(ov.Tags) > 0 {
		tags := make(map[string]string, len(o.Tags)+len(ov.Tags))
		for k, v := range o.Tags {
			tags[k] = v
		}
		for k, v := range ov.Tags {
			tags[k] = v
		}
		o.Tags = tags
	}
	if ov.ExecutionSegment != nil {
		o.ExecutionSegment = *ov.ExecutionSegment
	}
	if ov.ExecutionSegmentSequence != nil {
		o.ExecutionSegmentSequence = *ov.ExecutionSegmentSequence
	}
	if ov.NoSetup != nil {
		o.NoSetup = *ov.NoSetup
	}
	if ov.NoTeardown != nil {
		o.NoTeardown = *ov.NoTeardown
	}
	if ov.SummaryTrendStats != nil {
		for _, s := range ov.SummaryTrendStats {
			if err := checkTrendStat(s); err != nil {
				return err
			}
		}
		o.SummaryTrendStats = append([]string(nil), ov.SummaryTrendStats...)
	}
	if ov.SummaryTimeUnit != nil {
		switch *ov.SummaryTimeUnit {
		case "", "s", "ms", "us":
			o.SummaryTimeUnit = *ov.SummaryTimeUnit
		default:
			return invalid("--summary-time-unit must be s, ms or us, got %q", *ov.SummaryTimeUnit)
		}
	}
	if err := o.parseSegments(true); err != nil {
		return err
	}
	return o.derive()
}
