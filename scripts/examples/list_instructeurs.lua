-- list_instructeurs.lua: lists the groupes instructeurs of a démarche and,
-- for each, the id and email of its instructeurs.
--
--   guichet --sandbox scripts/examples/list_instructeurs.lua [DEMARCHE]
--   DS_API_TOKEN=... guichet scripts/examples/list_instructeurs.lua 12345
--
-- (`sandbox` is a global even without --sandbox; sandbox.url() only works
-- when the sandbox runs, so the default démarche applies only there.)
local demarche = tonumber(arg[1]) or (sandbox and pcall(sandbox.url) and sandbox.demarche)
  or error("usage: guichet list_instructeurs.lua DEMARCHE", 0)

local dem = ds.demarche(demarche)
print(("Démarche %d: %s — %d groupes"):format(dem.number, dem.title, #dem.groupes))
for _, groupe in ipairs(dem.groupes) do
  print(("\n%s (groupe %d%s), %d instructeurs"):format(groupe.label, groupe.number,
    groupe.closed and ", fermé" or "", #groupe.instructeurs))
  for _, instructeur in ipairs(groupe.instructeurs) do
    print(("  %-28s %s"):format(instructeur.id, instructeur.email))
  end
end
