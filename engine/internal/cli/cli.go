// Package cli is spate's command line: one file per command, each with its flags, help text
// and run function. Errors reach people as one line on stderr; exit codes are k6's.
package cli

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"spate.local/engine/internal/exitcode"
)

// Version is set at build time (-ldflags "-X spate.local/engine/internal/cli.Version=...").
var Version = "dev"

type command struct {
	name    string
	summary string
	usage   string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "Run a load script (TypeScript or JavaScript, k6's script API)", runUsage, runCommand},
		{"capacity", "Find the highest rate the pipeline sustains (ramp, back off, bisect)", capacityUsage, capacityCommand},
		{"merge", "Merge the summaries of instances that ran one test into one verdict", mergeUsage, mergeCommand},
		{"version", "Print the engine's version and its built-in modules", "spate version", versionCommand},
		{"help", "Help for a command", "spate help [command]", nil},
	}
}

const rootHelp = `spate runs load scripts for streaming pipelines. Scripts use k6's script API (options,
scenarios, thresholds, setup/teardown/handleSummary, k6/... and k6/x/kafka imports).

Usage:
  spate <command> [flags]

Commands:
%s
Run 'spate help <command>' or 'spate <command> --help' for a command's flags.
Exit codes: 0 ok, 99 thresholds breached, 104 invalid config, 105 stopped by a signal,
107 script exception, 108 aborted by the script (exec.test.abort), 110 marked failed.
`

func rootUsage() string {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	return fmt.Sprintf(rootHelp, b.String())
}

// Main runs the command line and returns the process exit code. A panic (a bug in spate) is
// reported in one line, with the stack only when SPATE_DEBUG=1.
func Main(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "spate: internal error: %v; please report it (SPATE_DEBUG=1 prints the stack)\n", r)
			if os.Getenv("SPATE_DEBUG") == "1" {
				fmt.Fprintf(stderr, "%s\n", debug.Stack())
			}
			code = exitcode.Failure
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, rootUsage())
		return exitcode.Failure
	}
	name := args[0]
	switch name {
	case "-h", "--help":
		fmt.Fprint(stdout, rootUsage())
		return exitcode.OK
	case "--version", "-v":
		return versionCommand(nil, stdout, stderr)
	case "help":
		if len(args) < 2 {
			fmt.Fprint(stdout, rootUsage())
			return exitcode.OK
		}
		for _, c := range commands() {
			if c.name == args[1] && c.run != nil {
				return c.run([]string{"--help"}, stdout, stderr)
			}
		}
		fmt.Fprintf(stderr, "spate: unknown command %q; run 'spate help' for the list\n", args[1])
		return exitcode.Failure
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "spate: unknown command %q; run 'spate help' for the list (did you mean 'spate run %s'?)\n", name, name)
	return exitcode.Failure
}

// fail prints err as spate's one-line error and returns its exit code.
func fail(stderr io.Writer, err error) int {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(stderr, "spate: error: %s\n", msg)
	return exitcode.Of(err)
}
