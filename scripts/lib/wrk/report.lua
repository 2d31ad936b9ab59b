-- Shared by the wrk scripts (run from the repository's root): report(workload) is a `done` callback that prints
-- one JSON line for the workload (requests/s, p50, p99, non-2xx answers, socket errors).
function report(workload)
  return function(summary, latency, requests)
    io.write(string.format('{"workload": "%s", "requests_per_s": %.0f, "p50_ms": %.2f, "p99_ms": %.2f, "non_2xx": %d, "errors": %d}\n',
      workload, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
      latency:percentile(99) / 1000, summary.errors.status,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  end
end
