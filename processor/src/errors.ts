// Every error the processor raises on purpose carries a stable code: callers branch on the
// code, people read the message.
export class SpateError extends Error {
  readonly code: string

  constructor (code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SpateError'
    this.code = code
  }
}
