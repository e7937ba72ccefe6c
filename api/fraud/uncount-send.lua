--[[
  Takes back a send the fraud guard counted but that did not happen (a per-number limit refused it next).

  KEYS[1] the prefix's window    KEYS[2] the country's window    KEYS[3] the timeline
  ARGV[1] when it was counted (ms)    ARGV[2] bucket (ms)

  Reply: 1
]]
local field = math.floor(tonumber(ARGV[1]) / tonumber(ARGV[2])) .. ':s'
for k = 1, 3 do
  if tonumber(redis.call('HGET', KEYS[k], field) or '0') > 0 then redis.call('HINCRBY', KEYS[k], field, -1) end
end
return 1
