package threshold

import (
	"sort"
	"strings"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
)

// Parse parses the script's thresholds against the registered metrics. A key naming no
// registered metric is an error that names the closest one (k6 only ignores it, so a misspelled
// metric never fails a run). Call it after the init code has registered the script's metrics.
func Parse(in map[string][]Input, reg *metrics.Registry) (*Set, error) {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	set := &Set{}
	for _, key := range keys {
		name, selector, err := ParseKey(key)
		if err != nil {
			return nil, err
		}
		m := reg.Get(name)
		if m == nil {
			return nil, unknownMetric(key, name, reg)
		}
		target := &Target{Key: strings.TrimSpace(key), Metric: m, Selector: selector}
		for _, input := range in[key] {
			th, err := ParseExpr(input.Expr, target.Key, m.Type)
			if err != nil {
				return nil, err
			}
			th.AbortOnFail, th.DelayAbortEval = input.AbortOnFail, input.DelayAbortEval
			target.Thresholds = append(target.Thresholds, th)
		}
		set.Targets = append(set.Targets, target)
	}
	return set, nil
}

func unknownMetric(key, name string, reg *metrics.Registry) error {
	best, bestDist := "", -1
	for _, m := range reg.All() {
		if d := editDistance(name, m.Name); bestDist < 0 || d < bestDist {
			best, bestDist = m.Name, d
		}
	}
	if best == "" {
		return exitcode.New(exitcode.InvalidConfig, "threshold on %q: no metric %q exists; create it in the script's init code or remove the threshold", key, name)
	}
	return exitcode.New(exitcode.InvalidConfig, "threshold on %q: no metric %q exists; did you mean %q?", key, name, best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
