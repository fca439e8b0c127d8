package spate

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"spate.local/engine/internal/contract"
	"spate.local/engine/internal/modules/redis"
)

// writeWindows writes what a correct pipeline writes for e into Redis, changed by alter.
func writeWindows(t *testing.T, client *redis.Client, e *expectation, layout sinkLayout, alter func(c cell, w *cellWant) bool) []string {
	t.Helper()
	want, _ := e.snapshot()
	var keys []string
	for c, w := range want {
		if alter != nil && !alter(c, &w) {
			continue
		}
		key := layout.key(c)
		keys = append(keys, key)
		sum := strconv.FormatFloat(float64(w.cents)/100, 'f', -1, 64)
		written := strconv.FormatInt(c.window+e.windowMs+1500, 10)
		var err error
		if layout.json {
			_, err = client.Do(context.Background(), "SET", key, fmt.Sprintf(`{"n":%d,"total":%s,"at":%s}`, w.count, sum, written))
		} else {
			fields := []string{"HSET", key, layout.countField, strconv.FormatUint(w.count, 10), layout.sumField, sum}
			if layout.writtenAtField != "" {
				fields = append(fields, layout.writtenAtField, written)
			}
			_, err = client.Do(context.Background(), fields...)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestWindowsVerdictAgainstRedis(t *testing.T) {
	addr := redisAddr(t)
	client, err := redis.Shared("redis://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	hash := sinkLayout{countField: "count", sumField: "sum", writtenAtField: "writtenAt"}
	first := func(c cell) bool { return c.key == 0 }
	tests := []struct {
		name   string
		layout sinkLayout
		alter  func(c cell, w *cellWant) bool
		check  func(v windowsVerdict) string
	}{
		{"a pipeline that wrote every window is verified in full", hash, nil, func(v windowsVerdict) string {
			if v.lost+v.duplicated != 0 || v.mismatched != 0 || v.verified != 600 || v.windows != 3 || len(v.latencies) != 3 {
				return fmt.Sprintf("%+v", v)
			}
			if v.latencies[0] != 1500 || v.slope != 0 {
				return fmt.Sprintf("latencies %v slope %v, want 1500 each and a flat line", v.latencies, v.slope)
			}
			return ""
		}},
		{"a key missing from the sink is lost", hash, func(c cell, w *cellWant) bool { return !first(c) }, func(v windowsVerdict) string {
			if v.lost != 3*40 || v.missing != 3 || v.mismatched != 3 || v.verified != 600-120 {
				return fmt.Sprintf("%+v", v)
			}
			return ""
		}},
		{"a window counted twice is duplicated", hash, func(c cell, w *cellWant) bool {
			if first(c) {
				w.count *= 2
			}
			return true
		}, func(v windowsVerdict) string {
			if v.duplicated != 120 || v.lost != 0 || v.mismatched != 3 {
				return fmt.Sprintf("%+v", v)
			}
			return ""
		}},
		{"a wrong sum with the right count is a mismatched window", hash, func(c cell, w *cellWant) bool {
			if first(c) && c.window%10000 == 0 {
				w.cents++
			}
			return true
		}, func(v windowsVerdict) string {
			if v.mismatched < 1 || v.lost+v.duplicated != 0 {
				return fmt.Sprintf("%+v", v)
			}
			return ""
		}},
		{"a JSON value with other field names is read the same", sinkLayout{json: true, countField: "n", sumField: "total", writtenAtField: "at"}, nil, func(v windowsVerdict) string {
			if v.verified != 600 || v.mismatched != 0 || v.latencies[2] != 1500 {
				return fmt.Sprintf("%+v", v)
			}
			return ""
		}},
		{"without a written-at field latency is when spate saw the window", sinkLayout{countField: "count", sumField: "sum"}, nil, func(v windowsVerdict) string {
			if v.verified != 600 || len(v.latencies) != 3 || v.latencies[0] < 1e6 {
				return fmt.Sprintf("%+v (the windows ended long ago, so latency is large)", v)
			}
			return ""
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := fmt.Sprintf("%s-%d", uniqueRun(t), i)
			tt.layout.pattern = "spate-test:" + run + ":w:{window}:{key}"
			e := newExpectation(run, contract.Basic, 5, 5000)
			for w := int64(0); w < 3; w++ {
				e.add(uint64(w)*200, 200, float64(1_700_000_000_000+w*5000+1234))
			}
			keys := writeWindows(t, client, e, tt.layout, tt.alter)
			t.Cleanup(func() { _, _ = client.Do(context.Background(), append([]string{"DEL"}, keys...)...) })
			ctx := context.Background()
			v, err := waitForWindows(ctx, client, e, tt.layout, time.Now().Add(300*time.Millisecond), 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if problem := tt.check(v); problem != "" {
				t.Fatal(problem)
			}
		})
	}
}

func TestWindowsWaitsForALatePipeline(t *testing.T) {
	addr := redisAddr(t)
	client, _ := redis.Shared("redis://" + addr)
	run := uniqueRun(t)
	layout := sinkLayout{pattern: "spate-test:" + run + ":w:{window}:{key}", countField: "count", sumField: "sum", writtenAtField: "writtenAt"}
	e := newExpectation(run, contract.Basic, 2, 1000)
	e.add(0, 10, 1_700_000_000_100)
	done := make(chan []string)
	go func() {
		time.Sleep(700 * time.Millisecond)
		done <- writeWindows(t, client, e, layout, nil)
	}()
	v, err := waitForWindows(context.Background(), client, e, layout, time.Now().Add(10*time.Second), 200*time.Millisecond)
	keys := <-done
	t.Cleanup(func() { _, _ = client.Do(context.Background(), append([]string{"DEL"}, keys...)...) })
	t.Run("the verdict waits for windows written after the verify step started", func(t *testing.T) {
		if err != nil || v.verified != 10 || v.lost != 0 {
			t.Fatalf("%+v %v", v, err)
		}
	})
}

func TestLatencySlope(t *testing.T) {
	tests := []struct {
		name   string
		points [][2]float64
		want   float64
	}{
		{"a flat latency has slope 0", [][2]float64{{0, 5}, {1, 5}, {2, 5}}, 0},
		{"latency growing 1 ms per 10 ms of run has slope 0.1", [][2]float64{{0, 0}, {10, 1}, {20, 2}}, 0.1},
		{"one point has no slope", [][2]float64{{0, 9}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := leastSquaresSlope(tt.points); got < tt.want-1e-9 || got > tt.want+1e-9 {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
