import { Script } from './script.js'

/*
 * The verification store's Lua. Each script is one atomic decision over keys of one hash slot: a number's state
 * hash and its verifications (see keys.ts). Times are milliseconds since the epoch, passed in by the caller so
 * that tests can move the clock and every process agrees on one.
 *
 * Verification hash fields:
 *   s  status            e  sealed "to\ncode" (AES-GCM)   h  keyed code hash     nd number digest
 *   c  country           sa send attempts                 ca wrong checks        mc max wrong checks
 *   ct created           ut updated                       xt expires
 *   ds delivery status   du delivery updated              dm provider message id dc/de delivery error
 * Number hash fields:
 *   cur latest verification id   ls last send   ws/wc send window start/count   fs/fc failed-check window start/count
 */

const common = `
local RANK = { queued = 0, sending = 1, sent = 2, delivered = 3, undelivered = 3, failed = 3, skipped = 3 }
local function rank(status)
  return RANK[status or 'queued'] or 0
end
local function flat(key)
  return redis.call('HGETALL', key)
end
`

/**
 * Create a verification, or send the pending one again with the same code; applies the per-number cooldown and
 * send window in the same step.
 * KEYS: number hash, new verification hash
 * ARGV: now, id, sealed, hash, country, digest, ttlMs, maxCheck, cooldownMs, windowMs, maxSends, retainMs,
 *       numberTtlMs, verificationPrefix
 * Reply: {'created'} | {'resent', id, ...fields} | {'limited', reason, retryAfterMs}
 */
export const createScript = new Script(
  'create',
  `${common}
local numKey, newKey = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])
local cooldown, window, maxSends = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local retain, numTtl = tonumber(ARGV[12]), tonumber(ARGV[13])

local n = redis.call('HMGET', numKey, 'cur', 'ls', 'ws', 'wc')
local pendingKey, pendingId = nil, nil
if n[1] then
  local key = ARGV[14] .. n[1]
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

local last = tonumber(n[2])
if last and cooldown > 0 and now - last < cooldown then
  return { 'limited', 'number_cooldown', last + cooldown - now }
end
local windowStart, windowCount = tonumber(n[3]), tonumber(n[4]) or 0
if not windowStart or now - windowStart >= window then
  windowStart, windowCount = now, 0
end
if windowCount >= maxSends then
  return { 'limited', 'number_window', windowStart + window - now }
end

redis.call('HSET', numKey, 'ls', now, 'ws', windowStart, 'wc', windowCount + 1)

if pendingKey then
  local attempts = redis.call('HINCRBY', pendingKey, 'sa', 1)
  redis.call('HSET', pendingKey, 'ut', now, 'ds', 'queued', 'du', now)
  redis.call('HDEL', pendingKey, 'dm', 'dc', 'de')
  redis.call('PEXPIRE', numKey, numTtl)
  local reply = { 'resent', pendingId }
  for _, v in ipairs(flat(pendingKey)) do reply[#reply + 1] = v end
  return reply
end

local expires = now + tonumber(ARGV[7])
redis.call('HSET', newKey,
  's', 'pending', 'e', ARGV[3], 'h', ARGV[4], 'c', ARGV[5], 'nd', ARGV[6],
  'sa', 1, 'ca', 0, 'mc', ARGV[8], 'ct', now, 'ut', now, 'xt', expires, 'ds', 'queued', 'du', now)
redis.call('PEXPIREAT', newKey, expires + retain)
redis.call('HSET', numKey, 'cur', ARGV[2])
redis.call('PEXPIRE', numKey, math.max(numTtl, expires + retain - now))
return { 'created' }
`,
)

/**
 * Check a code: expiry, attempt limit, the per-number budget of wrong codes, constant-time comparison and
 * one-time use, in one step, so concurrent checks can neither approve twice nor exceed the limit.
 * KEYS: the verification hash (mode 'id') or the number hash (mode 'number')
 * ARGV: mode, now, candidateHash, retainMs, verificationPrefix, numberPrefix, failedLimit (0 = none),
 *       failedWindowMs, numberTtlMs
 * Reply: {'not_found'} | {'limited', reason, retryAfterMs} | {outcome, id, ...fields}
 *        where outcome is 'approved', 'wrong' or 'not_pending'
 */
