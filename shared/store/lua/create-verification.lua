--[[
  Creates a verification, or sends the pending one of the number again with the same code; applies the number's
  cooldown and send window in the same step. Field names: shared/store/verification-record.ts.

  Number hash fields: cur = latest verification id, ls = last send, ws/wc = send window start/count.

  KEYS[1] the number's hash (in its service)
  KEYS[2] the new verification's hash (used only when no pending one is sent again)

  ARGV[1] now (ms)                 ARGV[6]  sends per window                ARGV[11] channel of this send: 's' | 'c'
  ARGV[2] new id                   ARGV[7]  how long an ended verification  ARGV[12…] the new record's fields:
  ARGV[3] code TTL (ms)                     is kept (ms)                               field, value, field, value …
  ARGV[4] cooldown (ms)            ARGV[8]  number hash TTL (ms)
  ARGV[5] send window (ms)         ARGV[9]  verification key prefix of the bucket
                                   ARGV[10] 'resend': a pending one is sent again; 'fresh': always a new one

  Reply: { 'created' | 'resent', id, field, value, ... } | { 'limited', reason, retryAfterMs }
]]
local numberKey, newKey = KEYS[1], KEYS[2]
local now, newId = tonumber(ARGV[1]), ARGV[2]
local ttl, cooldown, window, maxSends = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local retain, numberTtl, verificationPrefix = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local mode, channel = ARGV[10], ARGV[11]
local FIRST_FIELD = 12

--- @include "append-record"
--- @include "log-send"

local n = redis.call('HMGET', numberKey, 'cur', 'ls', 'ws', 'wc')
local pendingKey, pendingId = nil, nil
if n[1] then
  local key = verificationPrefix .. n[1]
  local v = redis.call('HMGET', key, 's', 'xt')
  if v[1] == 'pending' then
    if tonumber(v[2]) <= now then
      redis.call('HSET', key, 's', 'expired', 'ut', v[2])
      redis.call('PEXPIRE', key, retain)
    elseif mode == 'resend' then
      pendingKey, pendingId = key, n[1]
    end
  end
end

local lastSend = tonumber(n[2])
if lastSend and cooldown > 0 and now - lastSend < cooldown then
  return { 'limited', 'number_cooldown', lastSend + cooldown - now }
end
local windowStart, windowCount = tonumber(n[3]), tonumber(n[4]) or 0
if not windowStart or now - windowStart >= window then
  windowStart, windowCount = now, 0
end
if windowCount >= maxSends then
  return { 'limited', 'number_window', windowStart + window - now }
end

redis.call('HSET', numberKey, 'ls', now, 'ws', windowStart, 'wc', windowCount + 1)

if pendingKey then
  -- Seconds are enough: a send's time is shown to the second.
  logSend(pendingKey, now, channel)
  redis.call('HINCRBY', pendingKey, 'sa', 1)
  redis.call('HSET', pendingKey, 'ut', now, 'ds', 'queued', 'du', now)
  redis.call('HDEL', pendingKey, 'dm', 'dc', 'de')
  if channel == 'c' then redis.call('HSET', pendingKey, 'ch', 'c') else redis.call('HDEL', pendingKey, 'ch') end
  -- The number's state must outlive the pending verification it points to, or a check by number finds nothing.
  redis.call('PEXPIRE', numberKey, math.max(numberTtl, redis.call('PTTL', pendingKey)))
  return appendRecord({ 'resent', pendingId }, pendingKey)
end

local expires = now + ttl
-- Updated, delivery updated and the send log are left out until they differ from the creation (every
-- verification pays for each field; the record codec reads them as the creation's).
local record = { 's', 'pending', 'sa', 1, 'ca', 0, 'ct', now, 'xt', expires, 'ds', 'queued' }
for i = FIRST_FIELD, #ARGV do record[#record + 1] = ARGV[i] end
if channel == 'c' then
  record[#record + 1] = 'ch'
  record[#record + 1] = 'c'
end
redis.call('HSET', newKey, unpack(record))
redis.call('PEXPIREAT', newKey, expires + retain)
redis.call('HSET', numberKey, 'cur', newId)
redis.call('PEXPIRE', numberKey, math.max(numberTtl, expires + retain - now))
return appendRecord({ 'created', newId }, newKey)
