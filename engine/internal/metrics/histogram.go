package metrics

import (
	"encoding/json"
	"fmt"
	"math"
)

// HistogramRelativeError is the bound on a Histogram's quantiles: a quantile is within 0.5% of
// the value k6 would compute from every sample (relative to that value), for magnitudes between
// histogramMinMagnitude and histogramMaxMagnitude. Count, sum, min and max are exact.
const HistogramRelativeError = 0.005

const (
	// Magnitudes below this are counted as zero (an absolute error under 1e-9): a Trend of
	// milliseconds or bytes never needs finer.
	histogramMinMagnitude = 1e-9
	// Magnitudes above this share the top bucket, which caps memory at about 5,500 buckets per
	// sign (44 KB); min and max stay exact.
	histogramMaxMagnitude = 1e15
)

var (
	histogramGamma    = (1 + HistogramRelativeError) / (1 - HistogramRelativeError)
	histogramLogGamma = math.Log(histogramGamma)
	histogramMinIndex = bucketIndex(histogramMinMagnitude)
	histogramMaxIndex = bucketIndex(histogramMaxMagnitude)
)

// bucketIndex is the log-linear bucket of a positive magnitude: bucket k holds (gamma^(k-1), gamma^k].
func bucketIndex(v float64) int {
	return int(math.Ceil(math.Log(v) / histogramLogGamma))
}

// bucketValue is the point of bucket k whose relative distance to both edges is the error bound.
func bucketValue(k int) float64 {
	return 2 * math.Pow(histogramGamma, float64(k)) / (histogramGamma + 1)
}

// Histogram is a streaming distribution for Trend metrics: log-linear buckets (bounded memory,
// mergeable) plus exact count, sum, min and max. It never keeps samples. Not safe for concurrent
// use.
type Histogram struct {
	count    uint64
	sum      float64
	min, max float64
	zero     uint64
	pos, neg buckets // neg holds magnitudes of negative values
}

// buckets is a dense run of counts starting at bucket index offset.
type buckets struct {
	offset int
	counts []uint64
}

func (b *buckets) add(k int, n uint64) {
	if len(b.counts) == 0 {
		b.offset = k
		b.counts = []uint64{n}
		return
	}
	if k < b.offset {
		grown := make([]uint64, len(b.counts)+b.offset-k)
		copy(grown[b.offset-k:], b.counts)
		b.counts, b.offset = grown, k
	} else if k >= b.offset+len(b.counts) {
		b.counts = append(b.counts, make([]uint64, k-b.offset-len(b.counts)+1)...)
	}
	b.counts[k-b.offset] += n
}

func (b *buckets) total() uint64 {
	var n uint64
	for _, c := range b.counts {
		n += c
	}
	return n
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{} }

// Add records one value. NaN is ignored.
func (h *Histogram) Add(v float64) {
	if math.IsNaN(v) {
		return
	}
	if h.count == 0 || v < h.min {
		h.min = v
	}
	if h.count == 0 || v > h.max {
		h.max = v
	}
	h.count++
	h.sum += v
	mag := math.Abs(v)
	if mag < histogramMinMagnitude {
		h.zero++
		return
	}
	k := histogramMaxIndex
	if mag < histogramMaxMagnitude {
		k = max(bucketIndex(mag), histogramMinIndex)
	}
	if v > 0 {
		h.pos.add(k, 1)
	} else {
		h.neg.add(k, 1)
	}
}

// Merge adds every value of other to h.
func (h *Histogram) Merge(other *Histogram) {
	if other == nil || other.count == 0 {
		return
	}
	if h.count == 0 || other.min < h.min {
		h.min = other.min
	}
	if h.count == 0 || other.max > h.max {
		h.max = other.max
	}
	h.count += other.count
	h.sum += other.sum
	h.zero += other.zero
	for i, c := range other.pos.counts {
		if c > 0 {
			h.pos.add(other.pos.offset+i, c)
		}
	}
	for i, c := range other.neg.counts {
		if c > 0 {
			h.neg.add(other.neg.offset+i, c)
		}
	}
}

// Count is the number of values.
func (h *Histogram) Count() uint64 { return h.count }

