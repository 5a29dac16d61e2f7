-- wrk script: send GETs to the given paths in turn, and stop each thread after `limit` responses.
-- Usage: wrk -t1 -c8 -d120s -s bench/alternate.lua http://127.0.0.1:PORT -- LIMIT PATH [PATH...]
local paths, limit, count, index = {}, 0, 0, 0

function init(args)
  limit = tonumber(args[1]) or 0
  for i = 2, #args do
    paths[#paths + 1] = args[i]
  end
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  count = count + 1
  if limit > 0 and count >= limit then
    wrk.thread:stop()
  end
end
