// Structured JSON logs, one object per line on stdout. Secrets never reach here: the config
// holds them, and nothing logs the config's secret fields.
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const
export type Level = keyof typeof LEVELS

export interface Logger {
  debug (msg: string, fields?: Record<string, unknown>): void
  info (msg: string, fields?: Record<string, unknown>): void
  warn (msg: string, fields?: Record<string, unknown>): void
  error (msg: string, fields?: Record<string, unknown>): void
}

export function createLogger (level: Level, base: Record<string, unknown> = {}, out: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const threshold = LEVELS[level]
  const write = (lvl: Level, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVELS[lvl] < threshold) return
    out(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields }, (_key, value: unknown) => typeof value === 'bigint' ? value.toString() : value) + '\n')
  }
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  }
}
