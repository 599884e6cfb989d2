-- The guichet side of the JSON decoder fuzzer (driven by Tests/fuzz/json_fuzz.py).
-- Reads documents framed as "<length>\n<bytes>" from arg[1] and writes, for
-- each, one framed result to arg[2]: "O" followed by a canonical form of the
-- decoded value, or "E" followed by the error kind (anything else than a
-- guichet error of kind "json" is reported as such).
--
-- An accepted value must also encode and decode back to itself.
-- Canonical form: n (null), t, f, i<integer>, d<%.17g>, s<len>:<bytes>,
-- [<items>], {<key value...>} with keys in byte order.
assert(os.setlocale() == "C", "string order must be byte order")

local input = assert(io.open(arg[1], "rb")):read("a")
local out = assert(io.open(arg[2], "wb"))
local decode, null = json.decode, json.null
local array_mt = getmetatable(json.array())
local format, concat, sort, mtype = string.format, table.concat, table.sort, math.type

local canon
function canon(v, buf)
  local tv = type(v)
  if v == null then buf[#buf + 1] = "n"
  elseif tv == "boolean" then buf[#buf + 1] = v and "t" or "f"
  elseif tv == "number" then
    if mtype(v) == "integer" then buf[#buf + 1] = format("i%d", v)
    else buf[#buf + 1] = format("d%.17g", v) end
  elseif tv == "string" then buf[#buf + 1] = format("s%d:", #v); buf[#buf + 1] = v
  elseif tv == "table" then
    local k1 = next(v)
    if k1 == nil then
      buf[#buf + 1] = getmetatable(v) == array_mt and "[]" or "{}"
    elseif mtype(k1) == "integer" then
      buf[#buf + 1] = "["
      local n = #v
      for i = 1, n do canon(v[i], buf) end
      -- an array holds exactly 1..n
      local count = 0
      for _ in pairs(v) do count = count + 1 end
      if count ~= n then buf[#buf + 1] = "!holes" end
      buf[#buf + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do
        if type(k) ~= "string" then buf[#buf + 1] = "!key:" .. type(k) else keys[#keys + 1] = k end
      end
      sort(keys)
      buf[#buf + 1] = "{"
      for _, k in ipairs(keys) do
        buf[#buf + 1] = format("s%d:", #k); buf[#buf + 1] = k
        canon(v[k], buf)
      end
      buf[#buf + 1] = "}"
    end
  else
    buf[#buf + 1] = "!type:" .. tv
  end
end

local pos, count = 1, 0
while pos <= #input do
  local nl = input:find("\n", pos, true)
  local len = tonumber(input:sub(pos, nl - 1))
  local doc = input:sub(nl + 1, nl + len)
  pos = nl + len + 1
  local ok, v = pcall(decode, doc)
  local result
  if ok then
    local buf = { "O" }
    canon(v, buf)
    result = concat(buf)
    -- What decodes encodes again to the same values (infinities aside:
    -- JSON has none, so 1e400 decodes but cannot be written back).
    local encoded, text = pcall(json.encode, v)
    if encoded then
      local again = { "O" }
      local decoded, w = pcall(decode, text)
      if decoded then canon(w, again) end
      if not decoded or concat(again) ~= result then result = "E!round trip: " .. text:sub(1, 200) end
    elseif not tostring(text.message):find("infinite number", 1, true) then
      result = "E!encode: " .. tostring(text.message)
    end
  elseif type(v) == "table" and v.kind == "json" then
    result = "Ejson"
  else
    result = "E!" .. tostring(type(v) == "table" and (v.kind .. ": " .. tostring(v.message)) or v)
  end
  out:write(#result, "\n", result)
  count = count + 1
end
out:close()
io.write(count, "\n")
