-- wrk script for bench/run.
-- With BENCH_ABSOLUTE_URI set, requests are written in proxy form (GET http://host:port/path) with a matching Host
-- header, the way an application talks to a sidecar's outbound listener through http_proxy.
-- At the end it prints wrk's summary as one machine-readable line:
-- WRK_RESULT requests duration_us connect_errors read_errors write_errors status_errors timeouts p50_ms p99_ms

local absolute_uri = os.getenv("BENCH_ABSOLUTE_URI")
if absolute_uri and absolute_uri ~= "" then
  wrk.path = absolute_uri
  wrk.headers["Host"] = absolute_uri:match("^http://([^/]+)")
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %d %d %d %d %d %d %d %.3f %.3f\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
