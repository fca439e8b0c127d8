// Threshold profiles shared by every load script (SPATE_THRESHOLDS=smoke|default|strict).
// Plain data and functions with no k6 or Node APIs, so that scripts, tests and dashboards can
// all import them.
//
// Producer side: the generator itself must be healthy before any verdict about the pipeline
// means something.
//   kafka_writer_error_count    no produce call failed (acks=all: a failure is a lost record)
//   dropped_iterations          the generator kept up with the arrival rate it was asked for
//   kafka_writer_write_seconds  time for a produce call to be acknowledged, in milliseconds

export type ProfileName = 'smoke' | 'default' | 'strict'

export interface Profile {
  maxWriteP95Ms: number
  maxWriteP99Ms: number
}

export const profiles: Record<ProfileName, Profile> = {
  smoke: { maxWriteP95Ms: 1000, maxWriteP99Ms: 2000 },
  default: { maxWriteP95Ms: 500, maxWriteP99Ms: 1000 },
  strict: { maxWriteP95Ms: 100, maxWriteP99Ms: 250 },
}

export function thresholdsFor (name: ProfileName, overrides: Partial<Profile> = {}): Record<string, string[]> {
  const profile = { ...profiles[name], ...overrides }
  return {
    kafka_writer_error_count: ['count==0'],
    dropped_iterations: ['count==0'],
    kafka_writer_write_seconds: [`p(95)<${profile.maxWriteP95Ms}`, `p(99)<${profile.maxWriteP99Ms}`],
  }
}
