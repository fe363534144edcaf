-- wrk script of bench/served.py: sends the session cookie, counts the statuses, prints one result line.
-- Arguments (after --): cookie, then for a form POST: the file of request bodies, one per line
-- ("path body"), the CSRF token and the number of threads; each thread takes every n-th line.
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  cookie = args[1]
  statuses = {}
  bodies = nil
  if args[2] then
    bodies = {}
    for line in io.lines(args[2]) do
      table.insert(bodies, line)
    end
    token = args[3]
    stride = tonumber(args[4])
    position = id
  end
end

function request()
  local headers = {Cookie = cookie}
  if not bodies then
    return wrk.format("GET", nil, headers)
  end
  local line = bodies[(position - 1) % #bodies + 1]
  position = position + stride
  local space = line:find(" ")
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", line:sub(1, space - 1), headers,
                    line:sub(space + 1) .. "&csrf_token=" .. token)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[#counts + 1] = string.format('[%d, %d]', status, count)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "socket_errors": %d, '
    .. '"statuses": [%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, table.concat(counts, ", ")))
end
