-- Street logging under load: every entry (a repeat handout) is sent twice with the same
-- idempotency key, as a tablet on a flaky network would. The second send may travel on
-- another connection at the same moment as the first. Arguments: cookie, csrf token,
-- location id, date, time, path (default /gade/api/poster/), run (four hex digits in every
-- key, so that each run's keys are new and can be counted apart).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  cookie, csrf, location, day, clock = args[1], args[2], args[3], args[4], args[5]
  path, run = args[6] or "/gade/api/poster/", args[7] or "0000"
  created, repeated, other = 0, 0, 0
end

function request()
  local entry = math.floor(counter / 2)
  counter = counter + 1
  local key = string.format("%08x-%s-4000-8000-%012x", id, run, entry)
  local body = string.format(
    '{"kind":"handout","fields":{"key":"%s","date":"%s","time":"%s","reason":"replaces_used",' ..
    '"audience":"people_who_use_drugs","quantity":1,"location":%s,"batch":""}}',
    key, day, clock, location)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json", ["Cookie"] = cookie, ["X-CSRFToken"] = csrf,
  }, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 200 then repeated = repeated + 1
  else other = other + 1 end
end

done = function(summary, latency, requests)
  local c, r, o, sent = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("created"); r = r + thread:get("repeated"); o = o + thread:get("other")
  end
  io.write(string.format("BENCH seconds=%.2f created=%d repeated=%d other=%d requests=%d p50=%.2f p95=%.2f p99=%.2f\n",
    summary.duration / 1e6, c, r, o, summary.requests, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
