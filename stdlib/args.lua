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

--- args.options(fname, position, opts, allowed) -> opts (or {} when nil):
-- a table with only the allowed keys. `level` blames the caller's caller.
function args.options(fname, position, opts, allowed, level)
  level = (level or 1) + 2
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    args.raise(("bad argument #%d to '%s' (table expected, got %s)"):format(position, fname, type(opts)), level)
  end
  for key in pairs(opts) do
    if not allowed[key] then
      local names = {}
      for name in pairs(allowed) do names[#names + 1] = name end
      table.sort(names)
      args.raise(("bad argument #%d to '%s' (unknown option '%s'; options are %s)")
        :format(position, fname, tostring(key), table.concat(names, ", ")), level)
    end
  end
  return opts
end

return args
