--[[
  Takes one place under each configured shared send limit (per client IP, per country, global; each per clock
  hour), or none if any of them is full.

  KEYS[1] the client IP's counter   KEYS[2] the country's counter   KEYS[3] the global counter
  (always three names; a limit of 0 leaves its key untouched)

  ARGV[1] IP limit   ARGV[2] country limit   ARGV[3] global limit   (0 = no limit)
  ARGV[4] counter TTL (ms)

  Reply: { 'ok' } | { 'limited', index of the full limit (1-based) }
]]
local limits = { tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]) }
local ttl = ARGV[4]

for i = 1, 3 do
  if limits[i] > 0 and (tonumber(redis.call('GET', KEYS[i])) or 0) >= limits[i] then return { 'limited', i } end
end
for i = 1, 3 do
  if limits[i] > 0 then
    redis.call('INCR', KEYS[i])
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
return { 'ok' }
