// Package js runs spate's load scripts: it bundles a TypeScript or JavaScript entry with esbuild,
// compiles the bundle once with sobek, and gives every VU its own runtime with k6's globals,
// lifecycle and event loop.
package js

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/grafana/sobek"

	"spate.local/engine/internal/exitcode"
)

// Program is a compiled script, shared read-only by every VU of a run.
type Program struct {
	// Entry is the script's path as given to Compile.
	Entry string
	// Dir is the absolute directory of the entry; open() resolves relative paths from it.
	Dir string
	// Source is the CommonJS bundle (with its inline source map).
	Source string

	program *sobek.Program
}

// The bundle is wrapped in a function so that each VU gives it its own module, exports and
// require. Banner and footer go through esbuild, so the source map accounts for them.
const (
	bundleName   = "spate-bundle.js"
	bundleBanner = "(function (module, exports, require, __filename, __dirname) {"
	bundleFooter = "})"
)

// Compile bundles entry and its relative imports into one CommonJS program. Imports of k6 paths
// ("k6", "k6/...", "k6/x/...") stay external: each VU resolves them through modules.Lookup.
// Syntax and resolve errors are an *exitcode.Error with code ScriptException.
func Compile(entry string) (*Program, error) {
	abs, err := filepath.Abs(entry)
	if err != nil {
		return nil, exitcode.New(exitcode.ScriptException, "script error: %s: %v", entry, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, exitcode.Wrap(exitcode.ScriptException, fmt.Errorf("script error: cannot read %s: %w", entry, unwrapPathError(err)), "check the script's path")
	}
	// Source map paths are relative to the working directory, so errors name the files as the
	// user does (scripts/x.ts).
	cwd, err := os.Getwd()
	if err != nil {
		cwd = filepath.Dir(abs)
	}
	result := api.Build(api.BuildOptions{
		EntryPoints:   []string{abs},
		AbsWorkingDir: cwd,
		Outfile:       filepath.Join(cwd, bundleName),
		Bundle:        true,
		Write:         false,
		Format:        api.FormatCommonJS,
		Platform:      api.PlatformNeutral,
		// Packages under node_modules resolve as for a bundler (ES module entry first).
		MainFields:     []string{"module", "main"},
		Target:         api.ES2020,
		Sourcemap:      api.SourceMapInline,
		SourcesContent: api.SourcesContentExclude,
		Charset:        api.CharsetUTF8,
		LogLevel:       api.LogLevelSilent,
		Banner:         map[string]string{"js": bundleBanner},
		Footer:         map[string]string{"js": bundleFooter},
		Plugins:        []api.Plugin{k6External},
	})
	if len(result.Errors) > 0 {
		return nil, exitcode.New(exitcode.ScriptException, "script error: %s", describeMessage(result.Errors[0], entry))
	}
	if len(result.OutputFiles) != 1 {
		return nil, exitcode.New(exitcode.ScriptException, "script error: bundling %s produced %d files, want 1", entry, len(result.OutputFiles))
	}
	source := string(result.OutputFiles[0].Contents)
	// Named as esbuild's outfile, so sobek resolves the source map's paths as esbuild wrote them.
	program, err := sobek.Compile(filepath.Join(cwd, bundleName), source, false)
	if err != nil {
		return nil, exitcode.New(exitcode.ScriptException, "script error: %s: %s", entry, firstLine(err.Error()))
	}
	return &Program{Entry: entry, Dir: filepath.Dir(abs), Source: source, program: program}, nil
}

// k6External keeps every k6 import out of the bundle: the runtime provides those modules.
var k6External = api.Plugin{
	Name: "k6-modules",
	Setup: func(build api.PluginBuild) {
		build.OnResolve(api.OnResolveOptions{Filter: `^k6(/.*)?$`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
			return api.OnResolveResult{Path: args.Path, External: true}, nil
		})
		// k6 fetches remote modules at run time; spate runs offline and reproducibly.
		build.OnResolve(api.OnResolveOptions{Filter: `^https?://`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
			return api.OnResolveResult{}, fmt.Errorf("remote module %s is not supported: download it next to the script and import it by a relative path", args.Path)
		})
	},
}

func describeMessage(m api.Message, entry string) string {
	if m.Location == nil {
		return fmt.Sprintf("%s: %s", entry, m.Text)
	}
	return fmt.Sprintf("%s:%d:%d: %s", m.Location.File, m.Location.Line, m.Location.Column+1, m.Text)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
