-- GET /automated-patron-blocks/{userId} for every user of USERS_FILE in turn (the threads take
-- alternate users), so that a warm-up asks for each patron's group once before the checks are
-- measured: random picks over the same seconds leave about a third of the users unasked, and
-- their first check in the measurement goes to the users module.
local users = {}
for line in io.lines(os.getenv("USERS_FILE")) do users[#users + 1] = line end
local threads = 0
setup = function(thread)
  thread:set("first", threads)
  threads = threads + 1
end
local step = 2
local next_index
init = function(args)
  -- `first` is the global setup() gave this thread.
  next_index = first or 0
end
wrk.headers["X-Okapi-Tenant"] = "bench"
request = function()
  local user = users[(next_index % #users) + 1]
  next_index = next_index + step
  return wrk.format("GET", "/automated-patron-blocks/" .. user)
end
