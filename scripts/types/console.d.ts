// spate's engine provides console, as k6's script API does (one log line per call); @types/k6 does not declare it.
declare const console: {
  log (...data: unknown[]): void
  warn (...data: unknown[]): void
  error (...data: unknown[]): void
}
