// Package encoding is the "k6/encoding" module: b64encode and b64decode with k6's encodings
// (std, rawstd, url, rawurl).
package encoding

import (
	"encoding/base64"
	"fmt"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/modules"
)

func init() {
	modules.Register("k6/encoding", modules.ModuleFunc(New))
}

// New is the "k6/encoding" module's instance for one VU.
func New(vu modules.VU) (modules.Exports, error) {
	rt := vu.Runtime()
	return modules.Exports{Named: map[string]any{
		// b64encode(input, encoding?): input is a string or an ArrayBuffer.
		"b64encode": func(call sobek.FunctionCall) sobek.Value {
			enc, err := encodingOf(call.Argument(1))
			if err != nil {
				panic(rt.NewTypeError(err.Error()))
			}
			return rt.ToValue(enc.EncodeToString(bytesOf(call.Argument(0))))
		},
		// b64decode(input, encoding?, format?): an ArrayBuffer, or a string with format "s".
		"b64decode": func(call sobek.FunctionCall) sobek.Value {
			enc, err := encodingOf(call.Argument(1))
			if err != nil {
				panic(rt.NewTypeError(err.Error()))
			}
			out, err := enc.DecodeString(call.Argument(0).String())
			if err != nil {
				panic(rt.NewGoError(fmt.Errorf("b64decode: the input is not valid base64: %w", err)))
			}
			if call.Argument(2).String() == "s" {
				return rt.ToValue(string(out))
			}
			return rt.ToValue(rt.NewArrayBuffer(out))
		},
	}}, nil
}

func encodingOf(v sobek.Value) (*base64.Encoding, error) {
	if sobek.IsUndefined(v) {
		return base64.StdEncoding, nil
	}
	switch s := v.String(); s {
	case "", "std":
		return base64.StdEncoding, nil
	case "rawstd":
		return base64.RawStdEncoding, nil
	case "url":
		return base64.URLEncoding, nil
	case "rawurl":
		return base64.RawURLEncoding, nil
	default:
		return nil, fmt.Errorf("base64 encoding %q is invalid: use std, rawstd, url or rawurl", s)
	}
}

// bytesOf reads a string or an ArrayBuffer (or a typed array's bytes).
func bytesOf(v sobek.Value) []byte {
	switch x := v.Export().(type) {
	case sobek.ArrayBuffer:
		return x.Bytes()
	case []byte:
		return x
	}
	return []byte(v.String())
}
