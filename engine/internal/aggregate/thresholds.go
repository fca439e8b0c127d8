package aggregate

import (
	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/threshold"
)

// evaluation is a threshold's last outcome and the aggregated value it compared.
type evaluation struct {
	ok    bool
	value float64
}

// evaluate checks every threshold; during the run (skipEmpty) a metric without samples is not
// judged yet, as in k6. It calls OnAbort at most once.
func (a *Aggregator) evaluate(skipEmpty bool) {
	if a.cfg.Thresholds == nil {
		return
	}
	a.mu.Lock()
	d := a.duration()
	var abort *threshold.Threshold
	var abortKey string
	for _, t := range a.cfg.Thresholds.Targets {
		sink := a.sinkOf(t)
		if skipEmpty && sink.Samples == 0 {
			continue
		}
		for _, th := range t.Thresholds {
			v := sink.Aggregate(th.Aggregation, d)
			ok := th.Holds(v)
			a.results[th] = evaluation{ok: ok, value: v}
			if !ok && th.AbortOnFail && d >= th.DelayAbortEval && abort == nil && skipEmpty {
				abort, abortKey = th, t.Key
			}
		}
	}
	fire := abort != nil && !a.aborted && a.cfg.OnAbort != nil
	if fire {
		a.aborted = true
	}
	a.mu.Unlock()
	if fire {
		a.cfg.OnAbort(exitcode.New(exitcode.ThresholdsFailed, "threshold %q on %s failed and has abortOnFail: the test was stopped early", abort.Source, abortKey))
	}
}

// sinkOf is the sink a threshold target judges. Callers hold a.mu.
func (a *Aggregator) sinkOf(t *threshold.Target) *Sink {
	s := a.seriesOf(t.Metric)
	if t.Selector == nil {
		return s.sink
	}
	for _, sub := range s.subs {
		if sub.target == t {
			return sub.sink
		}
	}
	return NewSink(t.Metric.Type)
}
