package http

import (
	"net/http"
	"net/http/cookiejar"

	"spate.local/engine/internal/js"
)

// jar is the VU's cookie jar. As in k6, cookies a server sets are sent back on the VU's later
// requests within the iteration, and every iteration starts with an empty jar.
func (in *instance) jar() http.CookieJar {
	// Iterations are told apart by the VU's count, not by pointer: executors may reuse them.
	iteration := int64(-1)
	if state, ok := in.vu.(js.State); ok && state.Iteration() != nil {
		iteration = int64(state.IterationInInstance())
	}
	if in.cookies == nil || iteration != in.cookiesOf {
		in.cookies, _ = cookiejar.New(nil)
		in.cookiesOf = iteration
	}
	return in.cookies
}
