// k6 provides console (its output goes to the k6 log); @types/k6 does not declare it.
declare const console: {
  log (...data: unknown[]): void
  warn (...data: unknown[]): void
  error (...data: unknown[]): void
}
