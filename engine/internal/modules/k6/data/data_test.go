package data_test

import (
	"strings"
	"testing"

	"spate.local/engine/internal/js/jstest"
	_ "spate.local/engine/internal/modules/k6/data"
)

func TestSharedArray(t *testing.T) {
	r := jstest.New(t, "main.js", `
import { SharedArray } from 'k6/data'
const users = new SharedArray('users', () => { console.log('built by VU ' + __VU); return [{ name: 'a' }, { name: 'b' }] })
export default function () {
  console.log(users.length + ' ' + users[1].name + ' ' + users.map((u) => u.name).join('') + ' ' + String(users[5]))
}
export function write () { users[0] = { name: 'x' } }
`)
	vu1, vu2 := r.VU(t, 1), r.VU(t, 2)
	t.Run("the data is built once per run, by the first VU", func(t *testing.T) {
		if got := r.Log.String(); got != "INFO built by VU 1" {
			t.Errorf("log %q", got)
		}
	})
	jstest.Iterate(t, vu2, jstest.Scenario("default", ""))
	t.Run("every VU reads the items like an array", func(t *testing.T) {
		if got := r.Log.String(); !strings.HasSuffix(got, "INFO 2 b ab undefined") {
			t.Errorf("log %q", got)
		}
	})
	t.Run("writing to it is an error", func(t *testing.T) {
		jstest.Iterate(t, vu1, jstest.Scenario("write", "write"))
		if !strings.Contains(r.Log.String(), "TypeError: a SharedArray is read-only") {
			t.Errorf("log %q", r.Log.String())
		}
	})
}
