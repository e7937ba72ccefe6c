--[[
  Takes one place under each of several counters (per client IP, per country, global, a /v2 rate limit's buckets),
  or none if any of them is full. Counters live in one slot; each names its own window in its key.

  KEYS[i]         a counter
  ARGV[2i - 1]    its limit (0 = no limit: the key is not touched)
  ARGV[2i]        its TTL (ms), past the end of its window

  Reply: { 'ok' } | { 'limited', index of the full counter (1-based) }
]]
for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 * i - 1])
  if limit > 0 and (tonumber(redis.call('GET', KEYS[i])) or 0) >= limit then return { 'limited', i } end
end
for i = 1, #KEYS do
  if tonumber(ARGV[2 * i - 1]) > 0 then
    redis.call('INCR', KEYS[i])
    redis.call('PEXPIRE', KEYS[i], ARGV[2 * i])
  end
end
return { 'ok' }
