-- tour.lua: a short guided tour of what guichet does with démarches-
-- simplifiées: fetch a démarche, look at a dossier, iterate, accept one with
-- a justificatif, handle an error value, dry-run a mutation; then a few lines
-- of rdv (RDV-Solidarités) and of apidae (Apidae tourisme).
--
--   guichet --sandbox scripts/examples/tour.lua [DEMARCHE]
--
-- It accepts a dossier: run it on the sandbox (a fresh one at each run), or
-- on a test démarche of your own.
local demarche = tonumber(arg[1]) or (sandbox and pcall(sandbox.url) and sandbox.demarche)
  or error("usage: guichet tour.lua DEMARCHE", 0)
local function step(title) print("\n== " .. title) end

step("1. ds.demarche(n): a démarche, its groupes and labels")
local dem = ds.demarche(demarche)
print(tostring(dem))
for _, g in ipairs(dem.groupes) do print("  " .. tostring(g)) end
local labels = {}
for _, l in ipairs(dem.labels) do labels[#labels + 1] = l.name end
print("  labels: " .. table.concat(labels, ", "))

step("2. iterating: demarche:dossiers{...} reads page after page")
local me = ds.config().instructeur
local counts, mine = {}, nil
for d in dem:dossiers{} do
  counts[d.state] = (counts[d.state] or 0) + 1
  for _, i in ipairs(d.groupeInstructeur.instructeurs) do
    if not mine and d.state == "en_instruction" and me and i.email:lower() == me:lower() then mine = d end
  end
end
pp(counts)
if not mine then error("no dossier en instruction in a groupe of " .. tostring(me), 0) end

step("3. a dossier: champs by label, with values of their natural type")
local champs = {}
for i = 1, math.min(4, #mine.champs) do
  local label = mine.champs[i].label
  champs[label] = mine.champs[label].value -- d.champs["Label"] finds a champ by label (or id)
end
pp({ number = mine.number, state = mine.state, usager = mine.usager.email, groupe = mine.groupeInstructeur.label,
  files = #mine.files, champs = champs })

step("4. d:accept{motivation =, pj =}: uploads the PDF, then decides")
local dir = os.tmpname() -- a unique name, turned into a folder
os.remove(dir)
assert(os.execute("mkdir " .. dir))
local pdf = dir .. "/justificatif.pdf"
local file = assert(io.open(pdf, "wb"))
file:write("%PDF-1.4\n% justificatif de la décision\n%%EOF\n")
file:close()
mine:accept{ motivation = "Dossier complet.", pj = pdf }
print(tostring(mine))
print("  justificatif: " .. tostring(mine.motivationAttachment))
print("  attestation:  " .. tostring(mine.attestation))

step("5. errors are values with a kind (here, accepting twice)")
local ok, err = pcall(mine.accept, mine, { motivation = "Encore ?" })
print(("  ok = %s, kind = %s, message = %s"):format(tostring(ok), err.kind, err.message))
print("  tostring(err) = " .. tostring(err))

step("6. ds.config{dry_run = true}: mutations are printed (on stderr), not sent")
ds.config{ dry_run = true }
mine:repasser_en_instruction()
ds.config{ dry_run = false }
print("  state on the server is still: " .. ds.dossier(mine.number).state)
os.remove(pdf)
os.remove(dir)

step("7. rdv: RDV-Solidarités, as the agent `guichet login rdv` signed in (one session, shared)")
local signed_in, agent = pcall(rdv.me)
if not signed_in then
  print("  skipped: " .. tostring(agent.message or agent))
else
  print("  " .. tostring(agent))
  local org = rdv.organisations()()   -- iterators: the first organisation
  print("  " .. tostring(org))
  -- Dates without a time zone are Paris time for RDV.
  local shown = 0
  for r in org:rdvs{ starts_after = "2025-01-06", starts_before = "2025-01-07" } do
    shown = shown + 1
    if shown <= 3 then print("  " .. tostring(r)) end
  end
  print(("  %d RDVs that day"):format(shown))
  local found, e = pcall(rdv.user, 999999)
  if not found then print(("  rdv.user(999999): kind = %s, status = %s"):format(e.kind, tostring(e.status))) end
end

step("8. apidae: Apidae tourisme, queries checked before they leave")
local found, objet = pcall(apidae.objet, 5000108)
if not found then
  print("  skipped: " .. tostring(objet.message or objet))
else
  print("  " .. tostring(objet))
  -- A Recherche knows numFound before the loop; pages are fetched as it goes.
  local r = apidae.recherche{ selectionIds = { 64001 }, locales = { "fr", "en" }, count = 20 }
  print(("  sélection 64001: %d objets, %d read in pages of 20"):format(r.numFound, #r:list()))
  local membres = apidae.membres{ filter = { communeCode = "26362" } }
  print(("  %d membres in Valence, the first: %s"):format(#membres, tostring(membres[1])))
  -- A field Apidae does not know is refused here, with the near miss; nothing is sent.
  local ok, e = pcall(apidae.recherche, { selectionId = { 64001 } })
  if not ok then print("  " .. e.kind .. ": " .. e.message:match("unknown field '[^']+'; did you mean '[^']+'%?")) end
end
