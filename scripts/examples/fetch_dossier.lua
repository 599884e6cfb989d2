-- fetch_dossier.lua: fetches one dossier and prints its main fields, its
-- champs (with values of their natural Lua type), annotations and files.
--
--   guichet --sandbox scripts/examples/fetch_dossier.lua [DOSSIER]
--   DS_API_TOKEN=... guichet scripts/examples/fetch_dossier.lua 123456
--
-- Without a number (on the sandbox) it takes the first dossier of the
-- sandbox démarche.
local number = tonumber(arg[1])
if not number and sandbox and pcall(sandbox.url) then
  for d in ds.demarche(sandbox.demarche):dossiers{ page_size = 1 } do number = d.number; break end
end
if not number then error("usage: guichet fetch_dossier.lua DOSSIER", 0) end

local d = ds.dossier(number)
print(tostring(d))
local labels = {}
for _, l in ipairs(d.labels) do labels[#labels + 1] = l.name end
pp({
  number = d.number, state = d.state, archived = d.archived,
  demarche = d.demarche.number .. " " .. d.demarche.title,
  groupe = d.groupeInstructeur.label,
  usager = d.usager.email,
  demandeur = d.demandeur and ((d.demandeur.prenom or "") .. " " .. (d.demandeur.nom or d.demandeur.siret or "")),
  depose = d.dateDepot, modifie = d.dateDerniereModification, traite = d.dateTraitement,
  motivation = d.motivation, labels = labels, messages = #d.messages,
})

-- A champ's value: a string, number, boolean, a list (multiple choice), or
-- files for a pièce justificative.
local function show(champ)
  if champ.files then
    local names = {}
    for _, f in ipairs(champ.files) do names[#names + 1] = f.filename end
    return "[" .. table.concat(names, ", ") .. "]"
  end
  local v = champ.value
  if v == nil then return "—" end
  if type(v) == "table" and (#v > 0 or next(v) == nil) then return "[" .. table.concat(v, ", ") .. "]" end
  if type(v) == "table" then return pp.format(v) end   -- e.g. {primary=, secondary=}
  return tostring(v)
end

print("\nchamps:")
for _, champ in ipairs(d.champs) do
  print(("  %s (%s) = %s"):format(champ.label, champ.__typename, show(champ)))
end
print("\nannotations privées:")
for _, a in ipairs(d.annotations) do print(("  %s = %s"):format(a.label, show(a))) end
print("\nfichiers:")
for _, f in ipairs(d.files) do print(("  %s  (%s)"):format(tostring(f), f.origin)) end
