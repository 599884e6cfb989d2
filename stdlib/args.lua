-- args: argument checks shared by guichet's Lua modules, worded like Lua's
-- own ("bad argument #1 to 'accept' (unknown option 'motivaton'; ...)").
-- Errors are guichet errors of kind "usage", blamed on the user's line.

local args = {}

--- args.raise(message [, level]) raises a usage error.
function args.raise(message, level)
  guichet.raise("usage", message, (level or 1) + 1)
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

--- args.options(fname, position, opts, allowed) -> a plain copy of opts
-- ({} when opts is nil) with only the allowed keys. The table is read raw:
-- a proxy's __index, __pairs or __tostring are never run, so the copy holds
-- what the caller wrote. `level` blames the caller's caller.
function args.options(fname, position, opts, allowed, level)
  level = (level or 1) + 2
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    args.raise(("bad argument #%d to '%s' (table expected, got %s)"):format(position, fname, type(opts)), level)
  end
  local copy = {}
  for key, value in next, opts do
    if not allowed[key] then
      local names = {}
      for name in pairs(allowed) do names[#names + 1] = name end
      table.sort(names)
      args.raise(("bad argument #%d to '%s' (unknown option '%s'; options are %s)")
        :format(position, fname, args.describe(key), table.concat(names, ", ")), level)
    end
    copy[key] = value
  end
  return copy
end

return args
