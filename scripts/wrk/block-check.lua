-- GET /automated-patron-blocks/{userId} for a random user of USERS_FILE (one UUID per line).
local users = {}
for line in io.lines(os.getenv("USERS_FILE")) do users[#users + 1] = line end
math.randomseed(os.time())
wrk.headers["X-Okapi-Tenant"] = "bench"
request = function()
  return wrk.format("GET", "/automated-patron-blocks/" .. users[math.random(#users)])
end
