package cli

import (
	"testing"
	"time"
)

func TestParseStartAt(t *testing.T) {
	cases := []struct {
		name, in string
		want     time.Time
		wantErr  bool
	}{
		{"an RFC 3339 time is read as given", "2026-12-02T05:00:00Z", time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC), false},
		{"an RFC 3339 time with an offset and fractions is read", "2026-12-02T06:00:00.250+01:00", time.Date(2026, 12, 2, 5, 0, 0, 250e6, time.UTC), false},
		{"Unix milliseconds are read", "1796187600000", time.UnixMilli(1796187600000), false},
		{"Unix seconds are refused", "1796187600", time.Time{}, true},
		{"a duration is refused", "10s", time.Time{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseStartAt(c.in)
			if (err != nil) != c.wantErr {
				t.Fatalf("error = %v, want error %v", err, c.wantErr)
			}
			if !got.Equal(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}
