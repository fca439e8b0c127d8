package spate

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"sync"

	"spate.local/engine/internal/contract"
)

// expectation is what a pipeline's natural output must hold after a run: per event-time window
// and key, how many records the run produced and the sum of their value field. The engine knows
// every record it generated (run id, seq range, key space, event time per produce call), so it
// computes this itself instead of asking the pipeline to write a ledger (docs/sink.md).
type expectation struct {
	gen      contract.Generator
	windowMs int64

	mu      sync.Mutex
	cells   map[cell]*cellWant
	records uint64
}

// cell is one window (its start, ms since the epoch) and one key (its index: key "k<index>").
type cell struct {
	window int64
	key    uint64
}

// cellWant holds the sum in cents: the generator's values have two decimals, so integer cents
// keep the expected sum exact however many records a window has.
type cellWant struct {
	count uint64
	cents int64
}

var (
	expectationsMu sync.Mutex
	expectations   = map[string]*expectation{}
)

// sharedExpectation returns the process's expectation of a run, shared by every VU; a second
// caller must describe the run the same way.
func sharedExpectation(runID string, schema contract.Schema, keys uint64, windowMs int64) (*expectation, error) {
	expectationsMu.Lock()
	defer expectationsMu.Unlock()
	if e, ok := expectations[runID]; ok {
		if e.gen.Schema != schema || e.gen.Keys != keys || e.windowMs != windowMs {
			return nil, fmt.Errorf("spate: Expectation of run %q was created with schema %s, %d keys, %d ms windows; create every Expectation of a run with the same options", runID, e.gen.Schema, e.gen.Keys, e.windowMs)
		}
		return e, nil
	}
	e := newExpectation(runID, schema, keys, windowMs)
	expectations[runID] = e
	return e, nil
}

func newExpectation(runID string, schema contract.Schema, keys uint64, windowMs int64) *expectation {
	return &expectation{
		gen:      contract.Generator{Schema: schema, RunID: runID, Keys: keys},
		windowMs: windowMs,
		cells:    map[cell]*cellWant{},
	}
}

// windowOf is the start of the tumbling window holding eventTime, aligned to the epoch as the
// processor's and Spark's windows are.
func (e *expectation) windowOf(eventTime float64) int64 {
	ms := int64(math.Floor(eventTime))
	return ms - ((ms%e.windowMs)+e.windowMs)%e.windowMs
}

// add records a produce call of the records first .. first+n-1, all with one event time (as the
// generator stamps them).
func (e *expectation) add(first, n uint64, eventTime float64) {
	window := e.windowOf(eventTime)
	// Per-call sums first, so the lock is held for a few map updates, not n value computations.
	byKey := make(map[uint64]*cellWant, min(n, e.gen.Keys))
	var buf []byte
	for seq := first; seq < first+n; seq++ {
		var cents int64
		cents, buf = e.valueCents(seq, buf)
		k := seq % e.gen.Keys
		w := byKey[k]
		if w == nil {
			w = &cellWant{}
			byKey[k] = w
		}
		w.count++
		w.cents += cents
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, w := range byKey {
		c := cell{window: window, key: k}
		have := e.cells[c]
		if have == nil {
			have = &cellWant{}
			e.cells[c] = have
		}
		have.count += w.count
		have.cents += w.cents
	}
	e.records += n
}

var valueField = []byte(`,"value":`)

// valueCents is record seq's value field times 100. The basic schema's value is arithmetic on
// seq; the others come from the generator's random sequence, so they are read back from the
// record the generator builds (the bytes a pipeline decodes).
func (e *expectation) valueCents(seq uint64, buf []byte) (int64, []byte) {
	if e.gen.Schema == contract.Basic {
		return int64((uint32(seq) * 2654435761) % 10_000), buf
	}
	buf = e.gen.AppendValue(buf[:0], seq)
	i := bytes.Index(buf, valueField)
	if i < 0 {
		return 0, buf
	}
	rest := buf[i+len(valueField):]
	end := bytes.IndexAny(rest, ",}")
	if end < 0 {
		return 0, buf
	}
	f, _ := strconv.ParseFloat(string(rest[:end]), 64)
	return int64(math.Round(f * 100)), buf
}

// snapshot copies the expected cells, for a verify pass that runs while adds may still arrive.
func (e *expectation) snapshot() (map[cell]cellWant, uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[cell]cellWant, len(e.cells))
	for c, w := range e.cells {
		out[c] = *w
	}
	return out, e.records
}
