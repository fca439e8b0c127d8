package kafka

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/grafana/sobek"
)

// optionError is a bad value supplied by the script. It is thrown as a JS
// TypeError so scripts fail at the line that built the options.
type optionError struct{ msg string }

func (e *optionError) Error() string { return e.msg }

// options reads one JS option object (already exported to Go values) and
// produces one-line errors that name the option by its full path, e.g.
// `kafka: Producer option "sasl.algorithm" must be ...`.
type options struct {
	owner  string // what the options configure: "Producer", "produce", ...
	prefix string // path of this object inside the top-level options
	values map[string]any
}

// newOptions checks that v is an object whose keys are all in allowed.
// Unknown keys are rejected instead of ignored so that typos (lingerMS,
// requiredAck) fail loudly rather than silently running a different test.
func newOptions(owner, prefix string, v any, allowed ...string) (*options, error) {
	o := &options{owner: owner, prefix: prefix}
	values, ok := v.(map[string]any)
	if !ok {
		if prefix == "" {
			got := "nothing"
			if v != nil {
				got = describe(v)
			}
			return nil, &optionError{fmt.Sprintf("kafka: %s needs an options object, got %s", owner, got)}
		}
		return nil, &optionError{fmt.Sprintf("kafka: %s option %q must be an object, got %s",
			owner, strings.TrimSuffix(prefix, "."), describe(v))}
	}
	unknown := make([]string, 0)
	for k := range values {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, &optionError{fmt.Sprintf("kafka: %s option %q is not supported (allowed: %s)",
			owner, prefix+unknown[0], strings.Join(allowed, ", "))}
	}
	o.values = values
	return o, nil
}

func (o *options) errorf(name, format string, args ...any) error {
	return &optionError{fmt.Sprintf("kafka: %s option %q ", o.owner, o.prefix+name) + fmt.Sprintf(format, args...)}
}

// get returns the value of name; null and undefined count as absent.
func (o *options) get(name string) (any, bool) {
	v, ok := o.values[name]
	return v, ok && v != nil
}

func (o *options) has(name string) bool {
	_, ok := o.get(name)
	return ok
}

// nested reads an object-valued option; ok is false when it is absent.
func (o *options) nested(name string, allowed ...string) (*options, bool, error) {
	v, ok := o.get(name)
	if !ok {
		return nil, false, nil
	}
	n, err := newOptions(o.owner, o.prefix+name+".", v, allowed...)
	return n, err == nil, err
}

// str reads a non-empty string option.
func (o *options) str(name string) (string, bool, error) {
	v, ok := o.get(name)
	if !ok {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr || s == "" {
		return "", false, o.errorf(name, "must be a non-empty string, got %s", describe(v))
	}
	return s, true, nil
}

// secret reads a string option whose value must never be echoed back, so
// only the JS type of a wrong value is reported. Empty strings are allowed.
func (o *options) secret(name string) (string, bool, error) {
	v, ok := o.get(name)
	if !ok {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", false, o.errorf(name, "must be a string, got %s", describeType(v))
	}
	return s, true, nil
}

func (o *options) boolean(name string) (bool, bool, error) {
	v, ok := o.get(name)
	if !ok {
		return false, false, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, false, o.errorf(name, "must be true or false, got %s", describe(v))
	}
	return b, true, nil
}

// integer reads a whole number in [lo, hi]. JS numbers arrive as int64 when
// they are integral and as float64 otherwise.
func (o *options) integer(name string, lo, hi int64) (int64, bool, error) {
	v, ok := o.get(name)
	if !ok {
		return 0, false, nil
	}
	n, isInt := asInteger(v)
	if !isInt || n < lo || n > hi {
		return 0, false, o.errorf(name, "must be an integer from %d to %d, got %s", lo, hi, describe(v))
	}
	return n, true, nil
}

// number reads any finite number in [lo, hi].
func (o *options) number(name string, lo, hi float64) (float64, bool, error) {
	v, ok := o.get(name)
	if !ok {
		return 0, false, nil
	}
	var f float64
	switch n := v.(type) {
	case int64:
		f = float64(n)
	case float64:
		f = n
	default:
		return 0, false, o.errorf(name, "must be a number from %s to %s, got %s", formatFloat(lo), formatFloat(hi), describe(v))
	}
	if math.IsNaN(f) || f < lo || f > hi {
		return 0, false, o.errorf(name, "must be a number from %s to %s, got %s", formatFloat(lo), formatFloat(hi), describe(v))
	}
	return f, true, nil
}

// choice reads a string that must be one of allowed.
func (o *options) choice(name string, allowed ...string) (string, bool, error) {
	v, ok := o.get(name)
	if !ok {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr || !slices.Contains(allowed, s) {
		quoted := make([]string, len(allowed))
		for i, a := range allowed {
			quoted[i] = strconv.Quote(a)
		}
		return "", false, o.errorf(name, "must be one of %s, got %s", strings.Join(quoted, ", "), describe(v))
	}
	return s, true, nil
}

// brokers reads the mandatory broker list shared by every client kind.
func (o *options) brokers() ([]string, error) {
	const want = `a non-empty array of "host:port" strings`
	v, ok := o.get("brokers")
	if !ok {
		return nil, o.errorf("brokers", "is required (%s)", want)
	}
	list, isList := v.([]any)
	if !isList || len(list) == 0 {
		return nil, o.errorf("brokers", "must be %s, got %s", want, describe(v))
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, isStr := item.(string)
		if !isStr || strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t,") {
			return nil, o.errorf(fmt.Sprintf("brokers[%d]", i), `must be a "host:port" string, got %s`, describe(item))
		}
		out = append(out, s)
	}
	return out, nil
}

func asInteger(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// describe renders a JS value for an error message: short values verbatim,
// containers by kind only.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if utf8.RuneCountInString(x) > 40 {
			x = string([]rune(x)[:40]) + "..."
		}
		return strconv.Quote(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatFloat(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return describeType(v)
}

// describeType names the JS kind of v without revealing its contents.
func describeType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case int64, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case []byte:
		return "a Uint8Array"
	case sobek.ArrayBuffer:
		return "an ArrayBuffer"
	case time.Time:
		return "a Date"
	case func(sobek.FunctionCall) sobek.Value:
		return "a function"
	}
	// Typed arrays other than Uint8Array export as other slice types.
	if reflect.TypeOf(v).Kind() == reflect.Slice {
		return "a typed array other than Uint8Array"
	}
	return fmt.Sprintf("a %T", v)
}

// exportArg turns a JS argument into plain Go values for option parsing.
// undefined and null both become nil.
func exportArg(v sobek.Value) any {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return nil
	}
	return v.Export()
}
