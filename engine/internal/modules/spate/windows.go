package spate

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"spate.local/engine/internal/modules/redis"
)

// sinkLayout says where a pipeline writes a window's result and under which names.
type sinkLayout struct {
	// pattern is the Redis key of one window and key, with {window} (window start, ms since the
	// epoch) and {key} (the record key) in it, e.g. "spark:w:{window}:{key}".
	pattern string
	// json: the key holds a JSON object (GET); otherwise a hash (HMGET).
	json           bool
	countField     string
	sumField       string
	writtenAtField string // "" when the pipeline writes no time: latency is then when spate saw the final count
}

func (s sinkLayout) key(c cell) string {
	k := "k" + strconv.FormatUint(c.key, 10)
	return strings.ReplaceAll(strings.ReplaceAll(s.pattern, "{window}", strconv.FormatInt(c.window, 10)), "{key}", k)
}

// windowsVerdict compares a run's expected windows with what the pipeline wrote.
type windowsVerdict struct {
	expected   uint64 // records the run produced
	verified   uint64 // records accounted for in the sink (at most the expected count per window)
	lost       uint64
	duplicated uint64
	// mismatched counts windows whose count or sum differs from the expected ones (a window
	// with a loss and a duplicate that cancel out still differs in its sum).
	mismatched int
	windows    int
	missing    int // expected windows with no entry at all in the sink
	// latencies: per window, when its final result was visible minus the window's end (ms),
	// in window order; slope: their least-squares growth per millisecond of window end.
	latencies []float64
	slope     float64
}

// sinkCell is what the sink holds for one expected cell.
type sinkCell struct {
	present   bool
	count     uint64
	cents     int64
	writtenAt float64 // ms; 0 when unknown
}

// readCells fetches the sink's entries of cells in one pipelined round trip per 1,000 keys.
func readCells(ctx context.Context, client *redis.Client, layout sinkLayout, cells []cell) ([]sinkCell, error) {
	out := make([]sinkCell, len(cells))
	const page = 1000
	for from := 0; from < len(cells); from += page {
		to := min(from+page, len(cells))
		cmds := make([][]string, 0, to-from)
		for _, c := range cells[from:to] {
			if layout.json {
				cmds = append(cmds, []string{"GET", layout.key(c)})
			} else {
				cmd := []string{"HMGET", layout.key(c), layout.countField, layout.sumField}
				if layout.writtenAtField != "" {
					cmd = append(cmd, layout.writtenAtField)
				}
				cmds = append(cmds, cmd)
			}
		}
		replies, err := client.Pipeline(ctx, cmds...)
		if err != nil {
			return nil, fmt.Errorf("spate: reading the pipeline's windows from %s: %w (is the key pattern right, and a hash or JSON as configured?)", client.Addr(), err)
		}
		for i, r := range replies {
			out[from+i] = parseCell(layout, r)
		}
	}
	return out, nil
}

func parseCell(layout sinkLayout, reply any) sinkCell {
	var fields []any
	if layout.json {
		s, ok := reply.(string)
		if !ok {
			return sinkCell{}
		}
		var obj map[string]any
		if json.Unmarshal([]byte(s), &obj) != nil {
			return sinkCell{}
		}
		fields = []any{fmt.Sprint(obj[layout.countField]), fmt.Sprint(obj[layout.sumField])}
		if layout.writtenAtField != "" {
			fields = append(fields, fmt.Sprint(obj[layout.writtenAtField]))
		}
	} else {
		fields, _ = reply.([]any)
	}
	num := func(i int) (float64, bool) {
		if i >= len(fields) {
			return 0, false
		}
		s, _ := fields[i].(string)
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil && !math.IsNaN(f)
	}
	count, ok := num(0)
	if !ok {
		return sinkCell{}
	}
	sum, _ := num(1)
	written, _ := num(2)
	return sinkCell{present: true, count: uint64(math.Max(count, 0)), cents: int64(math.Round(sum * 100)), writtenAt: written}
}

