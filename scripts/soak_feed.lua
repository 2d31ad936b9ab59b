-- wrk script for scripts/soak: GET /v1/hashes pages of 100 records (a platform paging its delta feed).
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")

request = function()
  return wrk.format(nil, "/v1/hashes?limit=100")
end

done = function(summary, latency, requests)
  io.write(string.format('{"workload": "feed", "requests_per_s": %.0f, "p50_ms": %.2f, "p99_ms": %.2f, "non_2xx": %d, "errors": %d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
