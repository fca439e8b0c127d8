// Package executor runs a test's scenarios with k6's six executors, on one pool of VUs.
//
// A Scheduler is built from the scenarios of options.Options, this instance's execution
// segment, and the function that initializes a VU (the JS runtime). Init initializes the VUs the
// scenarios hold at the same time at most (counting each scenario from its startTime to the end
// of its gracefulStop; arrival-rate scenarios count their preAllocatedVUs); Run starts each
// scenario at its startTime and returns when all have ended.
//
// Every scenario takes its VUs from the pool when it starts and gives them back when it ends, so
// a later scenario reuses an earlier one's VUs; arrival-rate scenarios take more, up to maxVUs,
// while they run (initializing new ones when none is idle).
//
// Timing: a scenario stops starting iterations at the end of its duration (stages,
// maxDuration); iterations still running get gracefulStop, then their context is cancelled
// (interrupted). ramping-vus gives a VU above the target gracefulRampDown likewise.
//
// Segments: each executor runs this instance's share (see package segment). VUs of a scenario
// are the segment's indexes among its VU count; arrival-rate iterations are the segment's
// indexes among the global iteration numbers; shared-iterations gives an instance the
// iterations whose number modulo vus is one of its VU slots; per-vu-iterations numbers a VU's
// iterations after the VU's global slot. Iteration.InTest is unique across the instances.
//
// Metrics: dropped_iterations (an arrival-rate start with no idle VU; the iterations
// per-vu-iterations and shared-iterations had not started when maxDuration ended), iteration_start_delay
// (arrival-rate: actual minus scheduled start, ms), vus and vus_max every second; iterations
// and iteration_duration only with Config.EmitIterationMetrics. Samples carry the run's tags
// under the scenario's (with scenario=<name>).
package executor
