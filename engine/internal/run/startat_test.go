package run

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestWaitForStart(t *testing.T) {
	cases := []struct {
		name     string
		at       time.Duration // from now; 0 means no --start-at
		cancelIn time.Duration // cancel the run this long from now; 0 never
		minWait  time.Duration
		maxWait  time.Duration
		wantErr  error
		wantWarn string
	}{
		{"without --start-at the scenarios start at once", 0, 0, 0, 50 * time.Millisecond, nil, ""},
		{"a start time ahead is waited for", 300 * time.Millisecond, 0, 290 * time.Millisecond, time.Second, nil, ""},
		{"a start time already past starts at once and says how late", -2 * time.Second, 0, 0, 50 * time.Millisecond, nil, "out of step with the other instances"},
		{"a stopped run stops waiting", 10 * time.Second, 100 * time.Millisecond, 90 * time.Millisecond, time.Second, context.Canceled, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var at time.Time
			if c.at != 0 {
				at = time.Now().Add(c.at)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c.cancelIn > 0 {
				time.AfterFunc(c.cancelIn, cancel)
			}
			var logs bytes.Buffer
			began := time.Now()
			err := waitForStart(ctx, at, newLogger(&logs))
			waited := time.Since(began)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("error %v, want %v", err, c.wantErr)
			}
			if waited < c.minWait || waited > c.maxWait {
				t.Fatalf("waited %s, want %s to %s", waited, c.minWait, c.maxWait)
			}
			if c.wantWarn == "" && logs.Len() > 0 || !strings.Contains(logs.String(), c.wantWarn) {
				t.Fatalf("logged %q, want %q", logs.String(), c.wantWarn)
			}
		})
	}
}
