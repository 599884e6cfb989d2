-- Decodes a JSON file N times in-process and prints the median throughput
-- in MiB/s. Runs under lua5.4 with lua-cjson, or under guichet:
--   lua5.4 decode.lua doc.json 15 cjson      guichet decode.lua doc.json 15
local path, runs, which = arg[1], tonumber(arg[2] or "15"), arg[3] or "guichet"
local decode = which == "cjson" and require("cjson").decode or json.decode
local file = assert(io.open(path, "rb"))
local text = file:read("a")
file:close()
local doc = decode(text) -- warm-up
doc = nil
local times = {}
for i = 1, runs do
  collectgarbage("collect")
  local start = os.clock()
  doc = decode(text)
  times[i] = os.clock() - start
  doc = nil
end
table.sort(times)
print(("%.1f"):format(#text / 1048576 / times[(runs + 1) // 2]))
