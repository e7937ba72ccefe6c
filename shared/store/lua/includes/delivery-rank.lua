-- How far along a delivery is: a step is recorded only forwards (queued < sending < sent < a final state).
local DELIVERY_RANK = { queued = 0, sending = 1, sent = 2, delivered = 3, undelivered = 3, failed = 3, skipped = 3 }
local function deliveryRank(status)
  return DELIVERY_RANK[status or 'queued'] or 0
end
