-- wrk script for scripts/soak/api: GET /v1/hashes pages of 100 records (a platform paging its delta feed).
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")

request = function()
  return wrk.format(nil, "/v1/hashes?limit=100")
end

dofile("scripts/lib/wrk/report.lua")
done = report("feed")
