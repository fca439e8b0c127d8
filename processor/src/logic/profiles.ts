// The three logic profiles, mirroring the seed report's logic complexities. Each turns a decoded
// record into what its window aggregates: the value, plus a few profile-specific numbers
// ("extras") that are summed per key and window.
//   basic    parse + upsert
//   medium   validate user fields, enrich the region with its zone and the tier with a weight
//   complex  flatten nested items and device context, several aggregations
import { DeadLetter, type Decoded, type RecordFields } from '../decode/record.ts'
import type { Profile } from '../config/types.ts'

export interface Contribution {
  value: number
  /** Summed per key and window, in the order of Logic.extras. */
  extras: number[]
}

export interface Logic {
  profile: Profile
  extras: readonly string[]
  apply (record: Decoded): Contribution | DeadLetter
  /**
   * The same as apply for a logic that reads only the five fields every record has: records
   * then take the fast path (decode/fast-record.ts), which builds no body.
   */
  applyFields?: (record: RecordFields) => Contribution | DeadLetter
}

const NONE: number[] = []

const basicContribution = (record: RecordFields): Contribution => ({ value: record.value, extras: NONE })

const basic: Logic = {
  profile: 'basic',
  extras: [],
  apply: basicContribution,
  applyFields: basicContribution,
}

// Enrichment tables: what a real job would load from a reference store.
const ZONE_OF_REGION: Record<string, number> = { 'eu-west': 1, 'eu-central': 1, 'us-east': 2, 'us-west': 2, 'ap-south': 3, 'ap-east': 3 }
const WEIGHT_OF_TIER: Record<string, number> = { free: 0, pro: 1, enterprise: 3 }

function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

const medium: Logic = {
  profile: 'medium',
  extras: ['weighted', 'enterprise', 'zoneSum'],
  apply (record) {
    const user = record.body.user
    if (!isObject(user)) return new DeadLetter('missing-field', 'user object is missing')
    const { id, region, tier } = user
    if (typeof id !== 'string' || id === '') return new DeadLetter('wrong-type', 'user.id must be a non-empty string')
    if (typeof region !== 'string' || typeof tier !== 'string') return new DeadLetter('wrong-type', 'user.region and user.tier must be strings')
    const zone = ZONE_OF_REGION[region]
    const weight = WEIGHT_OF_TIER[tier]
    if (zone === undefined) return new DeadLetter('invalid', `unknown user.region "${region}"`)
    if (weight === undefined) return new DeadLetter('invalid', `unknown user.tier "${tier}"`)
    if (record.value < 0) return new DeadLetter('invalid', 'value must not be negative')
    return { value: record.value, extras: [record.value * weight, tier === 'enterprise' ? 1 : 0, zone] }
  },
}

const complex: Logic = {
  profile: 'complex',
  extras: ['items', 'revenue', 'lines', 'mobile'],
  apply (record) {
    const { items, context } = record.body
    if (!Array.isArray(items)) return new DeadLetter('missing-field', 'items array is missing')
    if (!isObject(context) || !isObject(context.device)) return new DeadLetter('missing-field', 'context.device is missing')
    let quantity = 0
    let revenue = 0
    for (const item of items) {
      if (!isObject(item)) return new DeadLetter('wrong-type', 'items[] must hold objects')
      const { sku, qty, price } = item
      if (typeof sku !== 'string' || typeof qty !== 'number' || typeof price !== 'number') {
        return new DeadLetter('wrong-type', 'items[] need sku (string), qty and price (numbers)')
      }
      if (!Number.isInteger(qty) || qty < 0 || !(price >= 0)) return new DeadLetter('invalid', `item ${sku} has a negative or fractional quantity or price`)
      quantity += qty
      revenue += qty * price
    }
    const os = context.device.os
    return { value: record.value, extras: [quantity, revenue, items.length, os === 'android' || os === 'ios' ? 1 : 0] }
  },
}

export const logics: Record<Profile, Logic> = { basic, medium, complex }
