// Package segment splits one test across several instances, with k6's execution segments.
//
// A segment "a:b" (0 <= a < b <= 1) is the share of the test one instance runs; a sequence
// "0,1/3,2/3,1" lists the boundaries of every instance's segment, so that each instance can tell
// which parts of the test are its own without talking to the others. Without a sequence, the
// sequence is 0, a, b, 1 (dropping duplicates).
//
// Striping rule. Everything an instance splits is a numbered set of indexes 0, 1, 2, ...:
// a scenario's VUs, its iterations (shared-iterations, iterationInTest) and its arrival-rate
// iterations in start order. Let L be the least common multiple of the denominators of the
// sequence's boundaries, so that segment j owns exactly w_j = L*(b_j - b_{j-1}) indexes out of
// every L. Indexes are dealt to segments one at a time: index r goes to the segment furthest
// behind its exact share once r is dealt, the largest (r+1)*w_j/L - c_j where c_j is how many it
// has (ties go to the segment listed first). Over each period of L indexes segment j gets
// exactly w_j, and the pattern repeats every L indexes. Hence:
//   - every index belongs to exactly one segment, so the instances' quantities Count(n) add up
//     to n exactly, and what they number (InTest, VU idInTest) is unique across instances;
//   - each segment's indexes are spread evenly: after n indexes, segment j has close to
//     n*(b_j - b_{j-1}) of them (less than 1 away in every case tested), so arrival-rate
//     iterations interleave across instances.
//
// All arithmetic on boundaries is exact (math/big.Rat); indexes are uint64.
package segment

import (
	"fmt"
	"math/big"
	"strings"
)

// Segment is the share of a test one instance runs: From (exclusive of earlier instances) to To.
type Segment struct {
	From, To *big.Rat
}

// Whole is the segment 0:1, the whole test.
func Whole() Segment {
	return Segment{From: new(big.Rat), To: big.NewRat(1, 1)}
}

// IsWhole reports whether s is 0:1.
func (s Segment) IsWhole() bool {
	return s.From.Sign() == 0 && s.To.Cmp(big.NewRat(1, 1)) == 0
}

// String formats s as "from:to" with fractions, e.g. "1/3:2/3".
func (s Segment) String() string {
	return ratString(s.From) + ":" + ratString(s.To)
}

// Length is To - From.
func (s Segment) Length() *big.Rat {
	return new(big.Rat).Sub(s.To, s.From)
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return r.String()
}

// ParseSegment parses --execution-segment: "from:to" where each value is a fraction ("1/3"),
// a decimal ("0.5") or a percentage ("50%"); a single value "to" means "0:to"; "" is 0:1.
func ParseSegment(s string) (Segment, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Whole(), nil
	}
	fromText, toText, found := strings.Cut(s, ":")
	if !found {
		fromText, toText = "0", s
	}
	from, err := parseValue(fromText)
	if err != nil {
		return Segment{}, fmt.Errorf("invalid execution segment %q: %v; write it as from:to, e.g. 0:1/2 or 1/2:1", s, err)
	}
	to, err := parseValue(toText)
	if err != nil {
		return Segment{}, fmt.Errorf("invalid execution segment %q: %v; write it as from:to, e.g. 0:1/2 or 1/2:1", s, err)
	}
	if from.Cmp(to) >= 0 {
		return Segment{}, fmt.Errorf("invalid execution segment %q: its start must be below its end, e.g. 0:1/2 or 1/2:1", s)
	}
	return Segment{From: from, To: to}, nil
}

// parseValue reads one boundary between 0 and 1.
func parseValue(text string) (*big.Rat, error) {
	text = strings.TrimSpace(text)
	percent := strings.HasSuffix(text, "%")
	text = strings.TrimSuffix(text, "%")
	r, ok := new(big.Rat).SetString(text)
	if !ok || text == "" {
		return nil, fmt.Errorf("%q is not a number (use 1/3, 0.5 or 50%%)", text)
	}
	if percent {
		r.Quo(r, big.NewRat(100, 1))
	}
	if r.Sign() < 0 || r.Cmp(big.NewRat(1, 1)) > 0 {
		return nil, fmt.Errorf("%s is outside 0 to 1", ratString(r))
	}
	return r, nil
}

// Sequence is the ordered boundaries of every instance's segment, from 0 to 1.
type Sequence []*big.Rat

// ParseSequence parses --execution-segment-sequence: comma-separated values rising strictly
// from 0 to 1 ("0,1/3,2/3,1"). A missing leading 0 or trailing 1 is added; "" is nil (none).
func ParseSequence(s string) (Sequence, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var seq Sequence
	for _, part := range strings.Split(s, ",") {
		r, err := parseValue(part)
		if err != nil {
			return nil, fmt.Errorf("invalid execution segment sequence %q: %v; list rising values from 0 to 1, e.g. 0,1/3,2/3,1", s, err)
		}
		if n := len(seq); n > 0 && seq[n-1].Cmp(r) >= 0 {
			return nil, fmt.Errorf("invalid execution segment sequence %q: %s does not rise above %s; list rising values from 0 to 1, e.g. 0,1/3,2/3,1", s, ratString(r), ratString(seq[n-1]))
		}
		seq = append(seq, r)
	}
	if seq[0].Sign() != 0 {
		seq = append(Sequence{new(big.Rat)}, seq...)
	}
	if one := big.NewRat(1, 1); seq[len(seq)-1].Cmp(one) != 0 {
		seq = append(seq, one)
	}
	return seq, nil
}

// String formats the sequence as k6 reads it, e.g. "0,1/3,2/3,1".
func (q Sequence) String() string {
	parts := make([]string, len(q))
	for i, r := range q {
		parts[i] = ratString(r)
	}
	return strings.Join(parts, ",")
}

// sequenceFor is the sequence s belongs to: seq when given (s must be two adjacent values of
// it), else 0, From, To, 1. It returns the boundaries and s's position (segment index).
func sequenceFor(s Segment, seq Sequence) (Sequence, int, error) {
	if seq == nil {
		seq = Sequence{new(big.Rat)}
		if s.From.Sign() != 0 {
			seq = append(seq, s.From)
		}
		seq = append(seq, s.To)
		if s.To.Cmp(big.NewRat(1, 1)) != 0 {
			seq = append(seq, big.NewRat(1, 1))
		}
	}
	for i := 1; i < len(seq); i++ {
		if seq[i-1].Cmp(s.From) == 0 && seq[i].Cmp(s.To) == 0 {
			return seq, i - 1, nil
		}
	}
	return nil, 0, fmt.Errorf("execution segment %s is not in the execution segment sequence %s: use two adjacent values of the sequence as the segment", s, seq)
}
