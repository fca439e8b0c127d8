package options

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// shown renders a JSON value for an error message, shortened.
func shown(v json.RawMessage) string {
	s := strings.TrimSpace(string(v))
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

// intValue reads an integer of at least min.
func intValue(path string, v json.RawMessage, min int64) (int64, error) {
	kind := "a positive integer"
	if min == 0 {
		kind = "an integer of 0 or more"
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		return 0, invalid("%s must be %s, got %s", path, kind, shown(v))
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, invalid("%s must be %s, got %s", path, kind, n)
		}
		i = int64(f)
	}
	if i < min {
		return 0, invalid("%s must be %s, got %d", path, kind, i)
	}
	return i, nil
}

func boolValue(path string, v json.RawMessage) (bool, error) {
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		return false, invalid("%s must be true or false, got %s", path, shown(v))
	}
	return b, nil
}

func stringValue(path string, v json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", invalid("%s must be a string, got %s", path, shown(v))
	}
	return s, nil
}

// stringMap reads an object of string values (tags, env).
func stringMap(path string, v json.RawMessage) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil || raw == nil {
		return nil, invalid("%s must be an object of string values, e.g. {\"name\": \"value\"}, got %s", path, shown(v))
	}
	m := make(map[string]string, len(raw))
	for k, item := range raw {
		var s string
		if err := json.Unmarshal(item, &s); err != nil {
			return nil, invalid("%s.%s must be a string, got %s", path, k, shown(item))
		}
		m[k] = s
	}
	return m, nil
}

// durationValue reads a duration: a string ("1m30s", "500ms", "1d2h") or a number of
// milliseconds; it must not be negative.
func durationValue(path string, v json.RawMessage) (time.Duration, error) {
	var d time.Duration
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		parsed, err := ParseDuration(s)
		if err != nil {
			return 0, invalid("%s must be a duration such as \"30s\" or \"1m30s\", got %q", path, s)
		}
		d = parsed
	} else {
		var n json.Number
		if err := json.Unmarshal(v, &n); err != nil {
			return 0, invalid("%s must be a duration such as \"30s\" or a number of milliseconds, got %s", path, shown(v))
		}
		ms, err := n.Float64()
		if err != nil || math.IsInf(ms, 0) || math.Abs(ms) > float64(math.MaxInt64/int64(time.Millisecond)) {
			return 0, invalid("%s must be a duration such as \"30s\" or a number of milliseconds, got %s", path, n)
		}
		d = time.Duration(ms * float64(time.Millisecond))
	}
	if d < 0 {
		return 0, invalid("%s must not be negative, got %s", path, shown(v))
	}
	return d, nil
}

// positiveDuration is durationValue for durations that must be above zero.
func positiveDuration(path string, v json.RawMessage) (time.Duration, error) {
	d, err := durationValue(path, v)
	if err == nil && d == 0 {
		return 0, invalid("%s must be longer than 0, got %s", path, shown(v))
	}
	return d, err
}

// ParseDuration reads k6's duration strings: Go's units (ns, us, µs, ms, s, m, h) plus d for
// days. A number without a unit is refused (only "0" is clear without one).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("duration %q has no unit", s)
	}
	// Days first: Go's parser has no d unit.
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseFloat(strings.TrimLeft(s[:i], "-"), 64)
		if err != nil || !digitsOnly(strings.TrimLeft(s[:i], "-")) {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		days = time.Duration(n * float64(24*time.Hour))
		if strings.HasPrefix(s, "-") {
			days = -days
		}
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
		if days < 0 {
			s = "-" + s
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	return days + d, nil
}

func digitsOnly(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) && r != '.' {
			return false
		}
	}
	return s != ""
}

// stagesValue reads [{duration, target}, ...].
func stagesValue(path string, v json.RawMessage) ([]Stage, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil {
		return nil, invalid("%s must be a list of {duration, target}, got %s", path, shown(v))
	}
	stages := make([]Stage, 0, len(raw))
	for i, item := range raw {
		p := fmt.Sprintf("%s[%d]", path, i)
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(item, &fields); err != nil || fields == nil {
			return nil, invalid("%s must be an object {duration, target}, got %s", p, shown(item))
		}
		var st Stage
		seen := false
		for name, fv := range fields {
			var err error
			switch name {
			case "duration":
				st.Duration, err = durationValue(p+".duration", fv)
				seen = true
			case "target":
				st.Target, err = intValue(p+".target", fv, 0)
			default:
				err = invalid("%s has an unknown field %q; did you mean %q?", p, name, closest(name, []string{"duration", "target"}))
			}
			if err != nil {
				return nil, err
			}
		}
		if !seen {
			return nil, invalid("%s needs a duration, e.g. {\"duration\": \"30s\", \"target\": 10}", p)
		}
		stages = append(stages, st)
	}
	return stages, nil
}
