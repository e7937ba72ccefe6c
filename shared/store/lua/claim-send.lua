--[[
  A worker takes a send job: decides whether to send at all (ended, expired, superseded by a newer send, already
  accepted by the provider) and, when it sends, marks the delivery as sending. Field names:
  shared/store/verification-record.ts.

  KEYS[1] the verification's hash
  ARGV[1] now (ms)
  ARGV[2] the send attempt the job was queued for

  Reply: { 'gone' } | { 'superseded' } | { 'already_sent' } | { 'skip', status } | { 'send', field, value, ... }
]]
local key = KEYS[1]
local now, attempt = tonumber(ARGV[1]), tonumber(ARGV[2])

--- @include "delivery-rank"
--- @include "append-record"

local v = redis.call('HMGET', key, 's', 'xt', 'sa', 'ds', 'dm', 'e')
if not v[1] then return { 'gone' } end
-- A newer send of the same code was queued after this one: that job sends, this one would be a duplicate.
if tonumber(v[3]) > attempt then return { 'superseded' } end
local status = v[1]
if status == 'pending' and now >= tonumber(v[2]) then status = 'expired' end
if status ~= 'pending' then
  if deliveryRank(v[4]) < 3 then redis.call('HSET', key, 'ds', 'skipped', 'du', now) end
  return { 'skip', status }
end
if v[5] then return { 'already_sent' } end
if v[4] == 'queued' then redis.call('HSET', key, 'ds', 'sending', 'du', now) end
return appendRecord({ 'send' }, key)
