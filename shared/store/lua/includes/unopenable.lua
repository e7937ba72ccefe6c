-- Whether a sealed value names a key that is not configured (`<kid>.` prefix): then nobody can open, send or check
-- it, and to every caller it is not there. Values from before key ids existed carry none and may be opened.
local function unopenable(sealed, keyIds)
  local kid = string.match(sealed or '', '^(%w+)%.')
  return kid ~= nil and not string.find(',' .. keyIds .. ',', ',' .. kid .. ',', 1, true)
end
