--[[
  Creates a verification, or sends the pending one of the number again with the same code; applies the number's
  cooldown and send window in the same step. Field names: shared/store/verification-record.ts.

  Number hash fields: cur = latest verification id, ls = last send, ws/wc = send window start/count.

  KEYS[1] the number's hash
  KEYS[2] the new verification's hash (used only when none is pending)

  ARGV[1]  now (ms)            ARGV[8]  max wrong checks     ARGV[13] number hash TTL (ms)
  ARGV[2]  new id              ARGV[9]  cooldown (ms)        ARGV[14] verification key prefix of the bucket
  ARGV[3]  sealed "to\ncode"   ARGV[10] send window (ms)
  ARGV[4]  code hash           ARGV[11] sends per window
  ARGV[5]  country             ARGV[12] how long an ended verification is kept (ms)
  ARGV[6]  number digest       ARGV[15] service id ('' = the default service)
  ARGV[7]  code TTL (ms)       ARGV[16] the number's digest in its service ('' = the number digest)

  Reply: { 'created' | 'resent', id, field, value, ... } | { 'limited', reason, retryAfterMs }
]]
local numberKey, newKey = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])
local newId, sealed, codeHash, country, digest = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local ttl, maxChecks = tonumber(ARGV[7]), tonumber(ARGV[8])
local cooldown, window, maxSends = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local retain, numberTtl = tonumber(ARGV[12]), tonumber(ARGV[13])
local verificationPrefix = ARGV[14]
local service, scopedDigest = ARGV[15], ARGV[16]

--- @include "append-record"

local n = redis.call('HMGET', numberKey, 'cur', 'ls', 'ws', 'wc')
local pendingKey, pendingId = nil, nil
if n[1] then
  local key = verificationPrefix .. n[1]
  local v = redis.call('HMGET', key, 's', 'xt')
  if v[1] == 'pending' then
    if tonumber(v[2]) > now then
      pendingKey, pendingId = key, n[1]
    else
      redis.call('HSET', key, 's', 'expired', 'ut', v[2])
      redis.call('PEXPIRE', key, retain)
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
  redis.call('HINCRBY', pendingKey, 'sa', 1)
  redis.call('HSET', pendingKey, 'ut', now, 'ds', 'queued', 'du', now)
  redis.call('HDEL', pendingKey, 'dm', 'dc', 'de')
  -- The number's state must outlive the pending verification it points to, or a check by number finds nothing.
  redis.call('PEXPIRE', numberKey, math.max(numberTtl, redis.call('PTTL', pendingKey)))
  return appendRecord({ 'resent', pendingId }, pendingKey)
end

local expires = now + ttl
redis.call('HSET', newKey,
  's', 'pending', 'e', sealed, 'h', codeHash, 'c', country, 'nd', digest,
  'sa', 1, 'ca', 0, 'mc', maxChecks, 'ct', now, 'ut', now, 'xt', expires, 'ds', 'queued', 'du', now)
if service ~= '' then redis.call('HSET', newKey, 'sv', service) end
if scopedDigest ~= '' then redis.call('HSET', newKey, 'ns', scopedDigest) end
redis.call('PEXPIREAT', newKey, expires + retain)
redis.call('HSET', numberKey, 'cur', newId)
redis.call('PEXPIRE', numberKey, math.max(numberTtl, expires + retain - now))
return appendRecord({ 'created', newId }, newKey)
