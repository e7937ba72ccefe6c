--[[
  A worker takes a send job: decides whether to send at all (ended, expired, superseded by a newer send, already
  accepted by the provider) and, when it sends, marks the delivery as sending. Field names:
  shared/store/verification-record.ts.

  A fallback call (mode 'fallback', queued with an SMS that asked for one) is a send of its own: it happens only while
  the verification is pending, its latest send is an SMS, and that SMS has not been delivered. It then becomes the
  latest send attempt (sa + 1, a call in the send log, `fc` naming it), so the SMS's late receipts no longer move
  the delivery. Run again for the same verification, the job is a send of the attempt it became.

  KEYS[1] the verification's hash
  ARGV[1] now (ms)
  ARGV[2] the send attempt the job was queued for
  ARGV[3] 'send' or 'fallback'

  Reply: { 'gone' } | { 'superseded' } | { 'already_sent' } | { 'delivered' } | { 'skip', status }
       | { 'send', field, value, ... }
]]
local key = KEYS[1]
local now, attempt, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]

--- @include "delivery-rank"
--- @include "append-record"
--- @include "log-send"

local v = redis.call('HMGET', key, 's', 'xt', 'sa', 'ds', 'dm', 'e', 'ch')
if not v[1] then return { 'gone' } end
local status = v[1]
if status == 'pending' and now >= tonumber(v[2]) then status = 'expired' end

if mode == 'fallback' then
  -- The delivery shown is the latest send's: an ended verification keeps it as it was.
  if status ~= 'pending' then return { 'skip', status } end
  local own = redis.call('HGET', key, 'fc')
  if own then
    -- This job claimed its call before (a retry, or a re-run after its worker died): a send of that attempt, below.
    attempt = tonumber(own)
  else
    if v[7] == 'c' then return { 'superseded' } end
    if v[4] == 'delivered' then return { 'delivered' } end
    logSend(key, now, 'c')
    local sa = redis.call('HINCRBY', key, 'sa', 1)
    redis.call('HSET', key, 'fc', sa, 'ch', 'c', 'ds', 'sending', 'du', now)
    redis.call('HDEL', key, 'dm', 'dc', 'de')
    return appendRecord({ 'send' }, key)
  end
end

-- A newer send of the same code was queued after this one: that job sends, this one would be a duplicate.
if tonumber(v[3]) > attempt then return { 'superseded' } end
if status ~= 'pending' then
  if deliveryRank(v[4]) < 3 then redis.call('HSET', key, 'ds', 'skipped', 'du', now) end
  return { 'skip', status }
end
if v[5] then return { 'already_sent' } end
if v[4] == 'queued' then redis.call('HSET', key, 'ds', 'sending', 'du', now) end
return appendRecord({ 'send' }, key)
