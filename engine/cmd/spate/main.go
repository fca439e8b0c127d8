// Command spate is spate's load engine: it runs load scripts written with k6's script API.
//
//	spate run scripts/spike.ts
//	spate version
//	spate help [command]
package main

import (
	"os"

	"spate.local/engine/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
