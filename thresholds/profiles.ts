// Threshold profiles shared by every load script (SPATE_THRESHOLDS=smoke|default|strict).
// Plain data and functions with no k6 or Node APIs, so that scripts, tests and dashboards can
// all import them.
//
// Producer side: the generator itself must be healthy before any verdict about the pipeline
// means something.
//   kafka_writer_error_count    no produce call failed (acks=all: a failure is a lost record)
//   dropped_iterations          the generator kept up with the arrival rate it was asked for
//   kafka_writer_write_seconds  time for a produce call to be acknowledged, in milliseconds
//   iteration_start_delay       how late the engine started each scheduled iteration, in
//                               milliseconds (arrival-rate scripts): the open-model generator's own
//                               "falling behind" signal, before it shows as dropped iterations

export type ProfileName = 'smoke' | 'default' | 'strict'

//
// Pipeline side, from the sink after the load (scripts/lib/verify.ts):
//   spate_records_lost, spate_records_duplicated, spate_records_mismatched   all zero
//   spate_end_to_end_latency   event time to visible in Redis, in milliseconds; with windowed
//                              ingestion it includes the window and the allowed lateness

export interface Profile {
  maxWriteP95Ms: number
  maxWriteP99Ms: number
  maxEndToEndP95Ms: number
  maxEndToEndP99Ms: number
  maxStartDelayP99Ms: number
}

export const profiles: Record<ProfileName, Profile> = {
  smoke: { maxWriteP95Ms: 1000, maxWriteP99Ms: 2000, maxEndToEndP95Ms: 45_000, maxEndToEndP99Ms: 60_000, maxStartDelayP99Ms: 1000 },
  default: { maxWriteP95Ms: 500, maxWriteP99Ms: 1000, maxEndToEndP95Ms: 25_000, maxEndToEndP99Ms: 30_000, maxStartDelayP99Ms: 250 },
  strict: { maxWriteP95Ms: 100, maxWriteP99Ms: 250, maxEndToEndP95Ms: 15_000, maxEndToEndP99Ms: 20_000, maxStartDelayP99Ms: 10 },
}

export function thresholdsFor (name: ProfileName, overrides: Partial<Profile> = {}, pipeline = true): Record<string, string[]> {
  const profile = { ...profiles[name], ...overrides }
  const producer = {
    kafka_writer_error_count: ['count==0'],
    dropped_iterations: ['count==0'],
    iteration_start_delay: [`p(99)<${profile.maxStartDelayP99Ms}`],
    kafka_writer_write_seconds: [`p(95)<${profile.maxWriteP95Ms}`, `p(99)<${profile.maxWriteP99Ms}`],
  }
  if (!pipeline) return producer
  return {
    ...producer,
    spate_records_lost: ['count==0'],
    spate_records_duplicated: ['count==0'],
    spate_records_mismatched: ['count==0'],
    // At least one record must have been verified: an empty sink is no pass.
    spate_records_verified: ['count>0'],
    spate_end_to_end_latency: [`p(95)<${profile.maxEndToEndP95Ms}`, `p(99)<${profile.maxEndToEndP99Ms}`],
  }
}

/**
 * The pipeline keeps up: after the warm-up, consumer lag grows by less than 1% of the offered
 * rate (the Theodolite / ShuffleBench criterion).
 */
export function keepsUpThresholds (): Record<string, string[]> {
  return { spate_lag_slope_ratio: ['max<0.01'] }
}

/**
 * The pipeline keeps up, judged from its output alone (SPATE_VERIFY_MODE=windows): window latency
 * (result visible minus window end) grows by less than 0.1 ms per ms of run, the Yahoo Streaming
 * Benchmark's flat-latency test. A pipeline that falls behind by a tenth of its input shows a
 * slope near 0.1; micro-batch jitter on short runs stays well below it.
 */
export function latencyTrendThresholds (): Record<string, string[]> {
  return { spate_latency_slope: ['max<0.1'] }
}

/** The processor's micro-batches stay under 30 s at p99 (the seed report's stability mark). */
export function batchThresholds (): Record<string, string[]> {
  return { spate_batch_duration_p99: ['max<30000'] }
}
