-- A tiny test harness shared by the Lua test files.
--   local t = require "testing"
--   t.test("name", function() t.eq(got, expected, "label") end)
--   t.finish()   -- prints "ok <n> tests" or raises listing the failures
-- Tests run under guichet (and, for pure Lua modules, under lua5.4 too):
--   guichet -e 'package.path="Tests/lua/?.lua;stdlib/?.lua;"..package.path' Tests/lua/x_test.lua

local testing = {}

local passed, failures = 0, {}
local cleanups = {}

function testing.test(name, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
  else
    failures[#failures + 1] = name .. ": " .. tostring(err)
  end
end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end
testing.show = show

function testing.eq(got, expected, label)
  if got ~= expected or math.type(got) ~= math.type(expected) then
    error(string.format("%s\n  expected: %s (%s)\n  got:      %s (%s)", label or "value",
      show(expected), math.type(expected) or type(expected), show(got), math.type(got) or type(got)), 2)
  end
end

--- How many requests the sandbox's fakes logged whose path holds `fragment`
-- (under guichet --sandbox).
function testing.requests_to(fragment)
  local n = 0
  for _, r in ipairs(sandbox.requests()) do
    if r.path:find(fragment, 1, true) then n = n + 1 end
  end
  return n
end

function testing.contains(haystack, needle, label)
  if type(haystack) ~= "string" or not haystack:find(needle, 1, true) then
    error(string.format("%s\n  expected to contain: %s\n  got: %s", label or "value",
      show(needle), show(haystack)), 2)
  end
end

-- Under the host, errors are structured values rather than strings.
function testing.error_text(err)
  if type(err) == "string" then return err end
  if type(err) == "table" and type(err.message) == "string" then return err.message end
  return tostring(err)
end

-- Calls fn, expects an error whose text contains `needle`; returns the error.
function testing.raises(fn, needle, label)
  local ok, err = pcall(fn)
  if ok then error((label or "call") .. ": expected an error containing " .. show(needle), 2) end
  testing.contains(testing.error_text(err), needle, label)
  return err
end

-- A path in the temp directory that does not exist yet, removed at finish.
function testing.temp_path(suffix)
  local base = os.tmpname() -- creates the file on POSIX
  os.remove(base)
  local path = base .. (suffix or "")
  cleanups[#cleanups + 1] = path
  return path
end

function testing.read_file(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("a")
  file:close()
  return text
end

function testing.write_file(path, text)
  local file = assert(io.open(path, "wb"))
  file:write(text)
  file:close()
end

function testing.exists(path)
  local file = io.open(path, "rb")
  if file then file:close() end
  return file ~= nil
end

function testing.finish()
  for _, path in ipairs(cleanups) do os.remove(path) end
  if #failures > 0 then
    error(#failures .. " of " .. (passed + #failures) .. " tests failed:\n" .. table.concat(failures, "\n"), 0)
  end
  print("ok " .. passed .. " tests")
end

return testing
