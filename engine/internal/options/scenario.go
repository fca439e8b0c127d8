package options

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"time"
)

// Executor names, as k6 spells them.
const (
	ConstantVUs         = "constant-vus"
	RampingVUs          = "ramping-vus"
	PerVUIterations     = "per-vu-iterations"
	SharedIterations    = "shared-iterations"
	ConstantArrivalRate = "constant-arrival-rate"
	RampingArrivalRate  = "ramping-arrival-rate"
)

// Executors lists every executor spate implements.
var Executors = []string{ConstantVUs, RampingVUs, PerVUIterations, SharedIterations, ConstantArrivalRate, RampingArrivalRate}

// Scenario is one scenario with its executor's fields; defaults are filled in, and fields that
// do not apply to the executor stay zero.
type Scenario struct {
	Name     string
	Executor string
	Exec     string // the exported function each iteration calls; "default" when unset

	StartTime    time.Duration
	GracefulStop time.Duration
	Env          map[string]string
	Tags         map[string]string

	VUs         int64         // constant-vus, per-vu-iterations, shared-iterations
	Iterations  int64         // per-vu-iterations (per VU), shared-iterations (in total)
	Duration    time.Duration // constant-vus, constant-arrival-rate
	MaxDuration time.Duration // per-vu-iterations, shared-iterations

	StartVUs         int64         // ramping-vus
	GracefulRampDown time.Duration // ramping-vus

	Rate            int64         // constant-arrival-rate: iterations per TimeUnit
	StartRate       int64         // ramping-arrival-rate
	TimeUnit        time.Duration // arrival-rate executors
	PreAllocatedVUs int64         // arrival-rate executors
	MaxVUs          int64         // arrival-rate executors (defaults to PreAllocatedVUs)

	Stages []Stage // ramping-vus (VU targets), ramping-arrival-rate (rate targets)
}

// commonFields apply to every executor.
var commonFields = []string{"executor", "exec", "startTime", "gracefulStop", "env", "tags"}

// executorFields are the fields of each executor besides the common ones.
var executorFields = map[string][]string{
	ConstantVUs:         {"vus", "duration"},
	RampingVUs:          {"startVUs", "stages", "gracefulRampDown"},
	PerVUIterations:     {"vus", "iterations", "maxDuration"},
	SharedIterations:    {"vus", "iterations", "maxDuration"},
	ConstantArrivalRate: {"rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"},
	RampingArrivalRate:  {"startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs"},
}

// scenarioName is what k6 accepts as a scenario name (it becomes a tag value and a path).
var scenarioName = regexp.MustCompile(`^[0-9a-zA-Z_-]+$`)

// exportName is a JavaScript identifier: the name of an exported function.
var exportName = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

func parseScenarios(v json.RawMessage) ([]*Scenario, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil || raw == nil {
		return nil, invalid("scenarios must be an object of scenario names and their settings, got %s", shown(v))
	}
	if len(raw) == 0 {
		return nil, invalid("scenarios is empty; define at least one scenario, or remove scenarios to run one iteration")
	}
	list := make([]*Scenario, 0, len(raw))
	for name, item := range raw {
		s, err := parseScenario(name, item)
		if err != nil {
			return nil, err
		}
		list = append(list, s)
	}
	sortScenarios(list)
	return list, nil
}

