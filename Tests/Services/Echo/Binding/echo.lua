-- echo: the throwaway service of the service-unit tests, from Lua.
local core = require "guichet.echo_core"
local args = require "guichet.args"

local echo = {}

--- Sends `text` to the echo service and returns what it said back
--- (nil, "dry_run" under --dry-run: saying is a change).
function echo.say(text)
  if type(text) ~= "string" then
    args.raise(("bad argument #1 to 'echo.say' (string expected, got %s)"):format(args.describe(text)), 2)
  end
  return core.say(text)
end

return echo
