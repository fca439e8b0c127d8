package segment

import (
	"fmt"
	"math/big"
	"sort"
)

// MaxPeriod bounds the striping period (the least common multiple of the sequence's
// denominators): computing the pattern takes time and memory in proportion to it.
const MaxPeriod = 10_000_000

// maxSteps bounds the work of dealing one period's indexes to the segments.
const maxSteps = 50_000_000

// Striping tells one instance which indexes of a numbered set are its own (see the package
// comment for the rule). It is immutable and safe for concurrent use.
type Striping struct {
	segment  Segment
	sequence Sequence
	period   uint64   // L
	offsets  []uint64 // this segment's indexes within one period, ascending
}

// Full is the striping of an unsegmented test: every index is its own.
func Full() *Striping {
	return &Striping{segment: Whole(), sequence: Sequence{new(big.Rat), big.NewRat(1, 1)}, period: 1, offsets: []uint64{0}}
}

// New returns the striping of segment s within seq (nil seq: 0, s.From, s.To, 1).
func New(s Segment, seq Sequence) (*Striping, error) {
	if s.From == nil || s.To == nil {
		s = Whole()
	}
	seq, own, err := sequenceFor(s, seq)
	if err != nil {
		return nil, err
	}
	if len(seq) == 2 {
		return Full(), nil
	}
	// The period is the lcm of every boundary's denominator.
	period := big.NewInt(1)
	for _, r := range seq {
		d := r.Denom()
		g := new(big.Int).GCD(nil, nil, period, d)
		period.Mul(period, new(big.Int).Quo(d, g))
		if period.Cmp(big.NewInt(MaxPeriod)) > 0 {
			return nil, fmt.Errorf("execution segment sequence %s repeats only every %s or more indexes (over %d): use fractions with smaller denominators", seq, period, MaxPeriod)
		}
	}
	L := period.Uint64()
	weights := make([]uint64, len(seq)-1)
	for j := range weights {
		w := new(big.Rat).Sub(seq[j+1], seq[j])
		w.Mul(w, new(big.Rat).SetInt(period))
		weights[j] = w.Num().Uint64() // an integer: L is a multiple of every denominator
	}
	if L*uint64(len(weights)) > maxSteps {
		return nil, fmt.Errorf("execution segment sequence %s repeats only every %d indexes over %d segments, too many to stripe: use fewer segments or fractions with smaller denominators", seq, L, len(weights))
	}
	st := &Striping{segment: s, sequence: seq, period: L, offsets: make([]uint64, 0, weights[own])}
	// Index r goes to the segment furthest behind its exact share once r is dealt:
	// the largest (r+1)*w_j - c_j*L (in units of 1/L index), ties to the first segment.
	counts := make([]uint64, len(weights))
	for r := uint64(0); r < L; r++ {
		best, bestLag := 0, int64(0)
		for j, w := range weights {
			lag := int64((r+1)*w) - int64(counts[j]*L)
			if j == 0 || lag > bestLag {
				best, bestLag = j, lag
			}
		}
		if best == own {
			st.offsets = append(st.offsets, r)
		}
		counts[best]++
	}
	return st, nil
}

// Segment is the instance's segment.
func (s *Striping) Segment() Segment { return s.segment }

// Sequence is the full sequence the segment belongs to.
func (s *Striping) Sequence() Sequence { return s.sequence }

// IsFull reports whether the instance runs the whole test.
func (s *Striping) IsFull() bool { return s.period == 1 && len(s.offsets) == 1 }

// Count is how many of the indexes 0..n-1 are this instance's: its share of a quantity n
// (VUs, iterations). The instances' counts of one n add up to n.
func (s *Striping) Count(n uint64) uint64 {
	full := n / s.period * uint64(len(s.offsets))
	rest := n % s.period
	return full + uint64(sort.Search(len(s.offsets), func(i int) bool { return s.offsets[i] >= rest }))
}

// CountInt is Count for the non-negative int64 quantities of options.
func (s *Striping) CountInt(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return int64(s.Count(uint64(n)))
}

// IndexAt is the global index of the instance's k-th index (k from 0): its k-th VU or
// iteration, numbered across every instance.
func (s *Striping) IndexAt(k uint64) uint64 {
	w := uint64(len(s.offsets))
	return k/w*s.period + s.offsets[k%w]
}

// Owns reports whether global index i is this instance's.
func (s *Striping) Owns(i uint64) bool {
	r := i % s.period
	k := sort.Search(len(s.offsets), func(x int) bool { return s.offsets[x] >= r })
	return k < len(s.offsets) && s.offsets[k] == r
}
