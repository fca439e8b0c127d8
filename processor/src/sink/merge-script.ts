// The Lua script that writes one partition's share of a key's window and recomputes the merged
// result hash from every share it holds (docs/sink.md). Why: a key whose records sit in two
// partitions (an explicitly partitioned or custom-partitioned producer) closes its window once
// per partition; a plain overwrite would keep the last writer's numbers. Merging the shares,
// sorted by partition, gives the same result in whatever order and however often they are
// written, so replays stay idempotent.
import { createHash } from 'node:crypto'

// KEYS[1] the result hash. ARGV: share field (part:<partition>), share value
// ("count sum min max extra..."), start, end, writtenAt, ttl ms, then the extras' field names.
export const mergeScript = `
local key = KEYS[1]
redis.call('HSET', key, ARGV[1], ARGV[2])
local flat = redis.call('HGETALL', key)
local parts = {}
for i = 1, #flat, 2 do
  local p = string.match(flat[i], '^part:(%d+)$')
  if p then parts[#parts + 1] = { tonumber(p), flat[i + 1] } end
end
table.sort(parts, function (a, b) return a[1] < b[1] end)
local function split (s)
  local t = {}
  for w in string.gmatch(s, '%S+') do t[#t + 1] = w end
  return t
end
-- Shortest of 15, 16 or 17 significant digits that reads back as the same double.
local function fmt (x)
  for _, digits in ipairs({ 15, 16, 17 }) do
    local s = string.format('%.' .. digits .. 'g', x)
    if tonumber(s) == x then return s end
  end
  return string.format('%.17g', x)
end
local merged
if #parts == 1 then
  merged = split(parts[1][2])
else
  local acc = split(parts[1][2])
  for i = 1, #acc do acc[i] = tonumber(acc[i]) end
  for j = 2, #parts do
    local v = split(parts[j][2])
    acc[1] = acc[1] + tonumber(v[1])
    acc[2] = acc[2] + tonumber(v[2])
    acc[3] = math.min(acc[3], tonumber(v[3]))
    acc[4] = math.max(acc[4], tonumber(v[4]))
    for i = 5, #acc do acc[i] = acc[i] + tonumber(v[i]) end
  end
  merged = {}
  for i = 1, #acc do merged[i] = fmt(acc[i]) end
end
local names = { 'count', 'sum', 'min', 'max' }
for i = 7, #ARGV do names[#names + 1] = ARGV[i] end
local args = { key, 'start', ARGV[3], 'end', ARGV[4], 'writtenAt', ARGV[5] }
for i = 1, #names do
  args[#args + 1] = names[i]
  args[#args + 1] = merged[i]
end
redis.call('HSET', unpack(args))
if tonumber(ARGV[6]) > 0 then redis.call('PEXPIRE', key, ARGV[6]) end
return #parts
`

export const mergeScriptSha = createHash('sha1').update(mergeScript).digest('hex')
