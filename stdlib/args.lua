-- args: argument checks shared by guichet's Lua modules, worded like Lua's
-- own ("bad argument #1 to 'accept' (unknown option 'motivaton'; ...)").
-- Errors are guichet errors of kind "usage", blamed on the user's line.
-- csv and pp also load this file under plain lua5.4 (their tests do):
-- there, errors are plain Lua errors with the same text.

local args = {}

--- args.raise(message [, level]) raises a usage error.
function args.raise(message, level)
  level = (level or 1) + 1
  local g = guichet  -- nil under plain lua5.4
  if type(g) == "table" and g.raise then g.raise("usage", message, level) end
  error(message, level)
end

--- args.set("a", "b") -> { a = true, b = true }
function args.set(...)
  local s = {}
  for _, v in ipairs({ ... }) do s[v] = true end
  return s
end

--- args.describe(v) -> a short text for v in an error message. Runs no
-- metamethod: a __tostring or __name that raises cannot turn a usage error
-- into an error inside guichet.
function args.describe(v)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" or t == "boolean" or t == "nil" then return tostring(v) end
  return t
end

-- Edit distance (insertions, deletions, substitutions) between two names.
local function distance(a, b)
  local row = {}
  for j = 0, #b do row[j] = j end
  for i = 1, #a do
    local previous = row[0]
    row[0] = i
    for j = 1, #b do
      local current = row[j]
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      row[j] = math.min(row[j] + 1, row[j - 1] + 1, previous + cost)
      previous = current
    end
  end
  return row[#b]
end

--- args.nearest(name, names) -> the name of the list `names` at most two
-- edits away from `name` (the nearest, the first in the list on a tie), or nil.
function args.nearest(name, names)
  if type(name) ~= "string" then return nil end
  local best, best_distance = nil, 3
  for _, candidate in ipairs(names) do
    local d = distance(name, candidate)
    if d < best_distance then best, best_distance = candidate, d end
  end
  return best
end

--- args.unknown(what, key, allowed) -> the one wording of an unknown key:
-- "unknown option 'motivaton'; did you mean 'motivation'? options are as, motivation, notify, pj"
-- (`what` is "option" or "field"; `allowed` is keyed by the names; the
-- suggestion only when a name is near).
function args.unknown(what, key, allowed)
  local names = {}
  for name in next, allowed do names[#names + 1] = name end
  table.sort(names)
  local text = ("unknown %s '%s'; "):format(what, args.describe(key))
  local near = args.nearest(key, names)
  if near then text = text .. ("did you mean '%s'? "):format(near) end
  return text .. what .. "s are " .. table.concat(names, ", ")
end

--- args.read(opts, allowed) -> a plain copy of opts ({} when opts is nil),
-- or nil and the problem ("table expected, got string", or the unknown
-- option). For modules that check more and word the error themselves.
-- The table is read raw: a proxy's __index, __pairs or __tostring are
-- never run, so the copy holds what the caller wrote.
function args.read(opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= "table" then return nil, "table expected, got " .. type(opts) end
  local copy = {}
  for key, value in next, opts do
    if not allowed[key] then return nil, args.unknown("option", key, allowed) end
    copy[key] = value
  end
  return copy
end

--- args.class(name) -> the metatable of a module's objects: `__name` is
-- what errors and pp call them, and it is its own `__index` (methods).
function args.class(name)
  local class = { __name = name }
  class.__index = class
  return class
end

--- args.check_self(self, class, method): methods called on something else
-- than their object (d.accept(x), a copy of a method kept in a variable)
-- say so instead of failing inside.
function args.check_self(self, class, method)
  if getmetatable(self) ~= class then
    args.raise(("calling '%s' on bad self (%s expected, got %s)"):format(method, class.__name, type(self)), 3)
  end
end

--- args.integer(value) -> the integer `value` holds (an integer, a float
-- with an integer value, or digits in a string), or nil.
function args.integer(value)
  if math.type(value) == "integer" then return value end
  if type(value) == "number" then return math.tointeger(value) end
  if type(value) == "string" and value:match("^%s*%d+%s*$") then return math.tointeger(tonumber(value)) end
  return nil
end

--- args.id(fname, position, value [, what [, level]]) -> the positive
-- integer id `value` holds (an integer, or its digits as a string: CSV
-- files give strings), or a usage error "bad argument #1 to 'user'
-- (positive integer id expected, got abc)"; `what` names the id ("user id").
function args.id(fname, position, value, what, level)
  local n = args.integer(value)
  if not n or n <= 0 then
    args.raise(("bad argument #%d to '%s' (%s id expected, got %s)"):format(position, fname, what or "positive integer",
      args.describe(value)), (level or 1) + 2)
  end
  return n
end

--- args.malformed(what, value, expected): a server's answer without the
-- shape the API documents (a hostile or broken server) raises an error of
-- kind "protocol" saying what is wrong ("the server's answer is
-- malformed: champ.files is a string, not a list"), never a Lua error from
-- deep in a module. No position: no line of the script is at fault.
function args.malformed(what, value, expected)
  local null = type(json) == "table" and value == json.null  -- json: a guichet global
  local problem = value == nil and "is missing" or ("is %s, not %s"):format(null and "null" or "a " .. type(value), expected)
  local g = guichet
  local message = ("the server's answer is malformed: %s %s"):format(what, problem)
  if type(g) == "table" and g.raise then g.raise("protocol", message, 0) end
  error(message, 0)
end

--- args.options(fname, position, opts, allowed [, level]) -> a plain copy of
-- opts ({} when opts is nil) with only the allowed keys, or a usage error
-- "bad argument #position to 'fname' (...)". `level` 1 blames the caller
-- of the function that calls args.options.
function args.options(fname, position, opts, allowed, level)
  local copy, problem = args.read(opts, allowed)
  if not copy then
    args.raise(("bad argument #%d to '%s' (%s)"):format(position, fname, problem), (level or 1) + 2)
  end
  return copy
end

return args
