package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCapacityCommandRefusesBadInput(t *testing.T) {
	script := filepath.Join(t.TempDir(), "steady.ts")
	if err := os.WriteFile(script, []byte("export default function () {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"a growth of 1 would never ramp", []string{"--growth", "1", script}, "--growth 1 must be above 1"},
		{"a start above the ceiling is refused", []string{"--start-rate", "5000", "--max-rate", "1000", script}, "--min-rate <= --start-rate <= --max-rate"},
		{"a missing script is named", []string{filepath.Join(t.TempDir(), "nope.ts")}, "cannot read the script"},
		{"two scripts are refused", []string{script, script}, "one script expected, got 2"},
		{"a zero step duration is refused", []string{"--step-duration", "0s", script}, "--step-duration 0s must be positive"},
		{"a target without configurations is refused", []string{"--target", "5000", script}, "--target and --pipeline go together"},
		{"a configuration without a command is refused", []string{"--target", "5000", "--pipeline", "x1", script}, `--pipeline "x1" must be LABEL=COMMAND`},
		{"a variable without a value is refused", []string{"-e", "SPATE_TOPIC", script}, `-e/--env "SPATE_TOPIC" must be KEY=VALUE`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(append([]string{"capacity"}, c.args...), &stdout, &stderr); code != 104 {
				t.Fatalf("exited %d, want 104: %s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), c.wantErr) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr %q, want one line containing %q", stderr.String(), c.wantErr)
			}
		})
	}
	t.Run("help lists the search's flags", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if code := Main([]string{"capacity", "--help"}, &stdout, &stderr); code != 0 {
			t.Fatalf("exited %d", code)
		}
		for _, flag := range []string{"--start-rate", "--max-rate", "--precision", "--step-duration", "--html"} {
			if !strings.Contains(stdout.String(), flag) {
				t.Errorf("help lacks %s", flag)
			}
		}
	})
}
