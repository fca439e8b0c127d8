package crypto_test

import (
	"strings"
	"testing"

	"spate.local/engine/internal/js/jstest"
	_ "spate.local/engine/internal/modules/k6/crypto"
)

func TestCrypto(t *testing.T) {
	r := jstest.New(t, "main.js", `
import crypto from 'k6/crypto'
import { sha256, hmac, randomBytes } from 'k6/crypto'
export default function () {
  console.log(crypto.md5('spate', 'hex'))
  console.log(sha256('spate', 'base64'))
  console.log(hmac('sha256', 'key', 'spate', 'hex'))
  console.log(randomBytes(16).byteLength)
}
export function bad () { hmac('sha3', 'k', 'd', 'hex') }
`)
	vu := r.VU(t, 1)
	jstest.Iterate(t, vu, jstest.Scenario("default", ""))
	t.Run("hashes and HMACs match the standard digests", func(t *testing.T) {
		// Digests of "spate" (md5sum, sha256sum | base64, openssl dgst -sha256 -hmac key).
		want := []string{"INFO 0e92fd8db1c1f944f25c11176d050dc4", "INFO U3MIuk5UN6YQyLye1vPiH+E0unRS4O9FLzZaLJdGC9I=", "INFO f484cefabb2735df503c538e74e907532c2ec15de232707b1bd934f64ddadfd9", "INFO 16"}
		if got := r.Log.String(); got != strings.Join(want, "\n") {
			t.Errorf("log\n%s\nwant\n%s", got, strings.Join(want, "\n"))
		}
	})
	t.Run("an unknown algorithm is a TypeError naming the known ones", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("bad", "bad"))
		if !strings.Contains(r.Log.String(), `hash algorithm "sha3" is not supported`) {
			t.Errorf("log %q", r.Log.String())
		}
	})
}
