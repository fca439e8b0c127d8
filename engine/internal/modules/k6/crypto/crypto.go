// Package crypto is the "k6/crypto" module: hashes and HMACs (md5, sha1, sha256, sha384,
// sha512) as hex, base64 or binary, and randomBytes. k6's streaming Hasher (createHash) is not
// there.
package crypto

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/modules"
)

func init() {
	modules.Register("k6/crypto", modules.ModuleFunc(New))
}

var algorithms = map[string]func() hash.Hash{
	"md5": md5.New, "sha1": sha1.New, "sha256": sha256.New, "sha384": sha512.New384, "sha512": sha512.New,
}

// New is the "k6/crypto" module's instance for one VU.
func New(vu modules.VU) (modules.Exports, error) {
	rt := vu.Runtime()
	named := map[string]any{
		// hmac(algorithm, secret, data, encoding)
		"hmac": func(call sobek.FunctionCall) sobek.Value {
			newHash := algorithm(rt, call.Argument(0).String())
			mac := hmac.New(newHash, bytesOf(call.Argument(1)))
			mac.Write(bytesOf(call.Argument(2)))
			return encode(rt, mac.Sum(nil), call.Argument(3))
		},
		"randomBytes": func(n int) sobek.Value {
			if n < 0 {
				panic(rt.NewTypeError("randomBytes: the size must not be negative"))
			}
			b := make([]byte, n)
			_, _ = rand.Read(b)
			return rt.ToValue(rt.NewArrayBuffer(b))
		},
	}
	for name := range algorithms {
		// md5(data, encoding) and its kin.
		named[name] = func(call sobek.FunctionCall) sobek.Value {
			h := algorithms[name]()
			h.Write(bytesOf(call.Argument(0)))
			return encode(rt, h.Sum(nil), call.Argument(1))
		}
	}
	return modules.Exports{Named: named}, nil
}

func algorithm(rt *sobek.Runtime, name string) func() hash.Hash {
	h, ok := algorithms[name]
	if !ok {
		panic(rt.NewTypeError(fmt.Sprintf("hash algorithm %q is not supported: use md5, sha1, sha256, sha384 or sha512", name)))
	}
	return h
}

// encode gives a digest as "hex", "base64" (also "base64url", "base64rawurl") or, with
// "binary", an ArrayBuffer.
func encode(rt *sobek.Runtime, sum []byte, enc sobek.Value) sobek.Value {
	switch e := enc.String(); e {
	case "hex":
		return rt.ToValue(hex.EncodeToString(sum))
	case "base64":
		return rt.ToValue(base64.StdEncoding.EncodeToString(sum))
	case "base64url":
		return rt.ToValue(base64.URLEncoding.EncodeToString(sum))
	case "base64rawurl":
		return rt.ToValue(base64.RawURLEncoding.EncodeToString(sum))
	case "binary":
		return rt.ToValue(rt.NewArrayBuffer(sum))
	default:
		panic(rt.NewTypeError(fmt.Sprintf("output encoding %q is invalid: use hex, base64, base64url, base64rawurl or binary", e)))
	}
}

func bytesOf(v sobek.Value) []byte {
	switch x := v.Export().(type) {
	case sobek.ArrayBuffer:
		return x.Bytes()
	case []byte:
		return x
	}
	return []byte(v.String())
}
