-- How `require` finds guichet's modules, and what it says when it cannot.
-- (For a name guichet knows nothing of, Tests/conformance/require_missing.lua
-- checks that the message is exactly lua5.4's.)
local t = require "testing"

local function failure(name)
  local ok, err = pcall(require, name)
  assert(not ok, name .. " should not load")
  return err
end

t.test("host modules and the stdlib load by their guichet name", function()
  t.eq(require "guichet.json", json, "guichet.json")
  t.eq(type(require("guichet.pp")), "table", "guichet.pp")
  t.eq(type(require("csv")), "table", "csv by its plain name")
end)

t.test("a missing guichet.x names what guichet has, as one standard searcher line", function()
  local err = failure("guichet.nope")
  t.contains(err, "module 'guichet.nope' not found:\n\tno field package.preload['guichet.nope']\n\tno module 'guichet.nope' in guichet (it has ", "line")
  t.contains(err, "json", "lists json")
  t.eq(err:find("\n\t\n", 1, true), nil, "no empty line")
end)

t.test("require 'json' points at guichet.json", function()
  local err = failure("json")
  t.contains(err, "\n\tno module 'json' in guichet's stdlib (guichet's own is 'guichet.json')", "hint")
  t.eq(err:find("\n\t\n", 1, true), nil, "no empty line")
end)

t.test("an unknown module gets no guichet line and no stdlib path", function()
  local err = failure("no_such_module")
  t.eq(err:find("guichet", 1, true), nil, "no guichet line")
  t.eq(err:find("stdlib", 1, true), nil, "no stdlib folder in the path")
end)

t.test("a stdlib name is never taken as a path", function()
  local err = failure("guichet.../ds")
  t.eq(err:find("\n\tno module 'guichet.../ds' in guichet", 1, true) ~= nil, true, "refused by name")
end)

t.finish()
