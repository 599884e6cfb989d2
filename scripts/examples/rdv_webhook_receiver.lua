-- rdv_webhook_receiver.lua: receives one RDV-Solidarités webhook delivery, as
-- a CGI script behind any web server (the body on stdin, the headers as
-- HTTP_* variables), checks its signature and applies it once.
--
--   RDV_WEBHOOK_SECRET=…  RDV_WEBHOOK_STATE=/var/lib/rdv/seen.json  guichet rdv_webhook_receiver.lua
--
-- RDV signs each delivery: X-Lapin-Signature = hex(HMAC-SHA256(secret, raw body)).
-- RDV retries a failed delivery up to 20 times over days, so the same event
-- comes again, and events arrive out of order: an update may come before the
-- creation it follows. The receiver keeps the last timestamp applied per
-- record and ignores anything not newer, answering 200 all the same (an
-- error would only make RDV send it again).
local secret = assert(os.getenv("RDV_WEBHOOK_SECRET"), "set RDV_WEBHOOK_SECRET to the endpoint's secret")
local state_path = os.getenv("RDV_WEBHOOK_STATE") or "rdv-webhook-state.json"

local function answer(status, text)
  io.write("Status: ", status, "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", text, "\n")
end

-- The body exactly as received: the signature covers these bytes, not a re-encoding.
local body = io.read("a") or ""
if not rdv.verify_webhook(secret, body, os.getenv("HTTP_X_LAPIN_SIGNATURE")) then
  answer("401 Unauthorized", "bad signature")
  return
end

local ok, delivery = pcall(json.decode, body)
if not ok or type(delivery) ~= "table" or type(delivery.meta) ~= "table" or type(delivery.data) ~= "table" then
  answer("400 Bad Request", "not an RDV delivery")
  return
end
local meta, data = delivery.meta, delivery.data
local key = ("%s %s"):format(meta.model, tostring(data.id))

-- What was applied so far: record -> timestamp of the last event applied.
local seen = {}
local file = io.open(state_path, "r")
if file then
  seen = json.decode(file:read("a"))
  file:close()
end

if seen[key] and meta.timestamp <= seen[key] then
  answer("200 OK", ("ignored %s %s of %s: not newer than %s"):format(key, meta.event, meta.timestamp, seen[key]))
  return
end

-- Apply it: here, a line per event; a real receiver updates its own records.
local what = meta.model == "Rdv" and ("status %s, starts %s"):format(tostring(data.status), tostring(data.starts_at))
  or meta.model == "User" and ("%s %s"):format(tostring(data.first_name), tostring(data.last_name))
  or ""
seen[key] = meta.timestamp
local out = assert(io.open(state_path .. ".new", "w"))
out:write(json.encode(seen))
out:close()
assert(os.rename(state_path .. ".new", state_path))
answer("200 OK", ("applied %s %s of %s: %s"):format(key, meta.event, meta.timestamp, what))
