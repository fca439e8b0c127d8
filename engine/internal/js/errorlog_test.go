package js

import (
	"strings"
	"testing"
	"time"
)

func TestErrorLog(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return start.Add(time.Duration(s * float64(time.Second))) }
	type entry struct {
		line string
		at   float64
	}
	tests := []struct {
		name    string
		entries []entry
		want    []string
	}{
		{"different errors are each logged", []entry{{"a", 0}, {"b", 0.1}, {"a", 0.2}},
			[]string{"WARN a", "WARN b", "WARN a"}},
		{"a repeated error is logged once per interval with the count of the folded ones",
			[]entry{{"a", 0}, {"a", 1}, {"a", 2}, {"a", 6}, {"a", 7}},
			[]string{"WARN a", "WARN a (2 more like it)"}},
		{"another error first reports the folded count of the previous one",
			[]entry{{"a", 0}, {"a", 1}, {"b", 2}},
			[]string{"WARN a", "WARN a (1 more like it)", "WARN b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l errorLog
			out := &lines{}
			for _, e := range tc.entries {
				l.log(out, e.line, at(e.at))
			}
			if got := out.String(); got != strings.Join(tc.want, "\n") {
				t.Errorf("logged\n%s\nwant\n%s", got, strings.Join(tc.want, "\n"))
			}
		})
	}
}
