// The Lua script that writes partitions' shares of keys' windows and recomputes each merged
// result hash from every share it holds (docs/sink.md). Why: a key whose records sit in two
// partitions (an explicitly partitioned or custom-partitioned producer) closes its window once
// per partition; a plain overwrite would keep the last writer's numbers. Merging the shares,
// sorted by partition, gives the same result in whatever order and however often they are
// written, so replays stay idempotent.
//
// One call writes many keys of one partition's window: the per-call cost of a script in Redis
// (about as much as the writes themselves) is paid once for them all.
import { createHash } from 'node:crypto'

// KEYS: the result hashes, one per key of the window.
// ARGV: the share's field (part:<partition>), partition, ttl ms, start, end, writtenAt, the
// number of extras E, the E extras' names, then for each key in KEYS order its share's 4 + E
// numbers: count, sum, min, max, extras.
// The `parts` field lists the partitions that wrote a share; while it names only this one (the
// usual case), the share's numbers are the result and one HSET writes everything.
export const mergeScript = `
local field = ARGV[1]
local partition = ARGV[2]
local ttl = tonumber(ARGV[3])
local start, stop, writtenAt = ARGV[4], ARGV[5], ARGV[6]
local extras = tonumber(ARGV[7])
local names = { 'count', 'sum', 'min', 'max' }
for i = 1, extras do names[4 + i] = ARGV[7 + i] end
local width = 4 + extras
local a = 8 + extras

-- Shortest of 15, 16 or 17 significant digits that reads back as the same double.
local function fmt (x)
  for _, digits in ipairs({ 15, 16, 17 }) do
    local s = string.format('%.' .. digits .. 'g', x)
    if tonumber(s) == x then return s end
  end
  return string.format('%.17g', x)
end

for k = 1, #KEYS do
  local key = KEYS[k]
  local share = {}
  for i = 1, width do share[i] = ARGV[a + i - 1] end
  a = a + width
  local fields = { key, field, table.concat(share, ' '), 'start', start, 'end', stop, 'writtenAt', writtenAt }
  local parts = redis.call('HGET', key, 'parts')
  if not parts or parts == partition then
    for i = 1, width do
      fields[#fields + 1] = names[i]
      fields[#fields + 1] = share[i]
    end
    fields[#fields + 1] = 'parts'
    fields[#fields + 1] = partition
    redis.call('HSET', unpack(fields))
  else
    local list = {}
    local seen = false
    for p in string.gmatch(parts, '[^,]+') do
      list[#list + 1] = tonumber(p)
      if p == partition then seen = true end
    end
    if not seen then list[#list + 1] = tonumber(partition) end
    table.sort(list)
    fields[#fields + 1] = 'parts'
    fields[#fields + 1] = table.concat(list, ',')
    redis.call('HSET', unpack(fields))
    local shareFields = {}
    for i = 1, #list do shareFields[i] = 'part:' .. list[i] end
    local shares = redis.call('HMGET', key, unpack(shareFields))
    local acc
    for _, text in ipairs(shares) do
      local v = {}
      for w in string.gmatch(text, '%S+') do v[#v + 1] = tonumber(w) end
      if not acc then
        acc = v
      else
        acc[1] = acc[1] + v[1]
        acc[2] = acc[2] + v[2]
        acc[3] = math.min(acc[3], v[3])
        acc[4] = math.max(acc[4], v[4])
        for i = 5, #acc do acc[i] = acc[i] + v[i] end
      end
    end
    local merged = { key }
    for i = 1, width do
      merged[#merged + 1] = names[i]
      merged[#merged + 1] = fmt(acc[i])
    end
    redis.call('HSET', unpack(merged))
  end
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
end
return #KEYS
`

export const mergeScriptSha = createHash('sha1').update(mergeScript).digest('hex')
