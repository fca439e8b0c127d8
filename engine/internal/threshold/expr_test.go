package threshold

import (
	"errors"
	"strings"
	"testing"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
)

func TestParseExprAcceptsK6Grammar(t *testing.T) {
	cases := []struct {
		name  string
		expr  string
		typ   metrics.Type
		agg   string
		op    string
		value float64
	}{
		{"a trend percentile with an integer", "p(95)<500", metrics.Trend, "p(95)", "<", 500},
		{"a trend percentile with a fraction", "p(99.9)<=1.5", metrics.Trend, "p(99.9)", "<=", 1.5},
		{"p(0) and p(100) are the extremes", "p(100) < 2", metrics.Trend, "p(100)", "<", 2},
		{"spaces around every part", "  avg  >=  200 ", metrics.Trend, "avg", ">=", 200},
		{"spaces inside p( N )", "p( 90 ) > 1", metrics.Trend, "p(90)", ">", 1},
		{"trend min", "min>0", metrics.Trend, "min", ">", 0},
		{"trend max", "max<1e3", metrics.Trend, "max", "<", 1000},
		{"trend med", "med!=3", metrics.Trend, "med", "!=", 3},
		{"counter count with ==", "count==0", metrics.Counter, "count", "==", 0},
		{"counter rate", "rate>10", metrics.Counter, "rate", ">", 10},
		{"gauge value with ===", "value===5", metrics.Gauge, "value", "===", 5},
		{"rate rate with a negative number", "rate>-0.5", metrics.Rate, "rate", ">", -0.5},
	}
	for _, c := range cases {
		t.Run(c.name+" parses", func(t *testing.T) {
			th, err := ParseExpr(c.expr, "m", c.typ)
			if err != nil {
				t.Fatal(err)
			}
			if th.Aggregation.String() != c.agg || th.Operator != c.op || th.Value != c.value || th.Source != c.expr {
				t.Fatalf("got %s %s %g (source %q)", th.Aggregation, th.Operator, th.Value, th.Source)
			}
		})
	}
}

func TestParseExprRejectsWithOneLine104(t *testing.T) {
	cases := []struct {
		name string
		expr string
		typ  metrics.Type
		want string
	}{
		{"a missing value", "p(95)<", metrics.Trend, `invalid threshold "p(95)<" on kafka_writer_write_seconds: missing value after "<"`},
		{"a missing operator", "p(95) 500", metrics.Trend, "missing operator"},
		{"a single =", "avg=5", metrics.Trend, `invalid operator "="`},
		{"=>", "avg=>5", metrics.Trend, `invalid operator "=>"`},
		{"a missing aggregation", "<5", metrics.Trend, `missing aggregation before "<"`},
		{"an empty expression", "  ", metrics.Trend, "it is empty"},
		{"a value that is no number", "avg<fast", metrics.Trend, `"fast" is not a number`},
		{"two operators", "avg<5<6", metrics.Trend, "more than one operator"},
		{"a trend has no count", "count<5", metrics.Trend, `a trend has no "count"; use avg, min, max, med, p(N)`},
		{"a gauge has no rate", "rate<5", metrics.Gauge, `a gauge has no "rate"; use value`},
		{"a rate has no count", "count>1", metrics.Rate, `a rate has no "count"`},
		{"a counter has no percentile", "p(95)<5", metrics.Counter, "a counter has no percentiles"},
		{"p above 100", "p(101)<5", metrics.Trend, "percentile p(101) is outside 0..100"},
		{"p below 0", "p(-1)<5", metrics.Trend, "outside 0..100"},
		{"p of no number", "p(x)<5", metrics.Trend, `"p(x)" is not a percentile`},
		{"an unknown aggregation", "mean<5", metrics.Trend, `unknown aggregation "mean"`},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused", func(t *testing.T) {
			_, err := ParseExpr(c.expr, "kafka_writer_write_seconds", c.typ)
			if err == nil {
				t.Fatal("no error")
			}
			var e *exitcode.Error
			if !errors.As(err, &e) || e.Code != exitcode.InvalidConfig {
				t.Fatalf("not a 104: %v", err)
			}
			if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q does not contain %q on one line", err, c.want)
			}
		})
	}
}

func TestThresholdHolds(t *testing.T) {
	cases := []struct {
		expr  string
		value float64
		holds bool
	}{
		{"avg<5", 4.9, true}, {"avg<5", 5, false},
		{"avg<=5", 5, true}, {"avg<=5", 5.1, false},
		{"avg>5", 5.1, true}, {"avg>5", 5, false},
		{"avg>=5", 5, true}, {"avg>=5", 4, false},
		{"avg==5", 5, true}, {"avg==5", 4, false},
		{"avg===5", 5, true}, {"avg===5", 6, false},
		{"avg!=5", 4, true}, {"avg!=5", 5, false},
	}
	for _, c := range cases {
		verb := "holds"
		if !c.holds {
			verb = "fails"
		}
		t.Run(c.expr+" "+verb+" for the value", func(t *testing.T) {
			th, err := ParseExpr(c.expr, "m", metrics.Trend)
			if err != nil {
				t.Fatal(err)
			}
			if th.Holds(c.value) != c.holds {
				t.Fatalf("Holds(%g) = %v", c.value, !c.holds)
			}
		})
	}
}
