--[[
  Gives back places taken by reserve-places.lua when the send did not happen.

  KEYS: the counters to give a place back to
  Reply: 1
]]
for i = 1, #KEYS do
  if (tonumber(redis.call('GET', KEYS[i])) or 0) > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
