--[[
  Records a delivery step. Only the latest send attempt is recorded, and only forwards (see delivery-rank).
  With a message id: a different stored message id means another message, ignored; none stored yet means this is
  the one (a send whose outcome was unknown, confirmed by its receipt). Field names:
  shared/store/verification-record.ts.

  KEYS[1] the verification's hash

  ARGV[1] now (ms)                            ARGV[5] error code ('' = none)
  ARGV[2] send attempt ('' = any)             ARGV[6] error message
  ARGV[3] provider message id ('' = none)     ARGV[7] '1': the stored message id must already be this one
  ARGV[4] delivery status

  Reply: when recorded, { the verification's creation time (ms), for delivery-time metrics; the delivery status it
  had before }; 0 when ignored
]]
local key = KEYS[1]
local now, attempt, messageId, status = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local errorCode, errorMessage, strict = ARGV[5], ARGV[6], ARGV[7] == '1'

--- @include "delivery-rank"

local v = redis.call('HMGET', key, 'sa', 'ds', 'dm', 'ct')
if not v[1] then return 0 end
if attempt ~= '' and v[1] ~= attempt then return 0 end
if messageId ~= '' then
  if v[3] and v[3] ~= messageId then return 0 end
  if not v[3] then
    if strict then return 0 end
    redis.call('HSET', key, 'dm', messageId)
  end
end
if deliveryRank(status) <= deliveryRank(v[2]) and status ~= v[2] then return 0 end
redis.call('HSET', key, 'ds', status, 'du', now)
if errorCode ~= '' then redis.call('HSET', key, 'dc', errorCode, 'de', errorMessage) end
return { tonumber(v[4]) or 1, v[2] or 'queued' }
