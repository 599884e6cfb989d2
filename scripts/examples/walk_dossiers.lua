-- walk_dossiers.lua: walks every dossier of a démarche (the low-volume way:
-- one pass, 100 dossiers per page) and counts them by state and by groupe.
-- For large démarches and regular syncs, see sync_dossiers.lua.
--
--   guichet --sandbox scripts/examples/walk_dossiers.lua [DEMARCHE]
--   DS_API_TOKEN=... guichet scripts/examples/walk_dossiers.lua 12345
local demarche = tonumber(arg[1]) or (sandbox and pcall(sandbox.url) and sandbox.demarche)
  or error("usage: guichet walk_dossiers.lua DEMARCHE", 0)

local dem = ds.demarche(demarche)
local by_state, by_groupe, total = {}, {}, 0
for d in dem:dossiers{} do
  total = total + 1
  by_state[d.state] = (by_state[d.state] or 0) + 1
  local g = d.groupeInstructeur.label
  by_groupe[g] = (by_groupe[g] or 0) + 1
end

print(("Démarche %d: %s — %d dossiers"):format(dem.number, dem.title, total))
for _, state in ipairs({ "en_construction", "en_instruction", "accepte", "refuse", "sans_suite" }) do
  print(("  %-16s %5d"):format(state, by_state[state] or 0))
end
print("by groupe:")
for _, g in ipairs(dem.groupes) do print(("  %-16s %5d"):format(g.label, by_groupe[g.label] or 0)) end
