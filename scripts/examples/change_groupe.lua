-- change_groupe.lua: moves a dossier to another groupe instructeur, given by
-- its label, and prints the groupe before and after.
--
--   guichet --sandbox scripts/examples/change_groupe.lua [DOSSIER [GROUPE]]
--   DS_API_TOKEN=... guichet scripts/examples/change_groupe.lua 123456 "Lyon"
--
-- Without a dossier (on the sandbox) it takes the first dossier of the
-- sandbox démarche; without a groupe, the first other groupe of its démarche.
-- Changing groupe runs as the token's administrateur: no instructeur needed.
local number = tonumber(arg[1])
if not number and sandbox and pcall(sandbox.url) then
  for d in ds.demarche(sandbox.demarche):dossiers{ page_size = 1 } do number = d.number; break end
end
if not number then error("usage: guichet change_groupe.lua DOSSIER [GROUPE]", 0) end

local d = ds.dossier(number)
local before = d.groupeInstructeur.label
local target = arg[2]
if not target then
  for _, g in ipairs(ds.demarche(d.demarche.number).groupes) do
    if g.label ~= before and not g.closed then target = g.label; break end
  end
end
if not target then error("démarche " .. d.demarche.number .. " has no other groupe", 0) end

print(("before: dossier %d is in groupe « %s »"):format(d.number, before))
d:change_groupe(target)   -- d is refreshed with the server's answer
local emails = {}
for _, i in ipairs(d.groupeInstructeur.instructeurs) do emails[#emails + 1] = i.email end
print(("after:  dossier %d is in groupe « %s » (instructeurs: %s)"):format(d.number,
  d.groupeInstructeur.label, table.concat(emails, ", ")))
