package prometheus

import (
	"strings"
	"testing"
	"time"

	"spate.local/engine/internal/exitcode"
)

func TestConfigFromEnv(t *testing.T) {
	t.Run("no variables give k6's defaults", func(t *testing.T) {
		c, err := ConfigFromEnv(nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.URL != "http://localhost:9090/api/v1/write" || c.PushInterval != 5*time.Second || len(c.TrendStats) != 1 || c.TrendStats[0] != "p(99)" || c.StaleMarkers {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("every variable is read", func(t *testing.T) {
		c, err := ConfigFromEnv(map[string]string{
			"K6_PROMETHEUS_RW_SERVER_URL":                "https://prom.example:9090/api/v1/write",
			"K6_PROMETHEUS_RW_PUSH_INTERVAL":             "250ms",
			"K6_PROMETHEUS_RW_TREND_STATS":               "p(50), p(95),p(99.9),max,avg,min,med,count,sum",
			"K6_PROMETHEUS_RW_INSECURE_SKIP_TLS_VERIFY":  "true",
			"K6_PROMETHEUS_RW_USERNAME":                  "u",
			"K6_PROMETHEUS_RW_PASSWORD":                  "secret",
			"K6_PROMETHEUS_RW_HEADERS_X-Scope-OrgID":     "team",
			"K6_PROMETHEUS_RW_STALE_MARKERS":             "1",
			"K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM": "false",
		})
		if err != nil {
			t.Fatal(err)
		}
		if c.URL != "https://prom.example:9090/api/v1/write" || c.PushInterval != 250*time.Millisecond || len(c.TrendStats) != 9 ||
			!c.InsecureSkipTLSVerify || c.Username != "u" || c.Password != "secret" || c.Headers["X-Scope-OrgID"] != "team" || !c.StaleMarkers {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("a trend stat named twice is pushed once", func(t *testing.T) {
		c, err := ConfigFromEnv(map[string]string{"K6_PROMETHEUS_RW_TREND_STATS": "p(99),max,p(99)"})
		if err != nil || len(c.TrendStats) != 2 {
			t.Fatalf("%v %v", c.TrendStats, err)
		}
	})
	bad := []struct{ name, key, value, want string }{
		{"native histograms are refused, never ignored", "TREND_AS_NATIVE_HISTOGRAM", "true", "not supported"},
		{"an unknown trend stat", "TREND_STATS", "p(99),mean", `entry "mean"`},
		{"a percentile above 100", "TREND_STATS", "p(101)", `entry "p(101)"`},
		{"a push interval without unit", "PUSH_INTERVAL", "5", "PUSH_INTERVAL"},
		{"a URL without scheme", "SERVER_URL", "localhost:9090", "SERVER_URL"},
		{"a boolean that is none", "STALE_MARKERS", "yes please", "use true or false"},
	}
	for _, b := range bad {
		t.Run(b.name+" is 104", func(t *testing.T) {
			_, err := ConfigFromEnv(map[string]string{envPrefix + b.key: b.value})
			if exitcode.Of(err) != exitcode.InvalidConfig || !strings.Contains(err.Error(), b.want) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestStatSuffix(t *testing.T) {
	for stat, want := range map[string]string{"p(99)": "p99", "p(99.9)": "p999", "p(50)": "p50", "p(0)": "p0", "avg": "avg", "count": "count"} {
		t.Run(stat+" becomes _"+want, func(t *testing.T) {
			if got, err := statSuffix(stat); err != nil || got != want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}
