// The Lua script that writes one partition's share of a key's window and recomputes the merged
// result hash from every share it holds (docs/sink.md). Why: a key whose records sit in two
// partitions (an explicitly partitioned or custom-partitioned producer) closes its window once
// per partition; a plain overwrite would keep the last writer's numbers. Merging the shares,
// sorted by partition, gives the same result in whatever order and however often they are
// written, so replays stay idempotent.
import { createHash } from 'node:crypto'

// KEYS[1] the result hash. ARGV: share field (part:<partition>), share value
// ("count sum min max extra..."), partition, ttl ms, then field/value pairs: start, end,
// writtenAt, count, sum, min, max and the extras, the share's own numbers. The `parts` field
// lists the partitions that wrote a share; while it names only this one (the usual case), the
// share's numbers are the result and one HSET writes everything.
export const mergeScript = `
local key = KEYS[1]
local partition = ARGV[3]
local parts = redis.call('HGET', key, 'parts')
local fields = { key, ARGV[1], ARGV[2] }
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
if not parts or parts == partition then
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
  local names = {}
  for i = 11, #ARGV, 2 do names[#names + 1] = ARGV[i] end
  local shareFields = {}
  for i = 1, #list do shareFields[i] = 'part:' .. list[i] end
  local shares = redis.call('HMGET', key, unpack(shareFields))
  local acc
  for _, share in ipairs(shares) do
    local v = {}
    for w in string.gmatch(share, '%S+') do v[#v + 1] = tonumber(w) end
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
  -- Shortest of 15, 16 or 17 significant digits that reads back as the same double.
  local function fmt (x)
    for _, digits in ipairs({ 15, 16, 17 }) do
      local s = string.format('%.' .. digits .. 'g', x)
      if tonumber(s) == x then return s end
    end
    return string.format('%.17g', x)
  end
  local merged = { key }
  for i = 1, #names do
    merged[#merged + 1] = names[i]
    merged[#merged + 1] = fmt(acc[i])
  end
  redis.call('HSET', unpack(merged))
end
if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', key, ARGV[4]) end
return 1
`

export const mergeScriptSha = createHash('sha1').update(mergeScript).digest('hex')
