package http

import (
	"net/http"
	"net/http/cookiejar"

	"spate.local/engine/internal/executor"
	"spate.local/engine/internal/js"
)

// jar is the VU's cookie jar. As in k6, cookies a server sets are sent back on the VU's later
// requests within the iteration, and every iteration starts with an empty jar.
func (in *instance) jar() http.CookieJar {
	var it *executor.Iteration
	if state, ok := in.vu.(js.State); ok {
		it = state.Iteration()
	}
	if in.cookies == nil || it != in.cookiesOf {
		in.cookies, _ = cookiejar.New(nil)
		in.cookiesOf = it
	}
	return in.cookies
}
