-- rdv: RDV-Solidarités (and the other RDV Service Public instances) from Lua.
local core = require "guichet.rdv_core"

local rdv = {}

return rdv
