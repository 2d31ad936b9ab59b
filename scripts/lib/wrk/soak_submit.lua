-- wrk script for scripts/soak/api: POST /v1/cases, each with a new random PDQ hash (anonymous submissions).
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local function hex(n)
  local t = {}
  for i = 1, n do t[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(t)
end

request = function()
  return wrk.format(nil, nil, nil,
    '{"category":"adult_ncii","hashes":[{"kind":"pdq","hash":"' .. hex(64) .. '","quality":90}]}')
end

dofile("scripts/lib/wrk/report.lua")
done = report("submissions")
