-- POST …/handlers/item-checked-out for a random user of USERS_FILE and a new loan id each time.
local users = {}
for line in io.lines(os.getenv("USERS_FILE")) do users[#users + 1] = line end
math.randomseed(os.time())
wrk.method = "POST"
wrk.headers["X-Okapi-Tenant"] = "bench"
wrk.headers["Content-Type"] = "application/json"
local function uuid()
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", math.random(0, 0x7fffffff), math.random(0, 0xffff), math.random(0, 0xfff),
    0x8000 + math.random(0, 0x3fff), math.random(0, 0xffffff), math.random(0, 0xffffff))
end
request = function()
  local body = '{"userId": "' .. users[math.random(#users)] .. '", "loanId": "' .. uuid() .. '", "dueDate": "2026-12-01T10:00:00.000+00:00"}'
  return wrk.format(nil, "/automated-patron-blocks/handlers/item-checked-out", nil, body)
end
