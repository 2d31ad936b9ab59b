-- wrk script for scripts/bench/api: POST /v1/match with one PDQ hash per request, cycling through the queries
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

dofile("scripts/lib/wrk/report.lua")
done = report("matches")