func parseScenario(name string, v json.RawMessage) (*Scenario, error) {
	path := "scenarios." + name
	if !scenarioName.MatchString(name) {
		return nil, invalid("scenario name %q may only hold letters, digits, - and _", name)
	}
	var fields map[string]json.RawMessage
	if err := decode(v, &fields); err != nil || fields == nil {
		return nil, invalid("%s must be an object with an executor and its settings, got %s", path, shown(v))
	}
	s := &Scenario{Name: name, Exec: "default", GracefulStop: DefaultGracefulStop}
	if isNull(fields["executor"]) {
		return nil, invalid("%s needs an executor, one of %v", path, Executors)
	}
	executor, err := stringValue(path+".executor", fields["executor"])
	if err != nil {
		return nil, err
	}
	allowed, ok := executorFields[executor]
	if !ok {
		return nil, invalid("%s.executor %q is not an executor; did you mean %q?", path, executor, closest(executor, Executors))
	}
	s.Executor = executor
	s.setDefaults()
	known := append(append([]string(nil), commonFields...), allowed...)
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, field := range names {
		fv := fields[field]
		if !contains(known, field) {
			if belongsToAnother(field) {
				return nil, invalid("%s.%s does not apply to the %s executor (it takes %v); remove it", path, field, executor, allowed)
			}
			return nil, invalid("%s has an unknown field %q; did you mean %q?", path, field, closest(field, known))
		}
		if isNull(fv) {
			continue
		}
		if err := s.set(path, field, fv); err != nil {
			return nil, err
		}
	}
	if err := s.validate(path, fields); err != nil {
		return nil, err
	}
	return s, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func belongsToAnother(field string) bool {
	for _, fields := range executorFields {
		if contains(fields, field) {
			return true
		}
	}
	return false
}

func (s *Scenario) setDefaults() {
	switch s.Executor {
	case ConstantVUs:
		s.VUs = 1
	case RampingVUs:
		s.StartVUs = 1
		s.GracefulRampDown = DefaultGracefulRampDown
	case PerVUIterations, SharedIterations:
		s.VUs, s.Iterations, s.MaxDuration = 1, 1, DefaultMaxDuration
	case ConstantArrivalRate, RampingArrivalRate:
		s.TimeUnit = DefaultTimeUnit
		s.MaxVUs = -1 // not set: PreAllocatedVUs
	}
}

func (s *Scenario) set(path, field string, v json.RawMessage) error {
	p := path + "." + field
	var err error
	switch field {
	case "executor":
	case "exec":
		s.Exec, err = stringValue(p, v)
		if err == nil && !exportName.MatchString(s.Exec) {
			err = invalid("%s must name an exported function, got %q", p, s.Exec)
		}
	case "startTime":
		s.StartTime, err = durationValue(p, v)
	case "gracefulStop":
		s.GracefulStop, err = durationValue(p, v)
	case "gracefulRampDown":
		s.GracefulRampDown, err = durationValue(p, v)
	case "env":
		s.Env, err = stringMap(p, v)
	case "tags":
		s.Tags, err = stringMap(p, v)
	case "vus":
		s.VUs, err = intValue(p, v, 1)
	case "iterations":
		s.Iterations, err = intValue(p, v, 1)
	case "duration":
		s.Duration, err = positiveDuration(p, v)
	case "maxDuration":
		s.MaxDuration, err = positiveDuration(p, v)
	case "startVUs":
		s.StartVUs, err = intValue(p, v, 0)
	case "rate":
		s.Rate, err = intValue(p, v, 1)
	case "startRate":
		s.StartRate, err = intValue(p, v, 0)
	case "timeUnit":
		s.TimeUnit, err = positiveDuration(p, v)
	case "preAllocatedVUs":
		s.PreAllocatedVUs, err = intValue(p, v, 0)
	case "maxVUs":
		s.MaxVUs, err = intValue(p, v, 0)
	case "stages":
		s.Stages, err = stagesValue(p, v)
	}
	return err
}

// validate checks what each executor needs beyond single fields (k6's rules).
func (s *Scenario) validate(path string, fields map[string]json.RawMessage) error {
	required := func(names ...string) error {
		for _, n := range names {
			if isNull(fields[n]) {
				return invalid("%s needs %s for the %s executor", path, n, s.Executor)
			}
		}
		return nil
	}
	switch s.Executor {
	case ConstantVUs:
		return required("duration")
	case RampingVUs:
		if err := required("stages"); err != nil {
			return err
		}
		if len(s.Stages) == 0 {
			return invalid("%s.stages is empty; give at least one {duration, target}", path)
		}
		peak := s.StartVUs
		for _, st := range s.Stages {
			peak = max(peak, st.Target)
		}
		if peak == 0 {
			return invalid("%s never has a VU: set startVUs or a stage target above 0", path)
		}
		if stagesDuration(s.Stages) == 0 {
			return invalid("%s.stages last 0s in total; give a stage a duration", path)
		}
	case SharedIterations:
		if s.Iterations < s.VUs {
			return invalid("%s.iterations (%d) must be at least vus (%d): each VU runs at least one iteration", path, s.Iterations, s.VUs)
		}
	case ConstantArrivalRate, RampingArrivalRate:
		need := []string{"preAllocatedVUs"}
		if s.Executor == ConstantArrivalRate {
			need = append([]string{"rate", "duration"}, need...)
		} else {
			need = append([]string{"stages"}, need...)
		}
		if err := required(need...); err != nil {
			return err
		}
		if s.MaxVUs < 0 {
			s.MaxVUs = s.PreAllocatedVUs
		}
		if s.MaxVUs < s.PreAllocatedVUs {
			return invalid("%s.maxVUs (%d) must be at least preAllocatedVUs (%d)", path, s.MaxVUs, s.PreAllocatedVUs)
		}
		if s.MaxVUs == 0 {
			return invalid("%s has no VU to run iterations: set preAllocatedVUs or maxVUs above 0", path)
		}
		if s.Executor == RampingArrivalRate {
			if len(s.Stages) == 0 {
				return invalid("%s.stages is empty; give at least one {duration, target}", path)
			}
			if stagesDuration(s.Stages) == 0 {
				return invalid("%s.stages last 0s in total; give a stage a duration", path)
			}
		}
	}
	return nil
}

func stagesDuration(stages []Stage) time.Duration {
	var d time.Duration
	for _, st := range stages {
		d += st.Duration
	}
	return d
}

// PlannedDuration is how long the scenario schedules iterations, from its start: its duration,
// its stages, or (for the iteration-count executors) at most maxDuration.
func (s *Scenario) PlannedDuration() time.Duration {
	switch s.Executor {
	case ConstantVUs, ConstantArrivalRate:
		return s.Duration
	case RampingVUs, RampingArrivalRate:
		return stagesDuration(s.Stages)
	}
	return s.MaxDuration
}

// String describes the scenario in one line, as k6's start-of-test banner does.
func (s *Scenario) String() string {
	switch s.Executor {
	case ConstantVUs:
		return fmt.Sprintf("%d looping VUs for %s (exec: %s, gracefulStop: %s)", s.VUs, s.Duration, s.Exec, s.GracefulStop)
	case RampingVUs:
		return fmt.Sprintf("up to %d looping VUs for %s over %d stages (exec: %s, gracefulRampDown: %s, gracefulStop: %s)", s.peakVUs(), stagesDuration(s.Stages), len(s.Stages), s.Exec, s.GracefulRampDown, s.GracefulStop)
	case PerVUIterations:
		return fmt.Sprintf("%d iterations for each of %d VUs (exec: %s, maxDuration: %s, gracefulStop: %s)", s.Iterations, s.VUs, s.Exec, s.MaxDuration, s.GracefulStop)
	case SharedIterations:
		return fmt.Sprintf("%d iterations shared among %d VUs (exec: %s, maxDuration: %s, gracefulStop: %s)", s.Iterations, s.VUs, s.Exec, s.MaxDuration, s.GracefulStop)
	case ConstantArrivalRate:
		return fmt.Sprintf("%d iterations/%s for %s (maxVUs: %d-%d, exec: %s, gracefulStop: %s)", s.Rate, s.TimeUnit, s.Duration, s.PreAllocatedVUs, s.MaxVUs, s.Exec, s.GracefulStop)
	case RampingArrivalRate:
		return fmt.Sprintf("up to %d iterations/%s over %s in %d stages (maxVUs: %d-%d, exec: %s, gracefulStop: %s)", s.peakRate(), s.TimeUnit, stagesDuration(s.Stages), len(s.Stages), s.PreAllocatedVUs, s.MaxVUs, s.Exec, s.GracefulStop)
	}
	return s.Executor
}

func (s *Scenario) peakVUs() int64 {
	peak := s.StartVUs
	for _, st := range s.Stages {
		peak = max(peak, st.Target)
	}
	return peak
}

func (s *Scenario) peakRate() int64 {
	peak := s.StartRate
	for _, st := range s.Stages {
		peak = max(peak, st.Target)
	}
	return peak
}
