package cli

import (
	"flag"
	"fmt"
	"strings"
)

// multi is a repeatable string flag (-e K=V -e K2=V2).
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// optional records whether a flag was given, for flags whose zero value is meaningful.
type optionalInt struct {
	set bool
	v   int64
}

func (o *optionalInt) String() string {
	if !o.set {
		return ""
	}
	return fmt.Sprint(o.v)
}

func (o *optionalInt) Set(s string) error {
	var v int64
	if _, err := fmt.Sscan(s, &v); err != nil || fmt.Sprint(v) != strings.TrimSpace(s) {
		return fmt.Errorf("%q is not a whole number", s)
	}
	o.set, o.v = true, v
	return nil
}

type optionalString struct {
	set bool
	v   string
}

func (o *optionalString) String() string     { return o.v }
func (o *optionalString) Set(s string) error { o.set, o.v = true, s; return nil }

// parseInterspersed parses flags anywhere on the line, before and after positional arguments
// (`spate run script.ts --vus 2` works like `spate run --vus 2 script.ts`), and returns the
// positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// keyValues turns K=V arguments into a map; flagName names the flag in errors.
func keyValues(values []string, flagName string) (map[string]string, error) {
	m := make(map[string]string, len(values))
	for _, kv := range values {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q must be KEY=VALUE", flagName, kv)
		}
		m[k] = v
	}
	return m, nil
}