// waitForWindows polls the sink until every expected cell holds at least its expected count or
// the deadline passes, then reads every cell once more a poll later (a late duplicate shows
// there) and gives the verdict. The time a cell first showed its full count is its visibility time when the
// pipeline writes no writtenAt field.
func waitForWindows(ctx context.Context, client *redis.Client, e *expectation, layout sinkLayout, deadline time.Time, poll time.Duration) (windowsVerdict, error) {
	seenAt := map[cell]float64{}
	for {
		// A fresh snapshot each pass: the load's last produce calls may still be adding when
		// the verify step starts.
		want, records := e.snapshot()
		cells := sortedCells(want)
		got, err := readCells(ctx, client, layout, cells)
		if err != nil {
			return windowsVerdict{}, err
		}
		now := float64(time.Now().UnixMilli())
		complete := true
		for i, c := range cells {
			if got[i].count >= want[c].count {
				if _, ok := seenAt[c]; !ok {
					seenAt[c] = now
				}
			} else {
				complete = false
			}
		}
		if complete || !time.Now().Add(poll).Before(deadline) {
			if complete {
				// One more read after a poll interval: a duplicate written late shows there.
				if err := sleepCtx(ctx, poll); err != nil {
					return windowsVerdict{}, err
				}
				want, records = e.snapshot()
				cells = sortedCells(want)
				if got, err = readCells(ctx, client, layout, cells); err != nil {
					return windowsVerdict{}, err
				}
			}
			return judgeWindows(cells, want, records, got, seenAt, e.windowMs), nil
		}
		if err := sleepCtx(ctx, poll); err != nil {
			return windowsVerdict{}, err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func sortedCells(want map[cell]cellWant) []cell {
	cells := make([]cell, 0, len(want))
	for c := range want {
		cells = append(cells, c)
	}
	sort.Slice(cells, func(i, j int) bool {
		if cells[i].window != cells[j].window {
			return cells[i].window < cells[j].window
		}
		return cells[i].key < cells[j].key
	})
	return cells
}

// judgeWindows is the verdict on the cells read; seenAt gives the visibility time of cells that
// have no writtenAt.
func judgeWindows(cells []cell, want map[cell]cellWant, records uint64, got []sinkCell, seenAt map[cell]float64, windowMs int64) windowsVerdict {
	v := windowsVerdict{expected: records}
	// A window's latency is that of its last key to become visible (Yahoo Streaming Benchmark).
	visible := map[int64]float64{}
	complete := map[int64]bool{}
	bad := map[int64]bool{}
	for i, c := range cells {
		w, g := want[c], got[i]
		if _, ok := complete[c.window]; !ok {
			complete[c.window] = true
		}
		if !g.present {
			v.missing++
		}
		switch {
		case g.count < w.count:
			v.lost += w.count - g.count
			v.verified += g.count
		case g.count > w.count:
			v.duplicated += g.count - w.count
			v.verified += w.count
		default:
			v.verified += w.count
		}
		if g.count != w.count || g.cents != w.cents {
			bad[c.window] = true
		}
		if g.count < w.count {
			complete[c.window] = false
			continue
		}
		t := g.writtenAt
		if t == 0 {
			t = seenAt[c]
		}
		if t > visible[c.window] {
			visible[c.window] = t
		}
	}
	v.windows = len(complete)
	v.mismatched = len(bad)
	starts := make([]int64, 0, len(complete))
	for s := range complete {
		starts = append(starts, s)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	points := make([][2]float64, 0, len(starts))
	for _, s := range starts {
		if !complete[s] || visible[s] == 0 {
			continue
		}
		end := float64(s + windowMs)
		lat := visible[s] - end
		v.latencies = append(v.latencies, lat)
		points = append(points, [2]float64{end, lat})
	}
	// The first fifth of the windows is warm-up (a stream processor's first batch includes its
	// start), as Theodolite drops it before fitting the line.
	v.slope = leastSquaresSlope(points[len(points)/5:])
	return v
}

// leastSquaresSlope of y over x; 0 with fewer than two distinct x.
func leastSquaresSlope(points [][2]float64) float64 {
	n := float64(len(points))
	if n < 2 {
		return 0
	}
	var mx, my float64
	for _, p := range points {
		mx += p[0]
		my += p[1]
	}
	mx, my = mx/n, my/n
	var num, den float64
	for _, p := range points {
		num += (p[0] - mx) * (p[1] - my)
		den += (p[0] - mx) * (p[0] - mx)
	}
	if den == 0 {
		return 0
	}
	return num / den
}
