--[[
  Checks a code: expiry, the attempt limit, the number's daily budget of wrong codes, constant-time comparison and
  one-time use, in one step, so concurrent checks can neither approve twice nor go past a limit.
  Field names: shared/store/verification-record.ts. Number hash fields: cur = latest verification id,
  fs/fc = failed-check window start/count.

  KEYS[1] the verification's hash (mode 'id') or the number's hash (mode 'number')

  ARGV[1] mode: 'id' | 'number'                  ARGV[7]  wrong codes per number per window (0 = no budget)
  ARGV[2] now (ms)                               ARGV[8]  that window (ms)
  ARGV[3] hash of the candidate code, `kid.hash` ARGV[9]  number hash TTL (ms)
  ARGV[4] how long an ended verification is kept ARGV[10] the candidate's hash with the previous key ('' = none)
  ARGV[5] verification key prefix of the bucket  ARGV[11] mode 'id': the service the verification must belong to
  ARGV[6] number key prefix of the bucket                 ('' = the default service)
                                                 ARGV[12] ids of the configured keys, comma-separated
                                                 ARGV[13] the candidate's length, ARGV[14] its letters: 'd' | 'a'
                                                 ARGV[15] mode 'id': the owner it must have ('' = none asked)

  A candidate of another length than the verification's code, or with letters where the code has none, is
  malformed: it cannot be the code, and spends no attempt.

  Reply: { 'not_found' } | { 'limited', reason, retryAfterMs } | { 'malformed' }
       | { 'approved' | 'wrong' | 'not_pending', id, field, value, ... }
]]
local mode, now, candidate = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local retain = tonumber(ARGV[4])
local verificationPrefix, numberPrefix = ARGV[5], ARGV[6]
local failedLimit, failedWindow, numberTtl = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local previousCandidate, service, keyIds = ARGV[10], ARGV[11], ARGV[12]
local candidateLength, candidateLetters, owner = tonumber(ARGV[13]), ARGV[14], ARGV[15]

--- @include "append-record"
--- @include "unopenable"

local id, key, numberKey
if mode == 'number' then
  numberKey = KEYS[1]
  id = redis.call('HGET', numberKey, 'cur')
  if not id then return { 'not_found' } end
  key = verificationPrefix .. id
else
  key = KEYS[1]
  id = string.sub(key, string.len(verificationPrefix) + 1)
end

local v = redis.call('HMGET', key, 's', 'xt', 'ca', 'mc', 'h', 'nd', 'ns', 'sv', 'e', 'cl', 'ab', 'ow')
if not v[1] or unopenable(v[9], keyIds) then return { 'not_found' } end
-- By id, a verification of another service (or another owner) does not exist for this caller.
if mode == 'id' and ((v[8] or '') ~= service or (owner ~= '' and v[12] ~= owner)) then return { 'not_found' } end
if not numberKey then numberKey = numberPrefix .. (v[7] or v[6]) end

local status = v[1]
if status == 'pending' and now >= tonumber(v[2]) then
  status = 'expired'
  redis.call('HSET', key, 's', status, 'ut', v[2])
  redis.call('PEXPIRE', key, retain)
end
if status ~= 'pending' then return appendRecord({ 'not_pending', id }, key) end
if (v[10] and tonumber(v[10]) ~= candidateLength) or (candidateLetters == 'a' and v[11] ~= 'a') then return { 'malformed' } end

-- The per-number budget counts wrong codes across verifications, so asking for new codes does not reset it.
local failedStart, failedCount = nil, 0
if failedLimit > 0 then
  local f = redis.call('HMGET', numberKey, 'fs', 'fc')
  failedStart, failedCount = tonumber(f[1]), tonumber(f[2]) or 0
  if not failedStart or now - failedStart >= failedWindow then failedStart, failedCount = now, 0 end
  if failedCount >= failedLimit then return { 'limited', 'number_failed_checks', failedStart + failedWindow - now } end
end

-- The stored hash names the key that made it; one from before key ids existed was made by the current key.
local stored = v[5]
local storedKid = string.match(stored, '^(%w+)%.')
if not storedKid then
  candidate = string.sub(candidate, string.find(candidate, '.', 1, true) + 1)
elseif storedKid ~= string.match(candidate, '^(%w+)%.') and previousCandidate ~= '' then
  candidate = previousCandidate
end
-- Constant time over the whole hash: the time taken does not depend on where the two differ.
local diff = (string.len(stored) == string.len(candidate)) and 0 or 1
for i = 1, string.len(stored) do
  diff = bit.bor(diff, bit.bxor(string.byte(stored, i), string.byte(candidate, i) or 0))
end

if diff == 0 then
  redis.call('HSET', key, 's', 'approved', 'ut', now)
  redis.call('PEXPIRE', key, retain)
  return appendRecord({ 'approved', id }, key)
end

local attempts = tonumber(v[3]) + 1
redis.call('HSET', key, 'ca', attempts, 'ut', now)
if attempts >= tonumber(v[4]) then
  redis.call('HSET', key, 's', 'max_attempts_reached')
  redis.call('PEXPIRE', key, retain)
end
if failedLimit > 0 then
  redis.call('HSET', numberKey, 'fs', failedStart, 'fc', failedCount + 1)
  redis.call('PEXPIRE', numberKey, math.max(redis.call('PTTL', numberKey), failedWindow, numberTtl))
end
return appendRecord({ 'wrong', id }, key)
