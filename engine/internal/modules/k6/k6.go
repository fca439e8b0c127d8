// Package k6 registers k6's core modules (k6, k6/execution, k6/metrics, k6/http, k6/data,
// k6/encoding, k6/crypto): import it for its side effect,
// `import _ "spate.local/engine/internal/modules/k6"`. Each module lives in its own package and
// registers itself in its init().
package k6

import (
	_ "spate.local/engine/internal/modules/k6/core"      // "k6"
	_ "spate.local/engine/internal/modules/k6/crypto"    // "k6/crypto"
	_ "spate.local/engine/internal/modules/k6/data"      // "k6/data"
	_ "spate.local/engine/internal/modules/k6/encoding"  // "k6/encoding"
	_ "spate.local/engine/internal/modules/k6/execution" // "k6/execution"
	_ "spate.local/engine/internal/modules/k6/http"      // "k6/http"
	_ "spate.local/engine/internal/modules/k6/metrics"   // "k6/metrics"
)
