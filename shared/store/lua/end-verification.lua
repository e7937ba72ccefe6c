--[[
  Ends a pending verification by the caller's word: canceled (/v1 cancel, /v2 Status=canceled) or approved (/v2
  Status=approved, for a code the application checked itself). Field names: shared/store/verification-record.ts.

  KEYS[1] the verification's hash
  ARGV[1] now (ms)
  ARGV[2] how long an ended verification is kept (ms)
  ARGV[3] ids of the configured keys, comma-separated
  ARGV[4] the status to end it in: 'canceled' | 'approved'

  Reply: { 'not_found' } | { 'ended' | 'not_pending', field, value, ... }
]]
local key = KEYS[1]
local now, retain, keyIds, target = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]

--- @include "append-record"
--- @include "unopenable"

local v = redis.call('HMGET', key, 's', 'xt', 'e')
if not v[1] or unopenable(v[3], keyIds) then return { 'not_found' } end
local outcome = 'not_pending'
if v[1] == 'pending' and now >= tonumber(v[2]) then
  redis.call('HSET', key, 's', 'expired', 'ut', v[2])
  redis.call('PEXPIRE', key, retain)
elseif v[1] == 'pending' then
  redis.call('HSET', key, 's', target, 'ut', now)
  redis.call('PEXPIRE', key, retain)
  outcome = 'ended'
end
return appendRecord({ outcome }, key)
