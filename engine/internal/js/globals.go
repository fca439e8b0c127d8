package js

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/grafana/sobek"
)

// installGlobals sets k6's globals: __ENV, __VU, __ITER, console, open and the timers.
func (vu *VU) installGlobals() error {
	rt := vu.rt
	vu.env = vu.envObject(vu.cfg.Env)
	global := rt.GlobalObject()
	if err := rt.Set("__ENV", vu.env); err != nil {
		return err
	}
	if err := rt.Set("__VU", vu.idInInstance); err != nil {
		return err
	}
	iter := rt.ToValue(func() uint64 { return vu.IterationInScenario() })
	if err := global.DefineAccessorProperty("__ITER", iter, nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE); err != nil {
		return err
	}
	if err := rt.Set("console", vu.console()); err != nil {
		return err
	}
	if err := rt.Set("open", vu.open); err != nil {
		return err
	}
	for name, fn := range map[string]any{
		"setTimeout":    vu.timers.setTimeout,
		"clearTimeout":  vu.timers.clear,
		"setInterval":   vu.timers.setInterval,
		"clearInterval": vu.timers.clear,
	} {
		if err := rt.Set(name, fn); err != nil {
			return err
		}
	}
	return nil
}

// envObject is a plain, writable object of the variables (k6's __ENV can be changed by the script).
func (vu *VU) envObject(env map[string]string) sobek.Value {
	o := vu.rt.NewObject()
	for k, v := range env {
		_ = o.Set(k, v)
	}
	return o
}

// open reads a file in init code, relative to the calling module's directory: a string, or an
// ArrayBuffer with mode "b".
func (vu *VU) open(call sobek.FunctionCall) sobek.Value {
	rt := vu.rt
	if !vu.inInit {
		panic(newError(rt, "open() works only in init code (outside exported functions); read the file there and keep it in a variable"))
	}
	name := call.Argument(0).String()
	if name == "" || sobek.IsUndefined(call.Argument(0)) {
		panic(rt.NewTypeError("open() needs a file path"))
	}
	dir := vu.callerDir()
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		panic(newError(rt, fmt.Sprintf("open(%q): %v (paths are relative to %s)", name, err, dir)))
	}
	if call.Argument(1).String() == "b" {
		return rt.ToValue(rt.NewArrayBuffer(data))
	}
	return rt.ToValue(string(data))
}

// callerDir is the directory of the source file that called open(), as k6 resolves paths
// relative to the calling module; the entry's directory when the source map does not say.
func (vu *VU) callerDir() string {
	for _, frame := range vu.rt.CaptureCallStack(3, nil) {
		file := frame.Position().Filename
		if file == "" || filepath.Base(file) == bundleName {
			continue
		}
		if u, err := url.Parse(file); err == nil && u.Path != "" && filepath.IsAbs(u.Path) {
			return filepath.Dir(u.Path)
		}
	}
	return vu.cfg.Program.Dir
}

// console writes one log line per call: log, info and debug at info level, warn and error at
// warning level (or the Logger's Errorf/Debugf when it has them).
func (vu *VU) console() *sobek.Object {
	o := vu.rt.NewObject()
	logger := vu.cfg.Logger
	info := logger.Infof
	warn := logger.Warnf
	errorf, debugf := warn, info
	if l, ok := logger.(interface{ Errorf(string, ...any) }); ok {
		errorf = l.Errorf
	}
	if l, ok := logger.(interface{ Debugf(string, ...any) }); ok {
		debugf = l.Debugf
	}
	for name, logf := range map[string]func(string, ...any){
		"log": info, "info": info, "debug": debugf, "warn": warn, "error": errorf,
	} {
		logf := logf
		_ = o.Set(name, func(call sobek.FunctionCall) sobek.Value {
			logf("%s", vu.formatArgs(call.Arguments))
			return sobek.Undefined()
		})
	}
	return o
}

func (vu *VU) formatArgs(args []sobek.Value) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(vu.format(a))
	}
	// One line each: a multi-line message would break line-oriented log readers.
	return strings.ReplaceAll(b.String(), "\n", "\\n")
}

func (vu *VU) format(v sobek.Value) string {
	o, ok := v.(*sobek.Object)
	if !ok || v == nil {
		if v == nil {
			return "undefined"
		}
		return v.String()
	}
	if _, isFn := sobek.AssertFunction(v); isFn {
		return "[function]"
	}
	if msg := o.Get("message"); msg != nil && o.Get("stack") != nil {
		return valueMessage(v)
	}
	if text, err := vu.stringify(v); err == nil {
		return text
	}
	return v.String()
}
