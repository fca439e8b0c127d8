package threshold

import (
	"fmt"
	"strings"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/metrics"
)

// ParseKey splits a thresholds key, "name" or "name{tag:value,tag2:'quoted, value'}", into the
// metric name and the sub-metric's tags (nil without braces).
func ParseKey(key string) (name string, selector *metrics.TagSet, err error) {
	fail := func(format string, args ...any) error {
		return exitcode.New(exitcode.InvalidConfig, "invalid threshold key %q: %s", key, fmt.Sprintf(format, args...))
	}
	k := strings.TrimSpace(key)
	open := strings.IndexByte(k, '{')
	if open < 0 {
		if strings.ContainsAny(k, "}") {
			return "", nil, fail("a '}' without '{'; write name{tag:value}")
		}
		return k, nil, nil
	}
	name = strings.TrimSpace(k[:open])
	if name == "" {
		return "", nil, fail("missing metric name before '{'")
	}
	if !strings.HasSuffix(k, "}") {
		return "", nil, fail("missing '}' at the end; write name{tag:value}")
	}
	tags := map[string]string{}
	for _, part := range splitOutsideQuotes(k[open+1 : len(k)-1]) {
		part = strings.TrimSpace(part)
		if part == "" {
			return "", nil, fail("empty tag selector; write name{tag:value} with at least one tag")
		}
		colon := strings.IndexByte(part, ':')
		if colon < 0 {
			return "", nil, fail("tag %q has no value; write tag:value", part)
		}
		tag := strings.TrimSpace(part[:colon])
		value := unquote(strings.TrimSpace(part[colon+1:]))
		if tag == "" {
			return "", nil, fail("missing tag name before ':' in %q", part)
		}
		tags[tag] = value
	}
	return name, metrics.NewTagSet(tags), nil
}

// splitOutsideQuotes splits on commas that are not inside '...' or "...".
func splitOutsideQuotes(s string) []string {
	var parts []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ',':
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}
