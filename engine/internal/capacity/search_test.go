package capacity

import (
	"context"
	"errors"
	"math"
	"testing"
)

// pipeline passes every step at or below its capacity.
func pipeline(capacity float64, ran *[]float64) RunStep {
	return func(_ context.Context, _ Phase, rate float64) (Step, error) {
		*ran = append(*ran, rate)
		return Step{Passed: rate <= capacity, Achieved: rate}, nil
	}
}

func TestSearch(t *testing.T) {
	base := Search{Start: 1000, Min: 100, Max: 1e6, Growth: 2, Precision: 0.1, MaxSteps: 20}
	cases := []struct {
		name          string
		search        Search
		capacity      float64
		wantRates     []float64
		wantSustained float64
		wantConverged bool
	}{
		{"it ramps, then bisects to within the precision", base, 5000,
			[]float64{1000, 2000, 4000, 8000, 6000, 5000, 5500}, 5000, true},
		{"a first step that fails backs off until one passes, then bisects", base, 300,
			[]float64{1000, 500, 250, 375, 313, 282, 298}, 298, true},
		{"a pipeline faster than the ceiling stops at the ceiling", Search{Start: 1000, Min: 100, Max: 3000, Growth: 2, Precision: 0.1, MaxSteps: 20}, 1e9,
			[]float64{1000, 2000, 3000}, 3000, true},
		{"a pipeline that sustains nothing stops at the floor", Search{Start: 400, Min: 100, Max: 1e6, Growth: 2, Precision: 0.1, MaxSteps: 20}, 50,
			[]float64{400, 200, 100}, 0, true},
		{"the step budget bounds the search", Search{Start: 1000, Min: 100, Max: 1e6, Growth: 2, Precision: 0.01, MaxSteps: 4}, 5000,
			[]float64{1000, 2000, 4000, 8000}, 4000, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ran []float64
			var reported int
			res, err := c.search.Run(context.Background(), pipeline(c.capacity, &ran), func(Step) { reported++ })
			if err != nil {
				t.Fatal(err)
			}
			if len(ran) != len(c.wantRates) {
				t.Fatalf("rates %v, want %v", ran, c.wantRates)
			}
			for i := range ran {
				if math.Abs(ran[i]-c.wantRates[i]) > 0.5 {
					t.Fatalf("rates %v, want %v", ran, c.wantRates)
				}
			}
			if math.Abs(res.Sustained-c.wantSustained) > 0.5 || res.Converged != c.wantConverged {
				t.Fatalf("sustained %v converged %v, want %v %v", res.Sustained, res.Converged, c.wantSustained, c.wantConverged)
			}
			if reported != len(ran) || len(res.Steps) != len(ran) {
				t.Fatalf("%d steps reported, %d in the result, %d ran", reported, len(res.Steps), len(ran))
			}
			if res.Converged && res.Sustained > 0 && !math.IsInf(res.FailedAt, 1) && (res.FailedAt-res.Sustained)/res.Sustained > c.search.Precision {
				t.Fatalf("converged with a gap %v..%v wider than the precision", res.Sustained, res.FailedAt)
			}
		})
	}
}

func TestSearchStops(t *testing.T) {
	t.Run("a step that cannot be judged stops the search with its error", func(t *testing.T) {
		boom := errors.New("the script has a syntax error")
		s := Search{Start: 1000, Min: 100, Max: 1e6, Growth: 2, Precision: 0.1, MaxSteps: 5}
		_, err := s.Run(context.Background(), func(context.Context, Phase, float64) (Step, error) { return Step{}, boom }, nil)
		if !errors.Is(err, boom) {
			t.Fatalf("error %v, want %v", err, boom)
		}
	})
	for _, c := range []struct {
		name string
		s    Search
	}{
		{"a start above the ceiling is refused", Search{Start: 10, Min: 1, Max: 5, Growth: 2, Precision: 0.1, MaxSteps: 5}},
		{"a growth of 1 is refused", Search{Start: 10, Min: 1, Max: 50, Growth: 1, Precision: 0.1, MaxSteps: 5}},
		{"a precision of 0 is refused", Search{Start: 10, Min: 1, Max: 50, Growth: 2, Precision: 0, MaxSteps: 5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.s.Run(context.Background(), nil, nil); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}