// Sum is the exact sum of the values.
func (h *Histogram) Sum() float64 { return h.sum }

// Min is the smallest value (0 when empty).
func (h *Histogram) Min() float64 { return h.min }

// Max is the largest value (0 when empty).
func (h *Histogram) Max() float64 { return h.max }

// Avg is the mean (0 when empty).
func (h *Histogram) Avg() float64 {
	if h.count == 0 {
		return 0
	}
	return h.sum / float64(h.count)
}

// Med is Quantile(0.5), k6's med.
func (h *Histogram) Med() float64 { return h.Quantile(0.5) }

// Quantile returns the p-quantile (0 <= p <= 1) with k6's definition: the values sorted, rank
// p*(count-1), interpolated linearly between the two nearest ranks. Each rank's value comes from
// its bucket, within HistogramRelativeError; rank 0 is the exact min and the last rank the exact max.
func (h *Histogram) Quantile(p float64) float64 {
	switch {
	case h.count == 0:
		return 0
	case h.count == 1 || p <= 0:
		return h.min
	case p >= 1:
		return h.max
	}
	r := p * float64(h.count-1)
	lo := math.Floor(r)
	vlo := h.valueAtRank(uint64(lo))
	if r == lo {
		return vlo
	}
	vhi := h.valueAtRank(uint64(lo) + 1)
	return vlo + (vhi-vlo)*(r-lo)
}

// valueAtRank estimates the value at a 0-based rank of the sorted values.
func (h *Histogram) valueAtRank(rank uint64) float64 {
	if rank == 0 {
		return h.min
	}
	if rank >= h.count-1 {
		return h.max
	}
	clamp := func(v float64) float64 { return math.Min(math.Max(v, h.min), h.max) }
	var seen uint64
	// Negative values in ascending order are their magnitudes in descending order.
	for i := len(h.neg.counts) - 1; i >= 0; i-- {
		seen += h.neg.counts[i]
		if seen > rank {
			return clamp(-bucketValue(h.neg.offset + i))
		}
	}
	seen += h.zero
	if seen > rank {
		return clamp(0)
	}
	for i, c := range h.pos.counts {
		seen += c
		if seen > rank {
			return clamp(bucketValue(h.pos.offset + i))
		}
	}
	return h.max
}

// histogramJSON is the serialised form; counts are dense from offset, per sign.
type histogramJSON struct {
	RelativeError float64  `json:"relativeError"`
	Count         uint64   `json:"count"`
	Sum           float64  `json:"sum"`
	Min           float64  `json:"min"`
	Max           float64  `json:"max"`
	Zero          uint64   `json:"zero"`
	PosOffset     int      `json:"posOffset"`
	Pos           []uint64 `json:"pos"`
	NegOffset     int      `json:"negOffset"`
	Neg           []uint64 `json:"neg"`
}

// MarshalJSON writes the histogram so that another engine instance can merge it.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	return json.Marshal(histogramJSON{
		RelativeError: HistogramRelativeError,
		Count:         h.count, Sum: h.sum, Min: h.min, Max: h.max, Zero: h.zero,
		PosOffset: h.pos.offset, Pos: h.pos.counts, NegOffset: h.neg.offset, Neg: h.neg.counts,
	})
}

// UnmarshalJSON reads what MarshalJSON wrote, refusing histograms of another bucket layout or
// whose bucket counts do not add up.
func (h *Histogram) UnmarshalJSON(data []byte) error {
	var j histogramJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("invalid histogram JSON: %w", err)
	}
	if j.RelativeError != HistogramRelativeError {
		return fmt.Errorf("histogram has relative error %g, this engine uses %g: merge summaries of the same spate version", j.RelativeError, HistogramRelativeError)
	}
	*h = Histogram{count: j.Count, sum: j.Sum, min: j.Min, max: j.Max, zero: j.Zero,
		pos: buckets{offset: j.PosOffset, counts: j.Pos}, neg: buckets{offset: j.NegOffset, counts: j.Neg}}
	if got := h.zero + h.pos.total() + h.neg.total(); got != h.count {
		return fmt.Errorf("histogram buckets hold %d values but its count is %d: the summary file is damaged", got, h.count)
	}
	return nil
}
