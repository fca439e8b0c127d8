package contract

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// repoRoot is the spate checkout this package lives in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// tsx finds the TypeScript runner: SPATE_TSX, the checkout's node_modules, or, in a git
// worktree, the main checkout's.
func tsx(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed, so the Go generator cannot be compared with scripts/lib/messages.ts")
	}
	root := repoRoot(t)
	candidates := []string{os.Getenv("SPATE_TSX"), filepath.Join(root, "node_modules/.bin/tsx")}
	if common, err := exec.Command("git", "-C", root, "rev-parse", "--path-format=absolute", "--git-common-dir").Output(); err == nil {
		main := filepath.Dir(strings.TrimSpace(string(common)))
		candidates = append(candidates, filepath.Join(main, "node_modules/.bin/tsx"))
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	t.Fatal("tsx not found: run `npm ci` in the checkout or set SPATE_TSX to a tsx binary")
	return ""
}

type tsLine struct {
	Schema string   `json:"schema"`
	Seq    *uint64  `json:"seq"`
	Mix    *uint64  `json:"mix"`
	Number *float64 `json:"number"`
	Key    string   `json:"key"`
	Value  string   `json:"value"`
}

func testSeqs() []uint64 {
	var seqs []uint64
	for s := uint64(0); s < 3000; s++ {
		seqs = append(seqs, s)
	}
	for _, s := range []uint64{1<<31 - 1, 1 << 31, 1<<32 - 1, 1 << 32, 1<<32 + 1, 1<<40 + 7, 123456789012345, 1<<53 - 1} {
		seqs = append(seqs, s)
	}
	return seqs
}

func testNumbers() []float64 {
	return []float64{0, 1, -1, 0.1, 0.5, 12.34, 99.99, 1e-7, 1.5e-7, 9.99e-8, 1e-6, 9.99e-7, 1.2e-6, 123e-20, 1e20, 1e21, 1.5e21,
		-1e21, 2.5e30, 1764646800123, 1764646800123.5, 1<<53 - 1, 1 << 63, 12345678901234567890, 0.30000000000000004,
		-45.67, 5e-324, math.MaxFloat64, 1.7976931348623157e300, 0.000001234}
}

func TestGeneratorMatchesTypeScript(t *testing.T) {
	runner := tsx(t)
	for _, run := range []struct {
		name      string
		runID     string
		keys      uint64
		eventTime float64
	}{
		{"a typical run gives byte-identical messages", "run-mh2x9k", 1000, 1764646800123},
		{"one key and a fractional event time give byte-identical messages", "a.b_c-D", 1, 1764646800123.25},
		{"a huge key space gives byte-identical messages", "r", 1 << 40, 0},
	} {
		t.Run(run.name, func(t *testing.T) {
			req := map[string]any{"runId": run.runID, "keys": run.keys, "eventTime": run.eventTime, "seqs": testSeqs(), "numbers": testNumbers()}
			arg, _ := json.Marshal(req)
			cmd := exec.Command(runner, "testdata/print-messages.ts", string(arg))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("tsx failed: %v\n%s", err, stderr.String())
			}
			g := Generator{RunID: run.runID, Keys: run.keys, EventTime: run.eventTime}
			checked := map[string]int{}
			sc := bufio.NewScanner(bytes.NewReader(out))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var l tsLine
				if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
					t.Fatalf("bad line %q: %v", sc.Text(), err)
				}
				switch {
				case l.Schema != "":
					s, err := ParseSchema(l.Schema)
					if err != nil {
						t.Fatal(err)
					}
					g.Schema = s
					if key := string(g.AppendKey(nil, *l.Seq)); key != l.Key {
						t.Fatalf("%s seq %d: key %q, TypeScript %q", l.Schema, *l.Seq, key, l.Key)
					}
					if value := string(g.AppendValue(nil, *l.Seq)); value != l.Value {
						t.Fatalf("%s seq %d:\n Go: %s\n TS: %s", l.Schema, *l.Seq, value, l.Value)
					}
					checked[l.Schema]++
				case l.Mix != nil:
					if got := strconv.FormatUint(uint64(MixSeq(*l.Mix)), 10); got != l.Value {
						t.Fatalf("MixSeq(%d) = %s, TypeScript %s", *l.Mix, got, l.Value)
					}
					checked["mix"]++
				case l.Number != nil:
					if got := string(AppendJSNumber(nil, *l.Number)); got != l.Value {
						t.Fatalf("AppendJSNumber(%v) = %s, JS String() %s", *l.Number, got, l.Value)
					}
					checked["number"]++
				}
			}
			n := len(testSeqs())
			for _, kind := range []string{"basic", "medium", "complex", "mix"} {
				if checked[kind] != n {
					t.Fatalf("compared %d %s cases, want %d (TypeScript printed %d bytes)", checked[kind], kind, n, len(out))
				}
			}
			if checked["number"] != len(testNumbers()) {
				t.Fatalf("compared %d numbers, want %d", checked["number"], len(testNumbers()))
			}
		})
	}
}
