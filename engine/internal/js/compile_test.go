package js

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"spate.local/engine/internal/exitcode"
)

// writeScript writes files (name -> source) into a temporary directory and returns the path of
// the first name given.
func writeScript(t *testing.T, files ...string) string {
	t.Helper()
	return writeFiles(t, t.TempDir(), files...)
}

func writeScriptB(b *testing.B, files ...string) string {
	return writeFiles(b, b.TempDir(), files...)
}

func writeFiles(t testing.TB, dir string, files ...string) string {
	for i := 0; i+1 < len(files); i += 2 {
		path := filepath.Join(dir, files[i])
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, files[0])
}

func TestCompileBundlesTheRepositoryScripts(t *testing.T) {
	scripts, err := filepath.Glob("../../../scripts/*.ts")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts found: %v", err)
	}
	for _, script := range scripts {
		t.Run(filepath.Base(script)+" compiles with its k6 imports left to the runtime", func(t *testing.T) {
			p, err := Compile(script)
			if err != nil {
				t.Fatal(err)
			}
			for _, external := range []string{`require("k6/execution")`, `require("k6/x/kafka")`} {
				if !strings.Contains(p.Source, external) {
					t.Errorf("bundle does not require %s at run time", external)
				}
			}
			if !strings.Contains(p.Source, "sourceMappingURL=data:application/json;base64,") {
				t.Error("bundle has no inline source map")
			}
		})
	}
}

func TestCompileBundlesPackagesFromNodeModules(t *testing.T) {
	entry := writeScript(t, "main.ts", "import { pad } from 'leftpad'\nexport default function () { return pad('x') }\n",
		"node_modules/leftpad/package.json", `{"name": "leftpad", "main": "index.js"}`,
		"node_modules/leftpad/index.js", "exports.pad = (s) => '  ' + s\n")
	p, err := Compile(entry)
	t.Run("a bare import resolves to the package's main file", func(t *testing.T) {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.Source, "exports.pad = ") {
			t.Error("the package is not in the bundle")
		}
	})
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  []string
	}{
		{"a syntax error names the TypeScript file, line and column", []string{"x.ts", "const a: number = 1\nconst b = (\n"}, []string{"script error: ", "x.ts:3:1: "}},
		{"an unresolvable relative import names the importing file and the path", []string{"x.ts", "import { a } from './missing.ts'\nexport default function () { a() }\n"}, []string{"x.ts:1:19: ", "./missing.ts"}},
		{"a remote import says to download the module", []string{"x.js", "import { a } from 'https://jslib.k6.io/x.js'\nexport default function () { a() }\n"}, []string{"x.js:1:19: ", "remote module https://jslib.k6.io/x.js is not supported"}},
		{"a missing entry says it cannot be read", nil, []string{"script error: cannot read", "check the script's path"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entry := filepath.Join(t.TempDir(), "absent.ts")
			if tc.files != nil {
				entry = writeScript(t, tc.files...)
			}
			_, err := Compile(entry)
			if exitcode.Of(err) != exitcode.ScriptException {
				t.Fatalf("exit code %d (%v), want %d", exitcode.Of(err), err, exitcode.ScriptException)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}
