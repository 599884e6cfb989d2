-- repl: the Lua half of guichet's REPL: how results are shown, and what
-- Tab completes. Completion never runs user code: it reads tables raw and
-- follows __index only when it is a table.

local pp = require "guichet.pp"

local repl = {}

local getmetatable_raw = debug and debug.getmetatable or getmetatable

-- API objects (a metatable with __name and __tostring) print as one line;
-- pp(x) expands them. Everything else goes through pp, with limits.
function repl.render(value, color)
  local kind = type(value)
  if kind == "table" or kind == "userdata" then
    local mt = getmetatable_raw(value)
    if type(mt) == "table" and rawget(mt, "__name") and rawget(mt, "__tostring") then
      local ok, text = pcall(tostring, value)
      if ok then return text end
    end
  end
  if kind ~= "table" then
    if kind == "string" then return pp.format(value, { color = color, max_string = 2000 }) end
    return pp.format(value, { color = color })
  end
  return pp.format(value, { depth = 3, max_items = 40, max_string = 300, color = color })
end

--- Prints the results of a line, one per line.
function repl.show(color, ...)
  for i = 1, select("#", ...) do
    io.write(repl.render((select(i, ...)), color), "\n")
  end
end

local keywords = { "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
  "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while" }

-- Modules guichet creates on first use: completing `ds.` may load them.
-- The services come from the host's registry (`guichet.services`).
local lazy = { json = true, pp = true, csv = true, parallel = true, help = true, guichet = true }
do
  local ok, host = pcall(require, "guichet.guichet")
  local services = ok and type(host) == "table" and rawget(host, "services")
  for _, name in ipairs(type(services) == "table" and services or {}) do lazy[name] = true end
end

local function lookup(t, key)
  -- raw first, then __index tables only (never a function)
  local seen = 0
  while type(t) == "table" and seen < 10 do
    local value = rawget(t, key)
    if value ~= nil then return value end
    local mt = getmetatable_raw(t)
    local index = type(mt) == "table" and rawget(mt, "__index") or nil
    if type(index) ~= "table" then return nil end
    t, seen = index, seen + 1
  end
  return nil
end

-- The keys of a table and of its __index tables (and, for userdata, of
-- their metatable's __index table).
local function keys_of(value, only_functions)
  local keys, seen = {}, {}
  local t = value
  if type(t) ~= "table" then
    local mt = getmetatable_raw(t)
    t = type(mt) == "table" and type(rawget(mt, "__index")) == "table" and rawget(mt, "__index") or nil
  end
  local depth = 0
  while type(t) == "table" and depth < 10 do
    for key, v in next, t do
      if type(key) == "string" and key:match("^[%a_][%w_]*$") and not seen[key]
        and (not only_functions or type(v) == "function") and not key:match("^__") then
        seen[key] = true
        keys[#keys + 1] = key
      end
    end
    local mt = getmetatable_raw(t)
    local index = type(mt) == "table" and rawget(mt, "__index") or nil
    if type(index) ~= "table" or index == t then break end
    t, depth = index, depth + 1
  end
  table.sort(keys)
  return keys
end

--- repl.complete(line, cursor) -> candidates for the word before the cursor
function repl.complete(line, cursor)
  local before = line:sub(1, cursor)
  local word = before:match("[%w_%.:]*$") or ""
  local base, sep, partial = word:match("^(.*)([%.:])([%w_]*)$")
  local candidates = {}
  if not base then
    partial = word
    for _, k in ipairs(keywords) do if k:sub(1, #partial) == partial then candidates[#candidates + 1] = k end end
    local globals = keys_of(_G)
    for name in pairs(lazy) do if rawget(_G, name) == nil then globals[#globals + 1] = name end end
    table.sort(globals)
    for _, k in ipairs(globals) do
      if k:sub(1, #partial) == partial then candidates[#candidates + 1] = k end
    end
    return candidates
  end
  -- Resolve `a.b.c` from the globals, raw.
  local value = _G
  for name in base:gmatch("[^%.:]+") do
    local next_value = lookup(value, name)
    if next_value == nil and value == _G and lazy[name] then
      local ok, module = pcall(require, "guichet." .. name)
      next_value = ok and module or nil
    end
    value = next_value
    if value == nil then return candidates end
  end
  for _, key in ipairs(keys_of(value, sep == ":")) do
    if key:sub(1, #partial) == partial then candidates[#candidates + 1] = base .. sep .. key end
  end
  return candidates
end

return repl
