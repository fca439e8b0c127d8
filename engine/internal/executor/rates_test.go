package executor

import (
	"math"
	"testing"
	"time"

	"spate.local/engine/internal/options"
)

func countStarts(s arrivalSchedule) (n int, times []time.Duration) {
	for i := uint64(0); ; i++ {
		at, ok := s.at(i)
		if !ok {
			return n, times
		}
		n++
		times = append(times, at)
	}
}

func TestConstantRateSchedule(t *testing.T) {
	cases := []struct {
		name     string
		rate     int64
		unit     time.Duration
		duration time.Duration
		want     int
		step     time.Duration
	}{
		{"50/s for 4s starts 201 iterations, one at 0 and one at the end", 50, time.Second, 4 * time.Second, 201, 20 * time.Millisecond},
		{"3 per minute for 1m starts 4", 3, time.Minute, time.Minute, 4, 20 * time.Second},
		{"7/s for 1s starts 8 spread evenly", 7, time.Second, time.Second, 8, time.Second / 7},
		{"1000/s for 10m starts 600001", 1000, time.Second, 10 * time.Minute, 600001, time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newConstantRate(&options.Scenario{Rate: c.rate, TimeUnit: c.unit, Duration: c.duration})
			n, times := countStarts(s)
			if n != c.want {
				t.Fatalf("%d starts, want %d", n, c.want)
			}
			for i, at := range times {
				want := time.Duration(int64(i) * int64(c.unit) / c.rate)
				if at != want || (i > 0 && (at-times[i-1]-c.step).Abs() > 1) {
					t.Fatalf("iteration %d at %s, want %s", i, at, want)
				}
			}
			if times[0] != 0 || times[len(times)-1] != c.duration {
				t.Fatalf("first at %s, last at %s", times[0], times[len(times)-1])
			}
		})
	}
}

func TestRampingRateSchedule(t *testing.T) {
	cases := []struct {
		name      string
		startRate int64
		stages    []options.Stage
		want      int
		// check is the expected start of iteration i (0-based)
		check func(i int) time.Duration
	}{
		{"a constant stage of 50/s over 4s starts 200, at (i+1)/50 s", 50, []options.Stage{{Duration: 4 * time.Second, Target: 50}}, 200,
			func(i int) time.Duration { return time.Duration(float64(i+1) / 50 * float64(time.Second)) }},
		{"a ramp from 0 to 100/s over 2s starts 100, at sqrt((i+1)/25) s", 0, []options.Stage{{Duration: 2 * time.Second, Target: 100}}, 100,
			func(i int) time.Duration { return time.Duration(math.Sqrt(float64(i+1)/25) * float64(time.Second)) }},
		{"a ramp down from 100/s to 0 over 2s starts 100", 100, []options.Stage{{Duration: 2 * time.Second, Target: 0}}, 100,
			func(i int) time.Duration {
				// 100t - 25t^2 = i+1
				return time.Duration((100 - math.Sqrt(10000-100*float64(i+1))) / 50 * float64(time.Second))
			}},
		{"a jump between stages and a hold add up", 10, []options.Stage{{Duration: time.Second, Target: 10}, {Duration: 0, Target: 30}, {Duration: time.Second, Target: 30}}, 40, nil},
		{"a zero-rate stage starts nothing during it", 0, []options.Stage{{Duration: time.Second, Target: 0}, {Duration: time.Second, Target: 0}, {Duration: time.Second, Target: 60}}, 30,
			func(i int) time.Duration {
				return 2*time.Second + time.Duration(math.Sqrt(float64(i+1)/30)*float64(time.Second))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newRampingRate(&options.Scenario{StartRate: c.startRate, TimeUnit: time.Second, Stages: c.stages})
			n, times := countStarts(s)
			if n != c.want {
				t.Fatalf("%d starts, want %d", n, c.want)
			}
			for i, at := range times {
				if i > 0 && at < times[i-1] {
					t.Fatalf("iteration %d at %s starts before iteration %d at %s", i, at, i-1, times[i-1])
				}
				if c.check != nil {
					if want := c.check(i); (at - want).Abs() > time.Microsecond {
						t.Fatalf("iteration %d at %s, want %s", i, at, want)
					}
				}
			}
		})
	}
}
