package contract

import (
	"math"
	"strconv"
)

// AppendJSNumber appends f as JavaScript's Number.prototype.toString (and JSON.stringify) write
// it: the shortest digits that round-trip, in plain notation from 1e-6 up to 1e21 and in
// exponent notation ("1.5e+21", "1e-7") outside. NaN and infinities are JSON's null.
func AppendJSNumber(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return append(b, "null"...)
	case f == 0:
		return append(b, '0') // -0 too
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		if math.Abs(f) < 1<<63 {
			return strconv.AppendInt(b, int64(f), 10)
		}
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	// Exponent form: digits d1.d2d3...e±k, as ECMAScript's Number::toString.
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], abs, 'e', -1, 64) // "1.5e+21", "1e-07"
	mant, exp := s, []byte(nil)
	for i, c := range s {
		if c == 'e' {
			mant, exp = s[:i], s[i+1:]
			break
		}
	}
	if f < 0 {
		b = append(b, '-')
	}
	b = append(b, mant...)
	b = append(b, 'e', exp[0])
	e := exp[1:]
	for len(e) > 1 && e[0] == '0' {
		e = e[1:]
	}
	return append(b, e...)
}
