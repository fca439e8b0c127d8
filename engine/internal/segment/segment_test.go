package segment

import (
	"math/big"
	"strings"
	"testing"
)

func TestParseSegment(t *testing.T) {
	cases := []struct {
		name, in, want, err string
	}{
		{name: "an empty segment is the whole test", in: "", want: "0:1"},
		{name: "fractions are read exactly", in: "0:1/2", want: "0:1/2"},
		{name: "a segment may end at 1", in: "1/2:1", want: "1/2:1"},
		{name: "decimals are read as fractions", in: "0.5:1", want: "1/2:1"},
		{name: "percentages are read as fractions", in: "25%:50%", want: "1/4:1/2"},
		{name: "a single value is the end of a segment from 0", in: "1/3", want: "0:1/3"},
		{name: "a reversed segment is refused", in: "1/2:0", err: "start must be below its end"},
		{name: "an empty segment of zero length is refused", in: "1/2:1/2", err: "start must be below its end"},
		{name: "a value above 1 is refused", in: "0:3/2", err: "outside 0 to 1"},
		{name: "a word is refused", in: "0:half", err: "is not a number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseSegment(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ParseSegment(%q) error = %v, want one containing %q", c.in, err, c.err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("error is not one line: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSegment(%q): %v", c.in, err)
			}
			if s.String() != c.want {
				t.Fatalf("ParseSegment(%q) = %s, want %s", c.in, s, c.want)
			}
		})
	}
}

func TestParseSequence(t *testing.T) {
	cases := []struct {
		name, in, want, err string
	}{
		{name: "an empty sequence is none", in: "", want: ""},
		{name: "thirds are read exactly", in: "0,1/3,2/3,1", want: "0,1/3,2/3,1"},
		{name: "a missing 0 and 1 are added", in: "0.25,0.5", want: "0,1/4,1/2,1"},
		{name: "values that do not rise are refused", in: "0,1/2,1/3,1", err: "does not rise"},
		{name: "repeated values are refused", in: "0,1/2,1/2,1", err: "does not rise"},
		{name: "a value outside 0 to 1 is refused", in: "0,2", err: "outside 0 to 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := ParseSequence(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ParseSequence(%q) error = %v, want one containing %q", c.in, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSequence(%q): %v", c.in, err)
			}
			if q.String() != c.want {
				t.Fatalf("ParseSequence(%q) = %s, want %s", c.in, q, c.want)
			}
		})
	}
}

func TestNewStriping(t *testing.T) {
	t.Run("a segment outside the sequence is refused with the fix", func(t *testing.T) {
		s, _ := ParseSegment("0:1/4")
		q, _ := ParseSequence("0,1/3,2/3,1")
		_, err := New(s, q)
		if err == nil || !strings.Contains(err.Error(), "is not in the execution segment sequence") {
			t.Fatalf("New = %v, want an error naming the sequence", err)
		}
	})
	t.Run("a sequence with a huge period is refused", func(t *testing.T) {
		s, _ := ParseSegment("0:1/10000019")
		q, _ := ParseSequence("0,1/10000019,1/10000079,1")
		_, err := New(s, q)
		if err == nil || !strings.Contains(err.Error(), "smaller denominators") {
			t.Fatalf("New = %v, want an error about the period", err)
		}
	})
	t.Run("the whole test owns every index", func(t *testing.T) {
		st, err := New(Whole(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !st.IsFull() || st.Count(17) != 17 || st.IndexAt(5) != 5 || !st.Owns(123) {
			t.Fatalf("whole striping is not the identity")
		}
	})
	t.Run("two halves take alternate indexes, the first half first", func(t *testing.T) {
		a, _ := New(mustSegment(t, "0:1/2"), nil)
		b, _ := New(mustSegment(t, "1/2:1"), nil)
		for k := uint64(0); k < 10; k++ {
			if a.IndexAt(k) != 2*k || b.IndexAt(k) != 2*k+1 {
				t.Fatalf("k=%d: got %d and %d, want %d and %d", k, a.IndexAt(k), b.IndexAt(k), 2*k, 2*k+1)
			}
		}
		if a.Count(1) != 1 || b.Count(1) != 0 || a.Count(7)+b.Count(7) != 7 {
			t.Fatalf("counts of halves do not add up")
		}
	})
}

func mustSegment(t *testing.T, s string) Segment {
	t.Helper()
	seg, err := ParseSegment(s)
	if err != nil {
		t.Fatal(err)
	}
	return seg
}

// randomSequence returns a sequence of 2..maxParts segments with denominators up to maxDen.
func randomSequence(rnd func(int) int, maxParts, maxDen int) Sequence {
	for {
		den := int64(rnd(maxDen) + 1)
		parts := rnd(maxParts-1) + 2
		seen := map[int64]bool{}
		for len(seen) < parts-1 && len(seen) < int(den)-1 {
			seen[int64(rnd(int(den)-1)+1)] = true
		}
		if len(seen) == 0 {
			continue
		}
		q := Sequence{new(big.Rat)}
		for n := int64(1); n < den; n++ {
			if seen[n] {
				q = append(q, big.NewRat(n, den))
			}
		}
		return append(q, big.NewRat(1, 1))
	}
}

func TestStripingPartitionsExactly(t *testing.T) {
	state := uint64(42)
	rnd := func(n int) int { // xorshift: reproducible without math/rand's global state
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		return int(state % uint64(n))
	}
	for round := 0; round < 200; round++ {
		q := randomSequence(rnd, 6, 60)
		if round%10 == 0 { // now and then, boundaries with different denominators
			q = Sequence{new(big.Rat), big.NewRat(1, 7), big.NewRat(2, 5), big.NewRat(3, 4), big.NewRat(1, 1)}
		}
		stripes := make([]*Striping, len(q)-1)
		for j := range stripes {
			st, err := New(Segment{From: q[j], To: q[j+1]}, q)
			if err != nil {
				t.Fatalf("sequence %s: %v", q, err)
			}
			stripes[j] = st
		}
		n := uint64(rnd(5000))
		t.Run("sequence "+q.String()+" splits quantities and indexes exactly", func(t *testing.T) {
			// Shares of every quantity up to n add up, and stay within 1 of the exact share.
			for m := uint64(0); m <= n; m += uint64(rnd(37) + 1) {
				var sum uint64
				for j, st := range stripes {
					c := st.Count(m)
					sum += c
					exact, _ := new(big.Rat).Mul(new(big.Rat).SetInt64(int64(m)), st.Segment().Length()).Float64()
					if d := float64(c) - exact; d >= 1 || d <= -1 {
						t.Fatalf("segment %d has %d of %d indexes, exact share %.2f: not evenly spread", j, c, m, exact)
					}
				}
				if sum != m {
					t.Fatalf("shares of %d add up to %d", m, sum)
				}
			}
			// Each index has exactly one owner, and IndexAt lists each owner's indexes in order.
			next := make([]uint64, len(stripes))
			for i := uint64(0); i < n; i++ {
				owners := 0
				for j, st := range stripes {
					if st.Owns(i) {
						owners++
						if got := st.IndexAt(next[j]); got != i {
							t.Fatalf("segment %d: IndexAt(%d) = %d, want %d", j, next[j], got, i)
						}
						next[j]++
					}
				}
				if owners != 1 {
					t.Fatalf("index %d has %d owners, want 1", i, owners)
				}
			}
			for j, st := range stripes {
				if st.Count(n) != next[j] {
					t.Fatalf("segment %d: Count(%d) = %d, but it owns %d", j, n, st.Count(n), next[j])
				}
			}
		})
	}
}
