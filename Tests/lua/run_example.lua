-- Runs an example script on the sandbox, then prints what the sandbox
-- received, for the tests that check both (Tests/EndToEndTests/ExamplesTests.swift):
--
--   guichet --sandbox Tests/lua/run_example.lua scripts/examples/x.lua [ARGS...]
--
-- The example sees `arg` as if it had been run directly. After its own
-- output comes a line "--- requests", then one line per request:
-- "METHOD PATH OPERATION" (OPERATION is "-" outside GraphQL).
local script = arg[1]
arg = table.move(arg, 2, #arg, 1, { [0] = script })
sandbox.clear_requests()  -- what guichet asked before the script is not the script's
dofile(script)
io.stdout:flush()
print("--- requests")
for _, r in ipairs(sandbox.requests()) do
  local operation = (r.operation ~= nil and r.operation ~= json.null) and r.operation or "-"
  print(("%s %s %s"):format(r.method, r.path, operation))
end
