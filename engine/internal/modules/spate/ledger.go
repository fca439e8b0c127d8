package spate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"spate.local/engine/internal/modules/redis"
)

// flushInterval is how often a ledger writes what was added: often enough for the verify step,
// rarely enough that the Redis under test barely notices (one transaction a second per process
// instead of three round trips per produce call).
const flushInterval = time.Second

// flushTimeout bounds one background flush.
const flushTimeout = 10 * time.Second

// ledger is the produced-records ledger of one (Redis URL, prefix, run id) in this process,
// shared by every VU. add() only accumulates; a background flush moves the pending totals into
// <prefix>:produced:<runId> in one MULTI/EXEC, so several processes can add to the same key.
type ledger struct {
	client *redis.Client
	prefix string
	runID  string

	mu      sync.Mutex
	pending totals
	started bool
	stop    chan struct{}
	stopped chan struct{}
	// flushing serializes flushes, so pending totals are never written twice or out of order.
	flushing sync.Mutex
}

// Key is the Redis hash the ledger writes (docs/sink.md).
func (l *ledger) Key() string { return l.prefix + ":produced:" + l.runID }

var (
	ledgersMu sync.Mutex
	ledgers   = map[[3]string]*ledger{}
)

// sharedLedger returns the process's ledger for (url, prefix, runID).
func sharedLedger(url, prefix, runID string) (*ledger, error) {
	ledgersMu.Lock()
	defer ledgersMu.Unlock()
	k := [3]string{url, prefix, runID}
	if l, ok := ledgers[k]; ok {
		return l, nil
	}
	client, err := redis.Shared(url)
	if err != nil {
		return nil, err
	}
	l := &ledger{client: client, prefix: prefix, runID: runID}
	ledgers[k] = l
	return l, nil
}

// add records that the records first .. first+n-1 were produced.
func (l *ledger) add(first, n uint64) {
	var t totals
	t.addRange(first, n)
	l.mu.Lock()
	l.pending.merge(&t)
	if !l.started {
		l.started = true
		l.stop, l.stopped = make(chan struct{}), make(chan struct{})
		go l.flushEverySecond(l.stop, l.stopped)
	}
	l.mu.Unlock()
}

func (l *ledger) flushEverySecond(stop, stopped chan struct{}) {
	defer close(stopped)
	tick := time.NewTicker(flushInterval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
			// A failed flush keeps its totals pending; the next one, flush() or FlushAll retries.
			_ = l.flush(ctx)
			cancel()
		}
	}
}

// flush writes the pending totals in one transaction. On failure they stay pending for the next
// flush. (A connection lost after EXEC was sent leaves it unknown whether Redis applied it;
// the totals are then written again, which the verify step would report as duplicates.)
func (l *ledger) flush(ctx context.Context) error {
	l.flushing.Lock()
	defer l.flushing.Unlock()
	l.mu.Lock()
	batch := l.pending
	l.pending = totals{}
	l.mu.Unlock()
	if batch.empty() {
		return nil
	}
	if !batch.seqSum.IsInt64() {
		l.restore(&batch)
		return fmt.Errorf("spate: the ledger's seqSum of %s exceeds Redis's 64-bit integers; use smaller sequence numbers", batch.seqSum.String())
	}
	key := l.Key()
	_, err := l.client.Transaction(ctx,
		[]string{"HINCRBY", key, "count", strconv.FormatUint(batch.count, 10)},
		[]string{"HINCRBY", key, "seqSum", batch.seqSum.String()},
		[]string{"HINCRBY", key, "seqHash", strconv.FormatUint(uint64(batch.seqHash), 10)},
	)
	if err != nil {
		l.restore(&batch)
		return err
	}
	return nil
}

func (l *ledger) restore(batch *totals) {
	l.mu.Lock()
	l.pending.merge(batch)
	l.mu.Unlock()
}

// flushNow is ledger.flush(): it writes what is pending now, including totals a failed
// background flush put back.
func (l *ledger) flushNow(ctx context.Context) error { return l.flush(ctx) }

// close stops the background flush after a last one.
func (l *ledger) close(ctx context.Context) error {
	l.mu.Lock()
	stop, stopped := l.stop, l.stopped
	l.started, l.stop, l.stopped = false, nil, nil
	l.mu.Unlock()
	if stop != nil {
		close(stop)
		<-stopped
	}
	return l.flush(ctx)
}

// produced reads the run's produced totals (after writing this process's pending ones).
func (l *ledger) produced(ctx context.Context) (totals, error) {
	var t totals
	if err := l.flush(ctx); err != nil {
		return t, err
	}
	reply, err := l.client.Do(ctx, "HGETALL", l.Key())
	if err != nil {
		return t, err
	}
	return t, t.addHash(l.Key(), pairs(reply))
}

// sinkEntries are the pipeline's ledger entries matching a pattern, summed.
type sinkEntries struct {
	totals
	entries   int
	latencies []float64
}

// sinkTotals SCANs for the keys matching pattern and sums their fields exactly; each entry's
// latency is its writtenAt minus its mean event time (start + eventTimeOffsetSum / count).
func (l *ledger) sinkTotals(ctx context.Context, pattern string) (sinkEntries, error) {
	var s sinkEntries
	cursor := "0"
	for {
		reply, err := l.client.Do(ctx, "SCAN", cursor, "MATCH", pattern, "COUNT", "1000")
		if err != nil {
			return s, err
		}
		page, _ := reply.([]any)
		if len(page) != 2 {
			return s, fmt.Errorf("spate: unexpected SCAN reply from %s", l.client.Addr())
		}
		cursor, _ = page[0].(string)
		keys, _ := page[1].([]any)
		cmds := make([][]string, 0, len(keys))
		for _, k := range keys {
			key, _ := k.(string)
			cmds = append(cmds, []string{"HGETALL", key})
		}
		hashes, err := l.client.Pipeline(ctx, cmds...)
		if err != nil {
			return s, err
		}
		for i, h := range hashes {
			fields := pairs(h)
			if err := s.addHash(cmds[i][1], fields); err != nil {
				return s, err
			}
			s.entries++
			if lat, ok := entryLatency(fields); ok {
				s.latencies = append(s.latencies, lat)
			}
		}
		if cursor == "0" {
			return s, nil
		}
	}
}

func entryLatency(h map[string]string) (float64, bool) {
	num := func(name string) (float64, bool) {
		f, err := strconv.ParseFloat(h[name], 64)
		return f, err == nil && !math.IsNaN(f)
	}
	count, ok1 := num("count")
	written, ok2 := num("writtenAt")
	start, ok3 := num("start")
	offsets, ok4 := num("eventTimeOffsetSum")
	if !ok1 || !ok2 || !ok3 || !ok4 || count <= 0 {
		return 0, false
	}
	return written - (start + offsets/count), true
}

// pairs turns an HGETALL reply into a map.
func pairs(reply any) map[string]string {
	items, _ := reply.([]any)
	m := make(map[string]string, len(items)/2)
	for i := 0; i+1 < len(items); i += 2 {
		k, _ := items[i].(string)
		v, _ := items[i+1].(string)
		m[k] = v
	}
	return m
}

// FlushAll writes every ledger's pending totals and stops their background flushes. The engine
// calls it when a test ends, so that no produced record is missing from the ledger.
func FlushAll(ctx context.Context) error {
	ledgersMu.Lock()
	all := make([]*ledger, 0, len(ledgers))
	for _, l := range ledgers {
		all = append(all, l)
	}
	ledgersMu.Unlock()
	var errs []error
	for _, l := range all {
		if err := l.close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
