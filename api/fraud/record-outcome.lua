--[[
  The fraud guard's step when a verification ends: approved (the number is then known, and always passes), or ended
  otherwise (canceled, out of attempts). Counted in the bucket of when its code was sent, if that is still in the
  window, and, for the prefix, only if it was sent after the prefix's last block (`from`).

  KEYS[1] the prefix's window       KEYS[3] the timeline
  KEYS[2] the country's window      KEYS[4] the number's "approved before" marker

  ARGV[1] now (ms)                  ARGV[4] window (ms)
  ARGV[2] when the code was sent    ARGV[5] 'a' approved, 'e' ended otherwise
  ARGV[3] bucket (ms)               ARGV[6] how long an approved number is remembered (ms)

  Reply: 1 when counted for the prefix, else 0
]]
local now, sentAt, bucketMs, windowMs, kind, rememberMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])

if kind == 'a' then redis.call('SET', KEYS[4], '1', 'PX', rememberMs) end
if sentAt < now - windowMs then return 0 end
local field = math.floor(sentAt / bucketMs) .. ':' .. kind
for k = 2, 3 do
  if redis.call('EXISTS', KEYS[k]) == 1 then redis.call('HINCRBY', KEYS[k], field, 1) end
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local from = tonumber(redis.call('HGET', KEYS[1], 'from')) or 0
if sentAt < from then return 0 end
redis.call('HINCRBY', KEYS[1], field, 1)
return 1
