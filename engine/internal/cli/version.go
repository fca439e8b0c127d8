package cli

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"spate.local/engine/internal/modules"
)

func versionCommand(_ []string, stdout, _ io.Writer) int {
	fmt.Fprintf(stdout, "spate %s (%s, %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(stdout, "modules: %s\n", strings.Join(modules.Names(), ", "))
	return 0
}
