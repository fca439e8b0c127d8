package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"spate.local/engine/internal/exitcode"
	"spate.local/engine/internal/summary"
)

const mergeUsage = `Usage:
  spate merge [flags] <summary.json> <summary.json> [...]

Merges the summaries of several instances that ran one test split by --execution-segment
(each instance's handleSummary data, e.g. the load scripts' k6-summary.json) into the whole
test's: counters, rates and checks add up, trend histograms merge, and every threshold is
evaluated again on the merged values. Prints the end-of-test summary and exits like a run:
0, or 99 when a threshold is breached.

Flags:
      --summary PATH   write the merged handleSummary data (JSON; 'task report --summary' reads it)
      --junit PATH     write a JUnit XML with one test case per threshold
      --suite NAME     the JUnit suite name (default spate.merged)
  -q, --quiet          no summary on stdout
  -h, --help           this help
`

func mergeCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("spate merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		summaryPath, junitPath string
		suite                  = "spate.merged"
		quiet, help            bool
	)
	fs.StringVar(&summaryPath, "summary", "", "")
	fs.StringVar(&junitPath, "junit", "", "")
	fs.StringVar(&suite, "suite", suite, "")
	for _, n := range []string{"q", "quiet"} {
		fs.BoolVar(&quiet, n, false, "")
	}
	for _, n := range []string{"h", "help"} {
		fs.BoolVar(&help, n, false, "")
	}
	files, err := parseInterspersed(fs, args)
	if help {
		fmt.Fprint(stdout, mergeUsage)
		return exitcode.OK
	}
	if err != nil {
		return fail(stderr, exitcode.Wrap(exitcode.InvalidConfig, fmt.Errorf("spate merge: %v", err), "run 'spate merge --help' for the flags"))
	}
	if len(files) == 0 {
		return fail(stderr, exitcode.Wrap(exitcode.InvalidConfig, errors.New("spate merge: no summaries given"), "usage: spate merge [flags] <summary.json> <summary.json> [...]"))
	}
	parts := make([][]byte, len(files))
	for i, f := range files {
		if parts[i], err = os.ReadFile(f); err != nil {
			return fail(stderr, exitcode.Wrap(exitcode.InvalidConfig, fmt.Errorf("spate merge: cannot read %s: %v", f, errors.Unwrap(err)), ""))
		}
	}
	snap, opts, err := summary.MergeSnapshot(parts...)
	if err != nil {
		return fail(stderr, exitcode.Wrap(exitcode.InvalidConfig, fmt.Errorf("spate merge: %v", err), "merge the k6-summary.json files that spate run's handleSummary wrote"))
	}
	if !quiet {
		fmt.Fprint(stdout, summary.Text(snap, opts))
	}
	if summaryPath != "" {
		data, _ := json.MarshalIndent(summary.Data(snap, opts), "", "  ")
		if err := os.WriteFile(summaryPath, data, 0o644); err != nil {
			return fail(stderr, fmt.Errorf("spate merge: cannot write --summary %s: %v", summaryPath, errors.Unwrap(err)))
		}
	}
	if junitPath != "" {
		if err := os.WriteFile(junitPath, summary.JUnit(snap, suite, opts), 0o644); err != nil {
			return fail(stderr, fmt.Errorf("spate merge: cannot write --junit %s: %v", junitPath, errors.Unwrap(err)))
		}
	}
	if breached := snap.Breached(); len(breached) > 0 {
		return fail(stderr, exitcode.New(exitcode.ThresholdsFailed, "thresholds on metrics '%s' have been crossed in the merged run", strings.Join(breached, "', '")))
	}
	return exitcode.OK
}
