package core

import (
	"errors"
	"fmt"
	"math/rand"
	"time"

	"github.com/grafana/sobek"
)

// sleep(seconds) waits, and returns early when the iteration is interrupted.
func (m *instance) sleep(seconds float64) {
	if seconds <= 0 {
		return
	}
	t := time.NewTimer(time.Duration(seconds * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-m.vu.Context().Done():
	}
}

// fail(message) throws, ending the iteration (not the test).
func (m *instance) fail(call sobek.FunctionCall) sobek.Value {
	msg := "test failed"
	if a := call.Argument(0); !sobek.IsUndefined(a) {
		msg = a.String()
	}
	panic(m.vu.Runtime().NewGoError(errors.New(msg)))
}

// randomSeed(n) makes Math.random() repeatable in this VU.
func (m *instance) randomSeed(seed int64) {
	r := rand.New(rand.NewSource(seed))
	m.vu.Runtime().SetRandSource(r.Float64)
}

func errInInit(fn string) error {
	return fmt.Errorf("%s() cannot be used in init code; call it inside an exported function such as default", fn)
}
