package contract

import "testing"

func TestSeqHashRange(t *testing.T) {
	for _, tt := range []struct {
		name     string
		first, n uint64
	}{
		{"an empty range sums to zero", 5, 0},
		{"a range from zero sums every mix", 0, 1000},
		{"a range across 2^32 wraps the sum modulo 2^32", 1<<32 - 500, 1000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var want uint64
			for s := tt.first; s < tt.first+tt.n; s++ {
				want += uint64(MixSeq(s))
			}
			if got := SeqHashRange(tt.first, tt.n); uint64(got) != want%(1<<32) {
				t.Fatalf("SeqHashRange(%d, %d) = %d, want %d", tt.first, tt.n, got, want%(1<<32))
			}
		})
	}
}

func BenchmarkAppendValue(b *testing.B) {
	for _, s := range []Schema{Basic, Medium, Complex} {
		b.Run(s.String(), func(b *testing.B) {
			g := Generator{Schema: s, RunID: "run-bench", Keys: 1000, EventTime: 1764646800123}
			buf := make([]byte, 0, 2048)
			for i := 0; i < b.N; i++ {
				buf = g.AppendValue(buf[:0], uint64(i))
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}
