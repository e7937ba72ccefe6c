-- Adds a send (`<epoch s>:<s|c>`) to a verification's send log. A verification sent once has no log: its one send
-- is its creation, on the channel it still shows; the log is written out from the second send on.
local function logSend(key, at, channel)
  local r = redis.call('HMGET', key, 'sl', 'ct', 'ch')
  local log = r[1] or (tostring(math.floor(tonumber(r[2]) / 1000)) .. ':' .. (r[3] == 'c' and 'c' or 's'))
  redis.call('HSET', key, 'sl', log .. ',' .. tostring(math.floor(at / 1000)) .. ':' .. channel)
end
