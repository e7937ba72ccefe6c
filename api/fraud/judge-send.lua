--[[
  The fraud guard's step before a new code goes to a number: is its prefix blocked, and, judged on what the window
  holds, should it be now? If not, the send is counted. One call per new verification (api/fraud/guard.ts).

  A prefix's window is a hash of time buckets: `<bucket>:s` codes sent, `<bucket>:a` of those approved, `<bucket>:e`
  of those ended otherwise (canceled, out of attempts), bucketed by when the code was sent; `from` is the time the
  prefix was last blocked (outcomes of codes sent before it do not count). A code is judged once its bucket is older
  than the grace period, or once it ended. Blocking deletes the window: after the block only new sends count.

  KEYS[1] the prefix's window          KEYS[6] the prefix's block (hash)
  KEYS[2] the country's window         KEYS[7] all blocks (zset prefix → until)
  KEYS[3] the timeline (all sends)     KEYS[8] the prefix's strikes (earlier blocks)
  KEYS[4] recent prefixes (zset)       KEYS[9] the number's "approved before" marker
  KEYS[5] recent countries (zset)

  ARGV[1] now (ms)                     ARGV[8]  minimum conversion (0–1)
  ARGV[2] prefix                       ARGV[9]  first block (ms)
  ARGV[3] country                      ARGV[10] longest block (ms)
  ARGV[4] window (ms)                  ARGV[11] '1': the number is on the safe list
  ARGV[5] bucket (ms)                  ARGV[12] how long strikes are remembered after a block ends (ms)
  ARGV[6] grace (ms)                   ARGV[13] the window in words, for the reason ("hour")
  ARGV[7] minimum sends

  Reply: { 'pass', lifted? } | { 'safe' } (a block in force, but this number always passes; not counted)
       | { 'refused', until, reason, sends, approved }
       | { 'blocked', until, reason, sends, approved, judged, strikes, passes } (blocked now; passes '1' for a number
         that always passes: it is sent, not counted)
  where `lifted`, when present, is the `until` of a block that had ended and was removed on this call.
]]
local now, prefix, country = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local windowMs, bucketMs, graceMs = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local minSends, minConversion = tonumber(ARGV[7]), tonumber(ARGV[8])
local firstBlockMs, maxBlockMs = tonumber(ARGV[9]), tonumber(ARGV[10])
local safe, strikeMemoryMs, windowWords = ARGV[11] == '1', tonumber(ARGV[12]), ARGV[13]

local oldest = math.floor((now - windowMs) / bucketMs)
local judgedBefore = math.floor((now - graceMs) / bucketMs)

local function alwaysPasses()
  return safe or redis.call('EXISTS', KEYS[9]) == 1
end

-- A block in force refuses (or lets a known number through); one that has ended is removed.
local lifted = nil
local block = redis.call('HMGET', KEYS[6], 'until', 'reason', 'sends', 'approved')
if block[1] then
  if now < tonumber(block[1]) then
    if alwaysPasses() then return { 'safe' } end
    return { 'refused', block[1], block[2], block[3], block[4] }
  end
  redis.call('DEL', KEYS[6])
  redis.call('ZREM', KEYS[7], prefix)
  lifted = block[1]
end

local bucket = math.floor(now / bucketMs)
local field = bucket .. ':s'

-- The prefix is judged at its first send in each bucket (a 60th of the window): often enough to stop a flood within
-- a bucket of it starting to be judged, and the HGETALL of the window is paid once per bucket, not per send.
local first = redis.call('HEXISTS', KEYS[1], field) == 0
if first then
  local sends, judged, approved = 0, 0, 0
  local stale = {}
  local fields = redis.call('HGETALL', KEYS[1])
  for i = 1, #fields, 2 do
    local name, count = fields[i], tonumber(fields[i + 1])
    local b, kind = string.match(name, '^(%d+):(%a)$')
    if b then
      b = tonumber(b)
      if b < oldest then
        stale[#stale + 1] = name
      elseif kind == 's' then
        sends = sends + count
        if b < judgedBefore then judged = judged + count end
      else
        if kind == 'a' then approved = approved + count end
        -- An ended code is judged at once; in an older bucket it already was, as a send.
        if b >= judgedBefore then judged = judged + count end
      end
    end
  end
  if #stale > 0 then redis.call('HDEL', KEYS[1], unpack(stale)) end

  if sends >= minSends and judged > 0 and approved < minConversion * judged then
    local strikes = redis.call('INCR', KEYS[8])
    local duration = math.min(firstBlockMs * 2 ^ (strikes - 1), maxBlockMs)
    local untilMs = now + duration
    redis.call('PEXPIRE', KEYS[8], duration + strikeMemoryMs)
    local reason = string.format('%d of %d codes sent to %s in the last %s %s used', approved, judged, prefix, windowWords, approved == 1 and 'was' or 'were')
    redis.call('HSET', KEYS[6], 'until', untilMs, 'reason', reason, 'sends', sends, 'approved', approved, 'judged', judged, 'strikes', strikes, 'at', now)
    -- Kept a day past its end at most, if no send comes to remove it.
    redis.call('PEXPIREAT', KEYS[6], untilMs + 86400000)
    redis.call('ZADD', KEYS[7], untilMs, prefix)
    -- Judged afresh after the block: only what is sent from now on counts.
    redis.call('DEL', KEYS[1])
    redis.call('HSET', KEYS[1], 'from', now)
    redis.call('PEXPIRE', KEYS[1], windowMs + graceMs + duration)
    return { 'blocked', untilMs, reason, sends, approved, judged, strikes, alwaysPasses() and '1' or '0' }
  end
end

-- The send is counted: for the prefix, the country and the timeline, in this bucket. Expiry, the recent lists and
-- the sweeps of old buckets are kept up once per bucket of each.
if first then
  redis.call('HINCRBY', KEYS[1], field, 1)
  redis.call('PEXPIRE', KEYS[1], windowMs + graceMs)
  redis.call('ZADD', KEYS[4], now, prefix)
else
  redis.call('HINCRBY', KEYS[1], field, 1)
end
for k = 2, 3 do
  if redis.call('HINCRBY', KEYS[k], field, 1) == 1 then
    redis.call('PEXPIRE', KEYS[k], windowMs + graceMs)
    if k == 2 then redis.call('ZADD', KEYS[5], now, country) end
    -- The country's window and the timeline are never judged here: drop their old buckets once they hold more
    -- than a window's worth.
    if redis.call('HLEN', KEYS[k]) > 186 then
      local old = {}
      local names = redis.call('HKEYS', KEYS[k])
      for i = 1, #names do
        local b = tonumber(string.match(names[i], '^(%d+):'))
        if b and b < oldest then old[#old + 1] = names[i] end
      end
      if #old > 0 then redis.call('HDEL', KEYS[k], unpack(old)) end
    end
  end
end
if first then
  for k = 4, 5 do
    redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now - windowMs)
    -- Bounded whatever the traffic: the most recent 5,000.
    local size = redis.call('ZCARD', KEYS[k])
    if size > 5000 then redis.call('ZREMRANGEBYRANK', KEYS[k], 0, size - 5001) end
  end
end
if lifted then return { 'pass', lifted } end
return { 'pass' }
