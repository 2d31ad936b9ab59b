-- wrk script for scripts/soak: POST /v1/cases, each with a new random PDQ hash (anonymous submissions).
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

done = function(summary, latency, requests)
  io.write(string.format('{"workload": "submissions", "requests_per_s": %.0f, "p50_ms": %.2f, "p99_ms": %.2f, "non_2xx": %d, "errors": %d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
