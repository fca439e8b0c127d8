package threshold

import (
	"fmt"
	"strconv"
	"strings"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
)

// operators, longest first so that "===" is not read as "==" followed by "=".
var operators = []string{"===", "==", "!=", "<=", ">=", "<", ">"}

// aggregationsOf lists what each metric type can be compared by, as k6 allows.
var aggregationsOf = map[metrics.Type][]string{
	metrics.Counter: {"count", "rate"},
	metrics.Gauge:   {"value"},
	metrics.Rate:    {"rate"},
	metrics.Trend:   {"avg", "min", "max", "med", "p(N)"},
}

// ParseExpr parses one expression for a metric of type t; key names the metric in errors.
func ParseExpr(expr, key string, t metrics.Type) (*Threshold, error) {
	fail := func(format string, args ...any) error {
		return exitcode.New(exitcode.InvalidConfig, "invalid threshold %q on %s: %s", expr, key, fmt.Sprintf(format, args...))
	}
	src := strings.TrimSpace(expr)
	if src == "" {
		return nil, fail("it is empty; write an aggregation, an operator and a number, e.g. %q", example(t))
	}
	at := strings.IndexAny(src, "<>=!")
	if at < 0 {
		return nil, fail("missing operator; use one of < <= > >= == === !=, e.g. %q", example(t))
	}
	op := ""
	for _, o := range operators {
		if strings.HasPrefix(src[at:], o) {
			op = o
			break
		}
	}
	if op == "" {
		return nil, fail("invalid operator %q; use one of < <= > >= == === !=", operatorRun(src[at:]))
	}
	left := strings.TrimSpace(src[:at])
	right := strings.TrimSpace(src[at+len(op):])
	if left == "" {
		return nil, fail("missing aggregation before %q; a %s has %s", op, t, strings.Join(aggregationsOf[t], ", "))
	}
	if right == "" {
		return nil, fail("missing value after %q", op)
	}
	if strings.ContainsAny(right, "<>=!") {
		return nil, fail("more than one operator; write one comparison per threshold")
	}
	value, err := strconv.ParseFloat(right, 64)
	if err != nil {
		return nil, fail("%q is not a number", right)
	}
	agg, err := parseAggregation(left, t)
	if err != nil {
		return nil, fail("%s", err)
	}
	return &Threshold{Source: expr, Aggregation: agg, Operator: op, Value: value}, nil
}

func parseAggregation(s string, t metrics.Type) (Aggregation, error) {
	compact := strings.ReplaceAll(s, " ", "")
	allowed := aggregationsOf[t]
	if strings.HasPrefix(compact, "p(") && strings.HasSuffix(compact, ")") {
		if t != metrics.Trend {
			return Aggregation{}, fmt.Errorf("a %s has no percentiles; use %s", t, strings.Join(allowed, " or "))
		}
		n, err := strconv.ParseFloat(compact[2:len(compact)-1], 64)
		if err != nil {
			return Aggregation{}, fmt.Errorf("%q is not a percentile; write p(N) with a number N from 0 to 100", s)
		}
		if n < 0 || n > 100 {
			return Aggregation{}, fmt.Errorf("percentile %s is outside 0..100", compact)
		}
		return Aggregation{Name: "p", Percentile: n}, nil
	}
	for _, a := range allowed {
		if compact == a {
			return Aggregation{Name: a}, nil
		}
	}
	known := false
	for _, as := range aggregationsOf {
		for _, a := range as {
			known = known || a == compact
		}
	}
	if known {
		return Aggregation{}, fmt.Errorf("a %s has no %q; use %s", t, compact, strings.Join(allowed, ", "))
	}
	return Aggregation{}, fmt.Errorf("unknown aggregation %q; a %s has %s", s, t, strings.Join(allowed, ", "))
}

func example(t metrics.Type) string {
	switch t {
	case metrics.Counter:
		return "count>0"
	case metrics.Gauge:
		return "value<100"
	case metrics.Rate:
		return "rate<0.01"
	}
	return "p(95)<500"
}

func operatorRun(s string) string {
	end := 0
	for end < len(s) && strings.IndexByte("<>=!", s[end]) >= 0 {
		end++
	}
	return s[:end]
}
