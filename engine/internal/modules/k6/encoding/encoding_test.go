package encoding_test

import (
	"strings"
	"testing"

	"spate.local/engine/internal/js/jstest"
	_ "spate.local/engine/internal/modules/k6/encoding"
)

func TestBase64(t *testing.T) {
	r := jstest.New(t, "main.js", `
import encoding from 'k6/encoding'
import { b64decode, b64encode } from 'k6/encoding'
export default function () {
  console.log(b64encode('hi?>'))
  console.log(b64encode('hi?>', 'rawurl'))
  console.log(b64decode('aGk/Pg==', 'std', 's'))
  console.log(new Uint8Array(encoding.b64decode('aGk_Pg', 'rawurl'))[3])
  console.log(b64encode(new Uint8Array([0, 255]).buffer))
}
export function bad () { b64decode('***') }
`)
	vu := r.VU(t, 1)
	jstest.Iterate(t, vu, jstest.Scenario("default", ""))
	t.Run("strings and buffers round-trip in every encoding", func(t *testing.T) {
		want := "INFO aGk/Pg==\nINFO aGk_Pg\nINFO hi?>\nINFO 62\nINFO AP8="
		if got := r.Log.String(); got != want {
			t.Errorf("log\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("invalid input is an error that says so", func(t *testing.T) {
		jstest.Iterate(t, vu, jstest.Scenario("bad", "bad"))
		if got := r.Log.String(); !strings.Contains(got, "b64decode: the input is not valid base64") {
			t.Errorf("log %q", got)
		}
	})
}