export const checkScript = new Script(
  'check',
  `${common}
local mode, now = ARGV[1], tonumber(ARGV[2])
local retain, failedLimit, failedWindow, numTtl = tonumber(ARGV[4]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])

local id, recKey, numKey
if mode == 'number' then
  numKey = KEYS[1]
  id = redis.call('HGET', numKey, 'cur')
  if not id then return { 'not_found' } end
  recKey = ARGV[5] .. id
else
  recKey = KEYS[1]
  id = string.sub(recKey, string.len(ARGV[5]) + 1)
end

local v = redis.call('HMGET', recKey, 's', 'xt', 'ca', 'mc', 'h', 'nd')
if not v[1] then return { 'not_found' } end
if not numKey then numKey = ARGV[6] .. v[6] end

local function reply(outcome)
  local out = { outcome, id }
  for _, f in ipairs(flat(recKey)) do out[#out + 1] = f end
  return out
end

local status = v[1]
if status == 'pending' and now >= tonumber(v[2]) then
  status = 'expired'
  redis.call('HSET', recKey, 's', status, 'ut', v[2])
  redis.call('PEXPIRE', recKey, retain)
end
if status ~= 'pending' then return reply('not_pending') end

-- The per-number budget counts wrong codes across verifications, so asking for new codes does not reset it.
local fs, fc = nil, 0
if failedLimit > 0 then
  local f = redis.call('HMGET', numKey, 'fs', 'fc')
  fs, fc = tonumber(f[1]), tonumber(f[2]) or 0
  if not fs or now - fs >= failedWindow then fs, fc = now, 0 end
  if fc >= failedLimit then return { 'limited', 'number_failed_checks', fs + failedWindow - now } end
end

-- Constant time over the whole hash: the time taken does not depend on where the two differ.
local stored, candidate = v[5], ARGV[3]
local diff = (string.len(stored) == string.len(candidate)) and 0 or 1
for i = 1, string.len(stored) do
  diff = bit.bor(diff, bit.bxor(string.byte(stored, i), string.byte(candidate, i) or 0))
end

if diff == 0 then
  redis.call('HSET', recKey, 's', 'approved', 'ut', now)
  redis.call('PEXPIRE', recKey, retain)
  return reply('approved')
end

local attempts = tonumber(v[3]) + 1
redis.call('HSET', recKey, 'ca', attempts, 'ut', now)
if attempts >= tonumber(v[4]) then
  redis.call('HSET', recKey, 's', 'max_attempts_reached')
  redis.call('PEXPIRE', recKey, retain)
end
if failedLimit > 0 then
  redis.call('HSET', numKey, 'fs', fs, 'fc', fc + 1)
  redis.call('PEXPIRE', numKey, math.max(redis.call('PTTL', numKey), failedWindow, numTtl))
end
return reply('wrong')
`,
)

/**
 * Cancel a pending verification.
 * KEYS: verification hash. ARGV: now, retainMs
 * Reply: {'not_found'} | {'canceled' | 'not_pending', ...fields}
 */
export const cancelScript = new Script(
  'cancel',
  `${common}
local key, now, retain = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local v = redis.call('HMGET', key, 's', 'xt')
if not v[1] then return { 'not_found' } end
local outcome = 'not_pending'
if v[1] == 'pending' and now >= tonumber(v[2]) then
  redis.call('HSET', key, 's', 'expired', 'ut', v[2])
  redis.call('PEXPIRE', key, retain)
elseif v[1] == 'pending' then
  redis.call('HSET', key, 's', 'canceled', 'ut', now)
  redis.call('PEXPIRE', key, retain)
  outcome = 'canceled'
end
local out = { outcome }
for _, f in ipairs(flat(key)) do out[#out + 1] = f end
return out
`,
)

/**
 * A worker takes a send job: decides whether to send at all (idempotency, expiry, supersession).
 * KEYS: verification hash. ARGV: now, sendAttempt
 * Reply: {'gone'} | {'superseded'} | {'already_sent'} | {'skip', status} | {'send', sealed, expiresAt}
 */
export const claimScript = new Script(
  'claim',
  `${common}
local key, now, attempt = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local v = redis.call('HMGET', key, 's', 'xt', 'sa', 'ds', 'dm', 'e')
if not v[1] then return { 'gone' } end
-- A newer send of the same code was queued after this one: that job sends, this one would be a duplicate.
if tonumber(v[3]) > attempt then return { 'superseded' } end
local status = v[1]
if status == 'pending' and now >= tonumber(v[2]) then status = 'expired' end
if status ~= 'pending' then
  if rank(v[4]) < 3 then redis.call('HSET', key, 'ds', 'skipped', 'du', now) end
  return { 'skip', status }
end
if v[5] then return { 'already_sent' } end
if v[4] == 'queued' then redis.call('HSET', key, 'ds', 'sending', 'du', now) end
return { 'send', v[6], v[2] }
`,
)

/**
 * Record a delivery step. Only the latest send attempt is recorded, and only forwards
 * (queued < sending < sent < delivered | undelivered | failed | skipped).
 * KEYS: verification hash
 * ARGV: now, attempt ('' = any), messageId ('' = none), status, errorCode, errorMessage, strict
 *   With a messageId: a different stored message id means another message, ignored; none stored yet means this is
 *   the one (a send whose outcome was unknown, confirmed by its receipt). strict = '1': the stored id must match.
 * Reply: the verification's creation time when recorded (for delivery-time metrics), 0 when ignored
 */
export const deliveryScript = new Script(
  'delivery',
  `${common}
local key, now, messageId = KEYS[1], tonumber(ARGV[1]), ARGV[3]
local v = redis.call('HMGET', key, 'sa', 'ds', 'dm', 'ct')
if not v[1] then return 0 end
if ARGV[2] ~= '' and v[1] ~= ARGV[2] then return 0 end
if messageId ~= '' then
  if v[3] and v[3] ~= messageId then return 0 end
  if not v[3] then
    if ARGV[7] == '1' then return 0 end
    redis.call('HSET', key, 'dm', messageId)
  end
end
if rank(ARGV[4]) <= rank(v[2]) and ARGV[4] ~= v[2] then return 0 end
redis.call('HSET', key, 'ds', ARGV[4], 'du', now)
if ARGV[5] ~= '' then redis.call('HSET', key, 'dc', ARGV[5], 'de', ARGV[6]) end
return tonumber(v[4]) or 1
`,
)
