package metrics

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// exactQuantile is k6's definition over every sample, the reference the histogram is held to.
func exactQuantile(sorted []float64, p float64) (value, bound float64) {
	if len(sorted) == 1 {
		return sorted[0], 0
	}
	r := p * float64(len(sorted)-1)
	lo := math.Floor(r)
	f := r - lo
	j, k := sorted[int(lo)], sorted[int(math.Ceil(r))]
	return j + (k-j)*f, HistogramRelativeError * ((1-f)*math.Abs(j) + f*math.Abs(k))
}

func TestHistogramQuantilesStayWithinTheErrorBound(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	distributions := []struct {
		name string
		draw func() float64
	}{
		{"uniform latencies between 1 and 500 ms", func() float64 { return 1 + 499*rng.Float64() }},
		{"exponential latencies with a 20 ms mean", func() float64 { return rng.ExpFloat64() * 20 }},
		{"log-normal latencies with a long tail", func() float64 { return math.Exp(rng.NormFloat64()*1.5 + 2) }},
		{"normal values around zero, half negative", func() float64 { return rng.NormFloat64() * 100 }},
		{"integer counts with many zeros", func() float64 { return float64(rng.IntN(4)) }},
		{"microsecond to minute durations", func() float64 { return math.Pow(10, rng.Float64()*8-3) }},
	}
	quantiles := []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1}
	for _, d := range distributions {
		t.Run(d.name+" gives every quantile within 0.5% of the exact one", func(t *testing.T) {
			for _, n := range []int{1, 2, 17, 1000, 200_000} {
				h := NewHistogram()
				values := make([]float64, n)
				var sum float64
				for i := range values {
					values[i] = d.draw()
					sum += values[i]
					h.Add(values[i])
				}
				sort.Float64s(values)
				for _, p := range quantiles {
					want, bound := exactQuantile(values, p)
					got := h.Quantile(p)
					if math.Abs(got-want) > bound+1e-9 {
						t.Errorf("n=%d p=%g: got %g, exact %g, allowed error %g", n, p, got, want, bound)
					}
				}
				if h.Count() != uint64(n) || h.Min() != values[0] || h.Max() != values[n-1] {
					t.Errorf("n=%d: count/min/max %d/%g/%g, want %d/%g/%g", n, h.Count(), h.Min(), h.Max(), n, values[0], values[n-1])
				}
				if math.Abs(h.Sum()-sum) > 1e-9*math.Abs(sum)+1e-9 {
					t.Errorf("n=%d: sum %g, want %g", n, h.Sum(), sum)
				}
			}
		})
	}
}

func TestHistogramMergeEqualsOneHistogram(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, parts := range []int{2, 5} {
		t.Run("merging parts gives the same histogram as adding everything to one", func(t *testing.T) {
			whole := NewHistogram()
			merged := NewHistogram()
			for range parts {
				part := NewHistogram()
				scale := math.Pow(10, float64(rng.IntN(6)))
				for range 5000 {
					v := rng.ExpFloat64()*scale - scale/10
					part.Add(v)
					whole.Add(v)
				}
				merged.Merge(part)
			}
			for _, p := range []float64{0, 0.1, 0.5, 0.9, 0.99, 1} {
				if got, want := merged.Quantile(p), whole.Quantile(p); got != want {
					t.Errorf("p=%g: merged %g, single %g", p, got, want)
				}
			}
			if merged.Count() != whole.Count() || merged.Min() != whole.Min() || merged.Max() != whole.Max() {
				t.Errorf("merged count/min/max differ from the single histogram's")
			}
		})
	}
}

func TestHistogramMemoryDoesNotGrowWithSamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := NewHistogram()
	var after1k int
	for i := range 2_000_000 {
		h.Add(math.Exp(rng.NormFloat64()*2) * 10)
		if i == 100_000 {
			after1k = len(h.pos.counts) + len(h.neg.counts)
		}
	}
	buckets := len(h.pos.counts) + len(h.neg.counts)
	t.Run("the bucket count stays within the layout's bound", func(t *testing.T) {
		limit := histogramMaxIndex - histogramMinIndex + 1
		if buckets > limit {
			t.Fatalf("%d buckets, bound %d", buckets, limit)
		}
	})
	t.Run("twenty times more samples add only a few tail buckets", func(t *testing.T) {
		if buckets > after1k+200 {
			t.Fatalf("%d buckets after 2M samples, %d after 100k", buckets, after1k)
		}
	})
	t.Run("extreme magnitudes are bounded too", func(t *testing.T) {
		e := NewHistogram()
		for _, v := range []float64{1e-300, 1e-12, 1e300, -1e300, math.MaxFloat64, 5} {
			e.Add(v)
		}
		if n := len(e.pos.counts) + len(e.neg.counts); n > 2*(histogramMaxIndex-histogramMinIndex+1) {
			t.Fatalf("%d buckets", n)
		}
		if e.Max() != math.MaxFloat64 || e.Min() != -1e300 {
			t.Fatalf("min/max %g/%g", e.Min(), e.Max())
		}
	})
}

func TestHistogramJSON(t *testing.T) {
	h := NewHistogram()
	for _, v := range []float64{-3, 0, 0.5, 12, 12, 900} {
		h.Add(v)
	}
	data, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a histogram read back from JSON answers the same quantiles", func(t *testing.T) {
		var back Histogram
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		for _, p := range []float64{0, 0.2, 0.5, 0.8, 1} {
			if back.Quantile(p) != h.Quantile(p) {
				t.Errorf("p=%g: %g after JSON, %g before", p, back.Quantile(p), h.Quantile(p))
			}
		}
		if back.Count() != 6 || back.Sum() != h.Sum() {
			t.Errorf("count/sum %d/%g", back.Count(), back.Sum())
		}
	})
	t.Run("a histogram whose counts do not add up is refused", func(t *testing.T) {
		var m map[string]any
		_ = json.Unmarshal(data, &m)
		m["count"] = 99
		bad, _ := json.Marshal(m)
		var back Histogram
		if err := json.Unmarshal(bad, &back); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("a histogram of another bucket layout is refused", func(t *testing.T) {
		var m map[string]any
		_ = json.Unmarshal(data, &m)
		m["relativeError"] = 0.01
		bad, _ := json.Marshal(m)
		var back Histogram
		if err := json.Unmarshal(bad, &back); err == nil {
			t.Fatal("no error")
		}
	})
}
