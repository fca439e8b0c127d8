package js

import (
	"errors"
	"fmt"
	"strings"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/modules"
)

// requireModule is the bundle's require: every k6 import path, resolved through modules.Lookup
// once per VU. The object it returns has the module's named exports and `default`, marked as
// an ES module so that default and named imports both work.
func (vu *VU) requireModule(name string) sobek.Value {
	if v, ok := vu.require[name]; ok {
		return v
	}
	rt := vu.rt
	m, ok := modules.Lookup(name)
	if !ok {
		panic(newError(rt, fmt.Sprintf("unknown module %q; the known modules are %s", name, strings.Join(modules.Names(), ", "))))
	}
	exports, err := m.NewInstance(vu)
	if err != nil {
		panic(newError(rt, fmt.Sprintf("module %q: %v", name, err)))
	}
	o := rt.NewObject()
	named := rt.NewObject()
	for k, v := range exports.Named {
		value := rt.ToValue(v)
		_ = o.Set(k, value)
		_ = named.Set(k, value)
	}
	if exports.Default != nil {
		_ = o.Set("default", exports.Default)
	} else {
		_ = o.Set("default", named)
	}
	_ = o.DefineDataProperty("__esModule", rt.ToValue(true), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_FALSE)
	vu.require[name] = o
	return o
}

// newError is a plain Error for the script (sobek's NewGoError would name it GoError).
func newError(rt *sobek.Runtime, msg string) *sobek.Object {
	e, err := rt.New(rt.Get("Error"), rt.ToValue(msg))
	if err != nil {
		return rt.NewGoError(errors.New(msg))
	}
	return e
}
