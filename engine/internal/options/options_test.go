package options

import (
	"errors"
	"strings"
	"testing"
	"time"

	"spate.local/engine/internal/exitcode"
)

func TestParseReadsScenarios(t *testing.T) {
	o, err := Parse([]byte(`{
		"scenarios": {
			"load": {"executor": "constant-arrival-rate", "rate": 50, "timeUnit": "1s", "duration": "1m30s",
			         "preAllocatedVUs": 10, "exec": "produce", "tags": {"kind": "load"}, "env": {"A": "1"}},
			"ramp": {"executor": "ramping-arrival-rate", "startRate": 5, "stages": [{"duration": "10s", "target": 100}, {"duration": 500, "target": 0}],
			         "preAllocatedVUs": 2, "maxVUs": 20, "startTime": "30s", "gracefulStop": "5s"},
			"users": {"executor": "ramping-vus", "stages": [{"duration": "1m", "target": 10}]},
			"steady": {"executor": "constant-vus", "vus": 3, "duration": "1d"},
			"each": {"executor": "per-vu-iterations", "vus": 2, "iterations": 4},
			"pool": {"executor": "shared-iterations", "vus": 2, "iterations": 10, "maxDuration": "20s"}
		}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, s := range o.Scenarios {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "each,load,pool,steady,users,ramp" {
		t.Fatalf("scenarios are not sorted by start time then name: %s", got)
	}
	cases := []struct {
		name string
		got  any
		want any
	}{
		{"the rate is read", o.Scenario("load").Rate, int64(50)},
		{"a duration string with minutes and seconds is read", o.Scenario("load").Duration, 90 * time.Second},
		{"maxVUs defaults to preAllocatedVUs", o.Scenario("load").MaxVUs, int64(10)},
		{"exec names the function", o.Scenario("load").Exec, "produce"},
		{"scenario tags are kept", o.Scenario("load").Tags["kind"], "load"},
		{"scenario env is kept", o.Scenario("load").Env["A"], "1"},
		{"gracefulStop defaults to 30s", o.Scenario("load").GracefulStop, 30 * time.Second},
		{"a numeric stage duration is milliseconds", o.Scenario("ramp").Stages[1].Duration, 500 * time.Millisecond},
		{"startTime is read", o.Scenario("ramp").StartTime, 30 * time.Second},
		{"gracefulStop is read", o.Scenario("ramp").GracefulStop, 5 * time.Second},
		{"timeUnit defaults to 1s", o.Scenario("ramp").TimeUnit, time.Second},
		{"startVUs defaults to 1", o.Scenario("users").StartVUs, int64(1)},
		{"gracefulRampDown defaults to 30s", o.Scenario("users").GracefulRampDown, 30 * time.Second},
		{"a duration in days is read", o.Scenario("steady").Duration, 24 * time.Hour},
		{"exec defaults to default", o.Scenario("steady").Exec, "default"},
		{"maxDuration defaults to 10m", o.Scenario("each").MaxDuration, 10 * time.Minute},
		{"maxDuration is read", o.Scenario("pool").MaxDuration, 20 * time.Second},
		{"setupTimeout defaults to 60s", o.SetupTimeout, 60 * time.Second},
		{"handleSummaryTimeout defaults to 120s", o.HandleSummaryTimeout, 120 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Fatalf("got %v, want %v", c.got, c.want)
			}
		})
	}
}

func TestParseReadsOtherOptions(t *testing.T) {
	o, err := Parse([]byte(`{
		"thresholds": {"iteration_duration{scenario:load}": ["p(95)<500", {"threshold": "max<1000", "abortOnFail": true, "delayAbortEval": "10s"}]},
		"summaryTrendStats": ["avg", "p(99.9)", "count"], "summaryTimeUnit": "ms",
		"setupTimeout": "2m", "teardownTimeout": 5000, "handleSummaryTimeout": "1s",
		"tags": {"testid": "abc"}, "noSetup": true, "noTeardown": false,
		"executionSegment": "1/3:2/3", "executionSegmentSequence": "0,1/3,2/3,1",
		"hosts": {"a": "1.2.3.4"}, "custom": null
	}`))
	if err == nil {
		t.Fatal("an unknown option set to null was accepted")
	}
	o, err = Parse([]byte(`{
		"thresholds": {"iteration_duration{scenario:load}": ["p(95)<500", {"threshold": "max<1000", "abortOnFail": true, "delayAbortEval": "10s"}]},
		"summaryTrendStats": ["avg", "p(99.9)", "count"], "summaryTimeUnit": "ms",
		"setupTimeout": "2m", "teardownTimeout": 5000, "handleSummaryTimeout": "1s",
		"tags": {"testid": "abc"}, "noSetup": true, "noTeardown": false,
		"executionSegment": "1/3:2/3", "executionSegmentSequence": "0,1/3,2/3,1",
		"hosts": {"a": "1.2.3.4"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	th := o.Thresholds["iteration_duration{scenario:load}"]
	cases := []struct {
		name string
		ok   bool
	}{
		{"thresholds keep their expressions as written", len(th) == 2 && th[0].Expr == "p(95)<500" && th[1].Expr == "max<1000"},
		{"a threshold object keeps abortOnFail and delayAbortEval", th[1].AbortOnFail && th[1].DelayAbortEval == 10*time.Second && !th[0].AbortOnFail},
		{"summaryTrendStats are read", strings.Join(o.SummaryTrendStats, ",") == "avg,p(99.9),count"},
		{"summaryTimeUnit is read", o.SummaryTimeUnit == "ms"},
		{"timeouts are read as strings or milliseconds", o.SetupTimeout == 2*time.Minute && o.TeardownTimeout == 5*time.Second && o.HandleSummaryTimeout == time.Second},
		{"run tags are read", o.Tags["testid"] == "abc"},
		{"noSetup and noTeardown are read", o.NoSetup && !o.NoTeardown},
		{"the execution segment is parsed", o.Segment.String() == "1/3:2/3" && o.Sequence.String() == "0,1/3,2/3,1"},
		{"an option spate does not implement is a warning", len(o.Warnings) == 1 && strings.Contains(o.Warnings[0], `"hosts"`)},
		{"the raw options are kept for exec.test.options", o.Raw["tags"].(map[string]any)["testid"] == "abc"},
		{"raw numbers are plain numbers", o.Raw["teardownTimeout"] == float64(5000)},
		{"no scenarios and no shortcuts run one VU once", len(o.Scenarios) == 1 && o.Scenarios[0].Executor == PerVUIterations && o.Scenarios[0].VUs == 1 && o.Scenarios[0].Iterations == 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Fatalf("not so: %+v", o)
			}
		})
	}
}

func TestParseShortcuts(t *testing.T) {
	cases := []struct {
		name, in, executor string
		vus, iterations    int64
		duration           time.Duration
	}{
		{name: "vus and duration make constant-vus", in: `{"vus": 5, "duration": "10s"}`, executor: ConstantVUs, vus: 5, duration: 10 * time.Second},
		{name: "duration alone runs one VU", in: `{"duration": "10s"}`, executor: ConstantVUs, vus: 1, duration: 10 * time.Second},
		{name: "vus and iterations make shared-iterations", in: `{"vus": 2, "iterations": 10}`, executor: SharedIterations, vus: 2, iterations: 10, duration: 10 * time.Minute},
		{name: "iterations with duration bound shared-iterations by it", in: `{"iterations": 10, "duration": "5s"}`, executor: SharedIterations, vus: 1, iterations: 10, duration: 5 * time.Second},
		{name: "stages make ramping-vus starting at vus", in: `{"vus": 3, "stages": [{"duration": "5s", "target": 10}]}`, executor: RampingVUs, vus: 3, duration: 5 * time.Second},
		{name: "vus alone run one iteration each", in: `{"vus": 4}`, executor: PerVUIterations, vus: 4, iterations: 1, duration: 10 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := Parse([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			s := o.Scenarios[0]
			vus := s.VUs
			if s.Executor == RampingVUs {
				vus = s.StartVUs
			}
			if len(o.Scenarios) != 1 || s.Name != "default" || s.Executor != c.executor || vus != c.vus || s.Iterations != c.iterations || s.PlannedDuration() != c.duration {
				t.Fatalf("got %s %+v", s.Executor, s)
			}
		})
	}
}

func TestParseRefusesInvalidOptions(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"a non-object is refused", `[1]`, "must be an object"},
		{"an unknown option names the closest known one", `{"vu": 2}`, `unknown option "vu"; did you mean "vus"?`},
		{"a misspelled threshold option names thresholds", `{"treshold": {}}`, `did you mean "thresholds"?`},
		{"a negative rate is refused with the value", `{"scenarios": {"load": {"executor": "constant-arrival-rate", "rate": -5, "duration": "1s", "preAllocatedVUs": 1}}}`, "invalid options: scenarios.load.rate must be a positive integer, got -5"},
		{"a fractional rate is refused", `{"scenarios": {"load": {"executor": "constant-arrival-rate", "rate": 2.5, "duration": "1s", "preAllocatedVUs": 1}}}`, "scenarios.load.rate must be a positive integer, got 2.5"},
		{"a missing executor is refused", `{"scenarios": {"a": {"vus": 1}}}`, "scenarios.a needs an executor"},
		{"an unknown executor names the closest", `{"scenarios": {"a": {"executor": "constant-vu"}}}`, `did you mean "constant-vus"?`},
		{"an unknown scenario field names the closest", `{"scenarios": {"a": {"executor": "constant-vus", "duration": "1s", "vu": 2}}}`, `unknown field "vu"; did you mean "vus"?`},
		{"a field of another executor is refused", `{"scenarios": {"a": {"executor": "constant-vus", "duration": "1s", "rate": 2}}}`, "scenarios.a.rate does not apply to the constant-vus executor"},
		{"constant-vus needs a duration", `{"scenarios": {"a": {"executor": "constant-vus", "vus": 2}}}`, "scenarios.a needs duration for the constant-vus executor"},
		{"zero vus are refused", `{"scenarios": {"a": {"executor": "constant-vus", "vus": 0, "duration": "1s"}}}`, "scenarios.a.vus must be a positive integer, got 0"},
		{"ramping-vus needs stages", `{"scenarios": {"a": {"executor": "ramping-vus"}}}`, "scenarios.a needs stages"},
		{"ramping-vus with no VU ever is refused", `{"scenarios": {"a": {"executor": "ramping-vus", "startVUs": 0, "stages": [{"duration": "1s", "target": 0}]}}}`, "never has a VU"},
		{"empty stages are refused", `{"scenarios": {"a": {"executor": "ramping-vus", "stages": []}}}`, "stages is empty"},
		{"a stage without a duration is refused", `{"scenarios": {"a": {"executor": "ramping-vus", "stages": [{"target": 3}]}}}`, "stages[0] needs a duration"},
		{"a negative stage target is refused", `{"scenarios": {"a": {"executor": "ramping-vus", "stages": [{"duration": "1s", "target": -1}]}}}`, "stages[0].target must be an integer of 0 or more, got -1"},
		{"shared-iterations with fewer iterations than VUs is refused", `{"scenarios": {"a": {"executor": "shared-iterations", "vus": 5, "iterations": 2}}}`, "iterations (2) must be at least vus (5)"},
		{"constant-arrival-rate needs a rate", `{"scenarios": {"a": {"executor": "constant-arrival-rate", "duration": "1s", "preAllocatedVUs": 1}}}`, "needs rate"},
		{"constant-arrival-rate needs preAllocatedVUs", `{"scenarios": {"a": {"executor": "constant-arrival-rate", "rate": 1, "duration": "1s"}}}`, "needs preAllocatedVUs"},
		{"maxVUs below preAllocatedVUs is refused", `{"scenarios": {"a": {"executor": "constant-arrival-rate", "rate": 1, "duration": "1s", "preAllocatedVUs": 5, "maxVUs": 2}}}`, "maxVUs (2) must be at least preAllocatedVUs (5)"},
		{"an arrival rate without any VU is refused", `{"scenarios": {"a": {"executor": "constant-arrival-rate", "rate": 1, "duration": "1s", "preAllocatedVUs": 0}}}`, "no VU to run iterations"},
		{"ramping-arrival-rate needs stages", `{"scenarios": {"a": {"executor": "ramping-arrival-rate", "preAllocatedVUs": 1}}}`, "needs stages"},
		{"a zero timeUnit is refused", `{"scenarios": {"a": {"executor": "constant-arrival-rate", "rate": 1, "timeUnit": "0s", "duration": "1s", "preAllocatedVUs": 1}}}`, "timeUnit must be longer than 0"},
		{"a bad duration string is refused", `{"duration": "ten seconds"}`, `duration must be a duration such as "30s"`},
		{"a negative startTime is refused", `{"scenarios": {"a": {"executor": "constant-vus", "duration": "1s", "startTime": "-1s"}}}`, "startTime must not be negative"},
		{"an exec that is not a function name is refused", `{"scenarios": {"a": {"executor": "constant-vus", "duration": "1s", "exec": "not a name"}}}`, "must name an exported function"},
		{"a bad scenario name is refused", `{"scenarios": {"a b": {"executor": "constant-vus", "duration": "1s"}}}`, "may only hold letters"},
		{"empty scenarios are refused", `{"scenarios": {}}`, "scenarios is empty"},
		{"non-string tags are refused", `{"tags": {"a": 1}}`, "tags.a must be a string"},
		{"shortcuts with scenarios are refused", `{"duration": "1s", "scenarios": {"a": {"executor": "constant-vus", "duration": "1s"}}}`, "duration and scenarios cannot be used together"},
		{"stages with duration are refused", `{"duration": "1s", "stages": [{"duration": "1s", "target": 1}]}`, "stages and duration cannot be used together"},
		{"vus above iterations are refused", `{"vus": 5, "iterations": 2}`, "iterations (2) must be at least vus (5)"},
		{"a threshold that is not a list is refused", `{"thresholds": {"checks": "rate>0.9"}}`, `thresholds["checks"] must be a list`},
		{"a threshold object without an expression is refused", `{"thresholds": {"checks": [{"abortOnFail": true}]}}`, "needs a threshold expression"},
		{"a threshold object with an unknown field names the closest", `{"thresholds": {"checks": [{"threshold": "rate>0.9", "abortOnFails": true}]}}`, `did you mean "abortOnFail"?`},
		{"a percentile above 100 in summaryTrendStats is refused", `{"summaryTrendStats": ["p(101)"]}`, "a percentile must be from 0 to 100"},
		{"an unknown summary stat is refused", `{"summaryTrendStats": ["mean"]}`, `summaryTrendStats has "mean"`},
		{"an unknown summaryTimeUnit is refused", `{"summaryTimeUnit": "min"}`, "summaryTimeUnit must be"},
		{"a zero setupTimeout is refused", `{"setupTimeout": "0s"}`, "setupTimeout must be longer than 0"},
		{"a segment outside its sequence is refused", `{"executionSegment": "0:1/4", "executionSegmentSequence": "0,1/3,1"}`, "is not in the execution segment sequence"},
		{"a bad segment is refused", `{"executionSegment": "1:0"}`, "invalid execution segment"},
		{"noSetup must be a boolean", `{"noSetup": "yes"}`, "noSetup must be true or false"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.in))
			if err == nil {
				t.Fatalf("Parse accepted %s", c.in)
			}
			var e *exitcode.Error
			if !errors.As(err, &e) || e.Code != exitcode.InvalidConfig {
				t.Fatalf("error %v does not carry exit code 104", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestApplyFollowsK6Precedence(t *testing.T) {
	scenarios := `{"scenarios": {"load": {"executor": "constant-vus", "vus": 2, "duration": "1m"}}, "tags": {"a": "script", "b": "script"}}`
	cases := []struct {
		name, in string
		ov       Overrides
		check    func(o *Options) bool
	}{
		{"--vus and --duration replace script scenarios with constant-vus", scenarios, Overrides{VUs: ptr(int64(7)), Duration: ptr(5 * time.Second)},
			func(o *Options) bool {
				s := o.Scenarios[0]
				return len(o.Scenarios) == 1 && s.Name == "default" && s.Executor == ConstantVUs && s.VUs == 7 && s.Duration == 5*time.Second
			}},
		{"--vus and --iterations make shared-iterations", scenarios, Overrides{VUs: ptr(int64(3)), Iterations: ptr(int64(30))},
			func(o *Options) bool {
				s := o.Scenarios[0]
				return s.Executor == SharedIterations && s.VUs == 3 && s.Iterations == 30
			}},
		{"--vus alone keeps script scenarios and warns", scenarios, Overrides{VUs: ptr(int64(9))},
			func(o *Options) bool {
				return o.Scenarios[0].Name == "load" && o.Scenarios[0].VUs == 2 && len(o.Warnings) == 1 && strings.Contains(o.Warnings[0], "vus has no effect")
			}},
		{"--vus overrides the script's vus shortcut", `{"vus": 2, "duration": "10s"}`, Overrides{VUs: ptr(int64(6))},
			func(o *Options) bool {
				return o.Scenarios[0].Executor == ConstantVUs && o.Scenarios[0].VUs == 6 && o.Scenarios[0].Duration == 10*time.Second
			}},
		{"--duration overrides the script's duration", `{"vus": 2, "duration": "10s"}`, Overrides{Duration: ptr(3 * time.Second)},
			func(o *Options) bool { return o.Scenarios[0].VUs == 2 && o.Scenarios[0].Duration == 3*time.Second }},
		{"--iterations over a script duration bounds shared-iterations by it", `{"vus": 2, "duration": "10s"}`, Overrides{Iterations: ptr(int64(4))},
			func(o *Options) bool {
				s := o.Scenarios[0]
				return s.Executor == SharedIterations && s.Iterations == 4 && s.MaxDuration == 10*time.Second
			}},
		{"--duration replaces the script's stages", `{"stages": [{"duration": "1s", "target": 3}]}`, Overrides{Duration: ptr(2 * time.Second)},
			func(o *Options) bool {
				return o.Scenarios[0].Executor == ConstantVUs && o.Scenarios[0].Duration == 2*time.Second
			}},
		{"--stage replaces the script's duration", `{"duration": "10s"}`, Overrides{Stages: []Stage{{Duration: time.Second, Target: 4}}},
			func(o *Options) bool {
				return o.Scenarios[0].Executor == RampingVUs && o.Scenarios[0].Stages[0].Target == 4
			}},
		{"--tag adds to the script's tags and wins on a clash", scenarios, Overrides{Tags: map[string]string{"b": "cli", "c": "cli"}},
			func(o *Options) bool { return o.Tags["a"] == "script" && o.Tags["b"] == "cli" && o.Tags["c"] == "cli" }},
		{"no overrides keep everything", scenarios, Overrides{},
			func(o *Options) bool { return o.Scenarios[0].Name == "load" && len(o.Warnings) == 0 }},
		{"--execution-segment and its sequence are parsed", scenarios, Overrides{ExecutionSegment: ptr("1/2:1"), ExecutionSegmentSequence: ptr("0,1/2,1")},
			func(o *Options) bool { return o.Segment.String() == "1/2:1" && o.Sequence.String() == "0,1/2,1" }},
		{"--execution-segment joins the script's sequence", `{"executionSegmentSequence": "0,1/3,2/3,1"}`, Overrides{ExecutionSegment: ptr("1/3:2/3")},
			func(o *Options) bool {
				st, err := o.Striping()
				return err == nil && st.Segment().String() == "1/3:2/3"
			}},
		{"--no-setup and --no-teardown override the script", `{"noSetup": true}`, Overrides{NoSetup: ptr(false), NoTeardown: ptr(true)},
			func(o *Options) bool { return !o.NoSetup && o.NoTeardown }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := Parse([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if err := o.Apply(c.ov); err != nil {
				t.Fatal(err)
			}
			if !c.check(o) {
				t.Fatalf("not so: %+v; scenario %+v", o, o.Scenarios[0])
			}
		})
	}
}

func TestApplyRefusesInvalidFlags(t *testing.T) {
	cases := []struct {
		name string
		ov   Overrides
		want string
	}{
		{"zero --vus is refused", Overrides{VUs: ptr(int64(0))}, "--vus must be a positive integer, got 0"},
		{"zero --iterations is refused", Overrides{Iterations: ptr(int64(0))}, "--iterations must be a positive integer"},
		{"a zero --duration is refused", Overrides{Duration: ptr(time.Duration(0))}, "--duration must be longer than 0"},
		{"--vus above --iterations is refused", Overrides{VUs: ptr(int64(5)), Iterations: ptr(int64(2))}, "iterations (2) must be at least vus (5)"},
		{"a bad --execution-segment is refused", Overrides{ExecutionSegment: ptr("2:3")}, "invalid execution segment"},
		{"an --execution-segment outside the --execution-segment-sequence is refused", Overrides{ExecutionSegment: ptr("0:1/3"), ExecutionSegmentSequence: ptr("0,1/2,1")}, "is not in the execution segment sequence"},
		{"a bad summary stat is refused", Overrides{SummaryTrendStats: []string{"p(200)"}}, "percentile must be from 0 to 100"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := Parse(nil)
			if err != nil {
				t.Fatal(err)
			}
			err = o.Apply(c.ov)
			if err == nil || exitcode.Of(err) != exitcode.InvalidConfig || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Apply error = %v, want code 104 containing %q", err, c.want)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "1m30s", want: 90 * time.Second},
		{in: "500ms", want: 500 * time.Millisecond},
		{in: "1d2h", want: 26 * time.Hour},
		{in: "2d", want: 48 * time.Hour},
		{in: "250", bad: true},
		{in: "0", want: 0},
		{in: "1.5s", want: 1500 * time.Millisecond},
		{in: "soon", bad: true},
		{in: "", bad: true},
	}
	for _, c := range cases {
		t.Run("duration "+c.in+" reads as expected", func(t *testing.T) {
			d, err := ParseDuration(c.in)
			if c.bad != (err != nil) || (!c.bad && d != c.want) {
				t.Fatalf("ParseDuration(%q) = %v, %v", c.in, d, err)
			}
		})
	}
}

func TestParseReadsSpateSpikeOptions(t *testing.T) {
	// The options scripts/spike.ts exports with its defaults (10s calm, a 5x burst of 10s, a
	// verify and a monitor scenario).
	o, err := Parse([]byte(`{
		"scenarios": {
			"load": {"executor": "ramping-arrival-rate", "startRate": 1000, "timeUnit": "1s",
				"stages": [{"target": 1000, "duration": "10s"}, {"target": 5000, "duration": "1s"}, {"target": 5000, "duration": "10s"},
				           {"target": 1000, "duration": "1s"}, {"target": 1000, "duration": "10s"}],
				"preAllocatedVUs": 500, "maxVUs": 2000},
			"monitor": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1, "maxDuration": "92s", "exec": "monitor"},
			"verify": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1, "startTime": "32s", "maxDuration": "180s", "exec": "verify"}
		},
		"thresholds": {"kafka_writer_error_count": ["count==0"], "dropped_iterations": ["count==0"], "spate_records_verified": ["count>0"]},
		"summaryTrendStats": ["avg", "min", "med", "p(90)", "p(95)", "p(99)", "max"]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		ok   bool
	}{
		{"three scenarios, verify last", len(o.Scenarios) == 3 && o.Scenarios[2].Name == "verify"},
		{"the load lasts 32s", o.Scenario("load").PlannedDuration() == 32*time.Second},
		{"verify starts when the load ends", o.Scenario("verify").StartTime == 32*time.Second},
		{"the monitor calls its own function", o.Scenario("monitor").Exec == "monitor"},
		{"three metrics have thresholds", len(o.Thresholds) == 3},
		{"there is no warning", len(o.Warnings) == 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Fatalf("not so: %+v", o)
			}
		})
	}
}
