package summary

import (
	"fmt"
	"strings"

	"spate.local/engine/internal/aggregate"
)

// JUnit is the JUnit XML of a test's thresholds, one test case per threshold (a failure when
// it was breached), in the form of the load scripts' k6-junit.xml (scripts/lib/summary.ts), so
// that CI shows a merged run like a single one.
func JUnit(snap *aggregate.Snapshot, suite string, o Options) []byte {
	var cases []string
	failures := 0
	for _, m := range snap.Metrics {
		for _, t := range m.Thresholds {
			title := xmlEscape(m.Name + ": " + t.Source)
			if t.OK {
				cases = append(cases, fmt.Sprintf(`    <testcase classname="%s" name="%s"/>`, xmlEscape(suite), title))
				continue
			}
			failures++
			cases = append(cases, fmt.Sprintf(`    <testcase classname="%s" name="%s"><failure message="%s">%s</failure></testcase>`,
				xmlEscape(suite), title, xmlEscape("threshold "+t.Source+" on "+m.Name+" was breached"),
				xmlEscape(t.Aggregation+"="+thresholdValue(m, t, o.TimeUnit))))
		}
	}
	return fmt.Appendf(nil, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" time=\"%.3f\">\n%s\n  </testsuite>\n</testsuites>\n",
		xmlEscape(suite), len(cases), failures, snap.Duration.Seconds(), strings.Join(cases, "\n"))
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }
