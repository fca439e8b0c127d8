package main

// The modules a script can import, registered by their packages' init functions.
import (
	_ "spate.local/engine/internal/modules/k6"
	_ "spate.local/engine/internal/modules/kafka"
	_ "spate.local/engine/internal/modules/redis"
	_ "spate.local/engine/internal/modules/spate"
)
