// Deterministic messages in the three schema complexities (docs/messages.md). A message is a
// function of (runId, seq, keys, eventTime) only, so a run can be regenerated and checked; every
// message carries its run id, sequence number, key and event time for the sink-side checks.
// No k6 script API or Node APIs here: the benchmarks and tests import this module too. The
// engine's native generator (produce({generate})) builds the same bytes, and a Go test compares
// the two, so a change here needs the same change in engine/internal/contract.
import type { RecordBody } from '../../contract/messages.ts'

export type Schema = 'basic' | 'medium' | 'complex'

const REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south', 'ap-east']
const TIERS = ['free', 'pro', 'enterprise']
const ACTIONS = ['view', 'click', 'add-to-cart', 'purchase', 'refund']
const OS = ['android', 'ios', 'linux', 'windows', 'macos']
const COUNTRIES = ['DE', 'FR', 'US', 'IN', 'JP', 'BR']
const WORDS = 'the parcel arrived two days late but the support team replaced the damaged item quickly and refunded the shipping cost so overall the experience was good and I would order from this shop again without hesitation especially for gifts and seasonal items that need to arrive on time'.split(' ')

/** A small PRNG seeded by the sequence number (mulberry32). */
function random (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function pick<T> (values: readonly T[], r: () => number): T {
  return values[Math.floor(r() * values.length)] as T
}

export function keyOf (seq: number, keys: number): string {
  return `k${seq % keys}`
}

export interface Message {
  key: string
  value: string
}

const PADDING = 'x'.repeat(40)

/** The value of a basic message: a cheap function of seq (no PRNG), two decimals. */
function basicValue (seq: number): number {
  return (Math.imul(seq, 2654435761) >>> 0) % 10_000 / 100
}

export function message (schema: Schema, runId: string, seq: number, keys: number, eventTime: number): Message {
  const key = keyOf(seq, keys)
  if (schema === 'basic') {
    // Built as a string: in the engine's JavaScript runtime this is several times faster than
    // JSON.stringify, and basic messages are the ones produced at the highest rates. runId and
    // key hold no characters that JSON would escape (config.ts checks runId).
    return { key, value: `{"runId":"${runId}","seq":${seq},"key":"${key}","eventTime":${eventTime},"value":${basicValue(seq)},"source":"spate-load","payload":"${PADDING}"}` }
  }
  const r = random(seq ^ 0x5bd1e995)
  const value = Math.round(r() * 10_000) / 100
  const base: RecordBody = { runId, seq, key, eventTime, value }
  switch (schema) {
    case 'medium':
      return {
        key,
        value: JSON.stringify({
          ...base,
          action: pick(ACTIONS, r),
          user: { id: `u${Math.floor(r() * 1_000_000)}`, region: pick(REGIONS, r), tier: pick(TIERS, r), since: 1_600_000_000_000 + Math.floor(r() * 1e11) },
          session: { id: `s${seq.toString(36)}`, page: `/p/${Math.floor(r() * 500)}`, referrer: 'https://example.org/landing' },
          attributes: { campaign: `c${Math.floor(r() * 50)}`, experiment: r() < 0.5 ? 'a' : 'b', score: Math.round(r() * 1000) / 10 },
        }),
      }
    case 'complex': {
      const items = Array.from({ length: 3 + Math.floor(r() * 6) }, (_, i) => ({
        sku: `sku-${Math.floor(r() * 100_000)}`,
        qty: 1 + Math.floor(r() * 5),
        price: Math.round(r() * 20_000) / 100,
        attrs: { color: pick(['red', 'green', 'blue', 'black'], r), size: pick(['S', 'M', 'L', 'XL'], r), line: i },
      }))
      return {
        key,
        value: JSON.stringify({
          ...base,
          order: { id: `o${seq.toString(36)}`, currency: 'EUR', coupon: r() < 0.2 ? `SAVE${Math.floor(r() * 30)}` : null },
          items,
          context: {
            device: { os: pick(OS, r), version: `${1 + Math.floor(r() * 15)}.${Math.floor(r() * 10)}`, model: `m-${Math.floor(r() * 900)}` },
            geo: { country: pick(COUNTRIES, r), city: `city-${Math.floor(r() * 300)}`, lat: Math.round(r() * 18000) / 100 - 90, lon: Math.round(r() * 36000) / 100 - 180 },
            network: { type: pick(['wifi', '4g', '5g'], r), latencyMs: Math.floor(r() * 300) },
          },
          user: { id: `u${Math.floor(r() * 1_000_000)}`, region: pick(REGIONS, r), tier: pick(TIERS, r), segments: [pick(TIERS, r), pick(ACTIONS, r), pick(REGIONS, r)] },
          tags: Array.from({ length: 2 + Math.floor(r() * 4) }, () => `t${Math.floor(r() * 100)}`),
          userAgent: 'Mozilla/5.0 (Linux; Android 14; m-204) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36',
          comment: WORDS.slice(0, 20 + Math.floor(r() * 40)).join(' '),
        }),
      }
    }
  }
}
