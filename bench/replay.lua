-- Replays pre-signed raw HTTP requests from a file, each thread its own slice, cycling.
-- The file holds requests separated by a NUL byte; bench/wrk.py writes it.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local path = args[1]
  local nthreads = tonumber(args[2])
  local f = assert(io.open(path, "rb"))
  local data = f:read("*all")
  f:close()
  requests = {}
  local index = 0
  local start = 1
  while true do
    local stop = string.find(data, "\0", start, true)
    if not stop then break end
    if index % nthreads == id then
      table.insert(requests, string.sub(data, start, stop - 1))
    end
    index = index + 1
    start = stop + 1
  end
  position = 0
end

function request()
  position = position + 1
  if position > #requests then position = 1 end
  return requests[position]
end
