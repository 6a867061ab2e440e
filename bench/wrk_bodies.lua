-- wrk script of bench/wrk.py: POSTs the JSON request bodies of BODIES (one a line) in turn, with
-- the bearer token of TOKEN when set, and counts as bad every answer that is not a 200 without
-- "errors", and every socket error, so that a side answering errors fast cannot look fast.
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/graphql-response+json, application/json"
local tok = os.getenv("TOKEN")
if tok and #tok > 0 then wrk.headers["Authorization"] = "Bearer " .. tok end
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
-- Each wrk thread runs its own Lua state; done() runs in the main one and reads the threads' counts.
local threads = {}
function setup(thread) threads[#threads + 1] = thread end
errs = 0
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then errs = errs + 1 end
end
done = function(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("errs") end
  local e = summary.errors
  io.write(string.format("RESULT rps=%.1f p50=%.2fms p99=%.2fms n=%d bad=%d socket=%d bytes/req=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, bad, e.connect + e.read + e.write + e.timeout,
    summary.bytes / math.max(summary.requests, 1)))
end
