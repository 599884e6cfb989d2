-- Regressions found by the function fuzzer (Tests/fuzz/functions.lua), kept
-- as plain tests. Run with
--   .build/debug/guichet --sandbox -e 'package.path="Tests/lua/?.lua;"..package.path' Tests/lua/fuzz_findings_sandbox_test.lua
local t = require "testing"
local test, eq, raises = t.test, t.eq, t.raises

if not pcall(sandbox.url) then
  print("ok 0 tests (skipped: not started with --sandbox)")
  return
end

local dossier
for d in ds.demarche(sandbox.demarche):dossiers() do
  if d.files and d.files[1] then dossier = d break end
end

test("a download path of thousands of folders is a clear error, not a stack overflow", function()
  local file = dossier.files[1]
  local err = raises(function() file:download(string.rep("../x/", 8000) .. "f.pdf") end, "longer than")
  eq(err.kind, "io")
  raises(function() dossier:download { dir = string.rep("a/", 20000) } end, "longer than")
end)

test("Dossier:download on something else than a dossier is a usage error", function()
  local err = raises(function() dossier.download({}) end, "calling 'download' on bad self")
  eq(err.kind, "usage")
end)

test("help's registrations want a table with a name", function()
  raises(function() help.fn(42) end, "bad argument #1 to 'fn'")
  raises(function() help.module({}) end, "bad argument #1 to 'module'")
  raises(function() help.type() end, "bad argument #1 to 'type'")
end)

t.finish()
