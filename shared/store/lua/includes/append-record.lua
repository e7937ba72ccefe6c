-- Appends every field and value of a verification hash to a reply, for the record codec to decode.
local function appendRecord(reply, key)
  for _, v in ipairs(redis.call('HGETALL', key)) do reply[#reply + 1] = v end
  return reply
end
