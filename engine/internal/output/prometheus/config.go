// Package prometheus is the `-o experimental-prometheus-rw` output: k6's Prometheus remote
// write, with k6's series names (k6_ prefix, counters _total, rates _rate, one gauge per trend
// stat with time trends in seconds) and the sample tags as labels.
package prometheus

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"spate.local/engine/internal/exitcode"
)

const envPrefix = "K6_PROMETHEUS_RW_"

// Config is the output's settings, read from K6_PROMETHEUS_RW_* variables.
type Config struct {
	URL                   string
	PushInterval          time.Duration
	TrendStats            []string
	InsecureSkipTLSVerify bool
	Username, Password    string
	Headers               map[string]string
	StaleMarkers          bool
}

// ConfigFromEnv reads the K6_PROMETHEUS_RW_* variables with k6's defaults. Invalid values, and
// K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true (not supported), are 104.
func ConfigFromEnv(env map[string]string) (Config, error) {
	c := Config{
		URL:          "http://localhost:9090/api/v1/write",
		PushInterval: 5 * time.Second,
		TrendStats:   []string{"p(99)"},
		Headers:      map[string]string{},
	}
	get := func(name string) (string, bool) {
		v, ok := env[envPrefix+name]
		return strings.TrimSpace(v), ok && strings.TrimSpace(v) != ""
	}
	boolean := func(name string) (bool, error) {
		v, ok := get(name)
		if !ok {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, exitcode.New(exitcode.InvalidConfig, "invalid %s%s %q; use true or false", envPrefix, name, v)
		}
		return b, nil
	}
	if v, ok := get("SERVER_URL"); ok {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, exitcode.New(exitcode.InvalidConfig, "invalid %sSERVER_URL %q; write an http(s) URL such as http://localhost:9090/api/v1/write", envPrefix, v)
		}
		c.URL = v
	}
	if v, ok := get("PUSH_INTERVAL"); ok {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, exitcode.New(exitcode.InvalidConfig, "invalid %sPUSH_INTERVAL %q; write a positive duration such as 5s", envPrefix, v)
		}
		c.PushInterval = d
	}
	if v, ok := get("TREND_STATS"); ok {
		c.TrendStats = nil
		seen := map[string]bool{}
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			suffix, err := statSuffix(s)
			if err != nil {
				return c, err
			}
			if !seen[suffix] { // one series per name: Prometheus refuses duplicate samples
				seen[suffix] = true
				c.TrendStats = append(c.TrendStats, s)
			}
		}
	}
	var err error
	if c.InsecureSkipTLSVerify, err = boolean("INSECURE_SKIP_TLS_VERIFY"); err != nil {
		return c, err
	}
	if c.StaleMarkers, err = boolean("STALE_MARKERS"); err != nil {
		return c, err
	}
	native, err := boolean("TREND_AS_NATIVE_HISTOGRAM")
	if err != nil {
		return c, err
	}
	if native {
		return c, exitcode.New(exitcode.InvalidConfig, "%sTREND_AS_NATIVE_HISTOGRAM is not supported by spate; unset it and choose trend gauges with %sTREND_STATS", envPrefix, envPrefix)
	}
	c.Username, _ = get("USERNAME")
	c.Password, _ = get("PASSWORD")
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if name, ok := strings.CutPrefix(k, envPrefix+"HEADERS_"); ok && name != "" {
			c.Headers[name] = env[k]
		}
	}
	return c, nil
}

// statSuffix is the series-name suffix of a trend stat: "p(99)" -> "p99", "p(99.9)" -> "p999".
func statSuffix(stat string) (string, error) {
	switch stat {
	case "avg", "min", "max", "med", "count", "sum":
		return stat, nil
	}
	if strings.HasPrefix(stat, "p(") && strings.HasSuffix(stat, ")") {
		n, err := strconv.ParseFloat(stat[2:len(stat)-1], 64)
		if err == nil && n >= 0 && n <= 100 {
			return "p" + strings.ReplaceAll(strconv.FormatFloat(n, 'f', -1, 64), ".", ""), nil
		}
	}
	return "", exitcode.New(exitcode.InvalidConfig, "invalid %sTREND_STATS entry %q; use p(N) with N from 0 to 100, avg, min, max, med, count or sum", envPrefix, stat)
}
