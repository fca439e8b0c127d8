package options

import (
	"sort"
	"strings"
)

// implemented are the top-level options spate reads.
var implemented = []string{
	"scenarios", "vus", "duration", "iterations", "stages", "thresholds",
	"summaryTrendStats", "summaryTimeUnit", "setupTimeout", "teardownTimeout",
	"handleSummaryTimeout", "tags", "noSetup", "noTeardown",
	"executionSegment", "executionSegmentSequence",
}

// notImplemented are k6 options spate accepts with a warning, and why they do nothing here.
var notImplemented = map[string]string{
	"batch": " (spate has no HTTP module)", "batchPerHost": " (spate has no HTTP module)",
	"blacklistIPs": " (spate has no HTTP module)", "blockHostnames": " (spate has no HTTP module)",
	"discardResponseBodies": " (spate has no HTTP module)", "dns": " (spate has no HTTP module)",
	"hosts": " (spate has no HTTP module)", "httpDebug": " (spate has no HTTP module)",
	"insecureSkipTLSVerify": " (spate has no HTTP module)", "localIPs": " (spate has no HTTP module)",
	"maxRedirects": " (spate has no HTTP module)", "noConnectionReuse": " (spate has no HTTP module)",
	"noCookiesReset": " (spate has no HTTP module)", "noVUConnectionReuse": " (spate has no HTTP module)",
	"tlsAuth": " (spate has no HTTP module)", "tlsCipherSuites": " (spate has no HTTP module)",
	"tlsVersion": " (spate has no HTTP module)", "userAgent": " (spate has no HTTP module)",
	"rps": " (use an arrival-rate scenario)", "minIterationDuration": "",
	"throw": "", "paused": "", "linger": "", "systemTags": "", "noUsageReport": "",
	"ext": "", "cloud": "", "compatibilityMode": "", "includeSystemEnvVars": "",
	"consoleOutput": "", "logOutput": "", "logFormat": "", "noThresholds": " (use the command line flag)",
	"noSummary": " (use the command line flag)", "summaryExport": " (use the command line flag)",
	"address": "", "browser": "",
}

func knownOptionNames() []string {
	names := append([]string(nil), implemented...)
	for name := range notImplemented {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// closest returns the candidate nearest to name (edit distance, ignoring case).
func closest(name string, candidates []string) string {
	best, bestDistance := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if bestDistance < 0 || d < bestDistance {
			best, bestDistance = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
