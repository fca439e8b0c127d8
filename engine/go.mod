module spate.local/engine

go 1.26.0

require (
	github.com/evanw/esbuild v0.28.2
	github.com/grafana/sobek v0.0.0-20260219184149-bdae4a158e94
	github.com/klauspost/compress v1.20.4
	golang.org/x/term v0.48.0
)

require (
	github.com/dlclark/regexp2 v1.11.5 // indirect
	github.com/go-sourcemap/sourcemap v2.1.4+incompatible // indirect
	github.com/google/pprof v0.0.0-20230207041349-798e818bf904 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.3.8 // indirect
)
