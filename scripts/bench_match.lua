-- wrk script for scripts/bench-api: POST /v1/match with one PDQ hash per request, cycling through the queries
-- in $BENCH_QUERIES (one 64-hex hash per line: planted ones that match and random ones that do not).
local queries = {}
for line in io.lines(os.getenv("BENCH_QUERIES")) do
  queries[#queries + 1] = '{"hashes":[{"kind":"pdq","hash":"' .. line .. '"}]}'
end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")

request = function()
  i = i % #queries + 1
  return wrk.format(nil, nil, nil, queries[i])
end

local errors = 0
response = function(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format('{"workload": "matches", "requests_per_s": %.0f, "p50_ms": %.2f, "p99_ms": %.2f, "non_2xx": %d, "errors": %d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
