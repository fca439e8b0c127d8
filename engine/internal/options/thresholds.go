package options

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// parseThresholds reads {metric: [expr | {threshold, abortOnFail, delayAbortEval}]}.
func parseThresholds(v json.RawMessage) (map[string][]Threshold, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil || raw == nil {
		return nil, invalid("thresholds must be an object of metric names and lists of thresholds, e.g. {\"iteration_duration\": [\"p(95)<500\"]}, got %s", shown(v))
	}
	out := make(map[string][]Threshold, len(raw))
	for metric, item := range raw {
		path := "thresholds[" + strconv.Quote(metric) + "]"
		if strings.TrimSpace(metric) == "" {
			return nil, invalid("thresholds has an empty metric name; name the metric a threshold applies to")
		}
		var list []json.RawMessage
		if err := json.Unmarshal(item, &list); err != nil {
			return nil, invalid("%s must be a list of thresholds, e.g. [\"p(95)<500\"], got %s", path, shown(item))
		}
		ths := make([]Threshold, 0, len(list))
		for i, t := range list {
			th, err := parseThreshold(path+"["+strconv.Itoa(i)+"]", t)
			if err != nil {
				return nil, err
			}
			ths = append(ths, th)
		}
		out[metric] = ths
	}
	return out, nil
}

func parseThreshold(path string, v json.RawMessage) (Threshold, error) {
	var expr string
	if err := json.Unmarshal(v, &expr); err == nil {
		if strings.TrimSpace(expr) == "" {
			return Threshold{}, invalid("%s is empty; write an expression such as \"p(95)<500\"", path)
		}
		return Threshold{Expr: expr}, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(v, &fields); err != nil || fields == nil {
		return Threshold{}, invalid("%s must be an expression or {threshold, abortOnFail, delayAbortEval}, got %s", path, shown(v))
	}
	var th Threshold
	for name, fv := range fields {
		var err error
		switch name {
		case "threshold":
			th.Expr, err = stringValue(path+".threshold", fv)
		case "abortOnFail":
			th.AbortOnFail, err = boolValue(path+".abortOnFail", fv)
		case "delayAbortEval":
			th.DelayAbortEval, err = durationValue(path+".delayAbortEval", fv)
		default:
			err = invalid("%s has an unknown field %q; did you mean %q?", path, name, closest(name, []string{"threshold", "abortOnFail", "delayAbortEval"}))
		}
		if err != nil {
			return Threshold{}, err
		}
	}
	if strings.TrimSpace(th.Expr) == "" {
		return Threshold{}, invalid("%s needs a threshold expression, e.g. {\"threshold\": \"rate<0.01\", \"abortOnFail\": true}", path)
	}
	return th, nil
}

// trendStat is one summaryTrendStats entry: avg, min, med, max, count or p(N).
var trendStat = regexp.MustCompile(`^(avg|min|med|max|count|p\(([0-9]+(\.[0-9]+)?)\))$`)

func trendStatsValue(v json.RawMessage) ([]string, error) {
	var stats []string
	if err := json.Unmarshal(v, &stats); err != nil {
		return nil, invalid("summaryTrendStats must be a list such as [\"avg\", \"p(95)\"], got %s", shown(v))
	}
	for _, s := range stats {
		if err := checkTrendStat(s); err != nil {
			return nil, err
		}
	}
	return stats, nil
}

// checkTrendStat accepts a summary statistic of Trend metrics.
func checkTrendStat(s string) error {
	m := trendStat.FindStringSubmatch(s)
	if m == nil {
		return invalid("summaryTrendStats has %q; use avg, min, med, max, count or p(N) with N from 0 to 100", s)
	}
	if m[2] != "" {
		if p, _ := strconv.ParseFloat(m[2], 64); p > 100 {
			return invalid("summaryTrendStats has %q; a percentile must be from 0 to 100", s)
		}
	}
	return nil
}

func timeUnitName(v json.RawMessage) (string, error) {
	s, err := stringValue("summaryTimeUnit", v)
	if err != nil {
		return "", err
	}
	switch s {
	case "", "s", "ms", "us":
		return s, nil
	}
	return "", invalid("summaryTimeUnit must be \"s\", \"ms\" or \"us\", got %q", s)
}
