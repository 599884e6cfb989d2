-- accept_with_justificatif.lua: accepts a dossier en instruction with a
-- motivation and a justificatif (a PDF uploaded first, then attached to the
-- decision), as the configured instructeur (ds.config / DS_INSTRUCTEUR):
--
--   ds.dossier(id):accept{motivation = "...", pj = "justificatif.pdf"}
--
--   guichet --sandbox scripts/examples/accept_with_justificatif.lua [DOSSIER [PDF [MOTIVATION]]]
--   DS_API_TOKEN=... DS_INSTRUCTEUR=me@example.gouv.fr guichet scripts/examples/accept_with_justificatif.lua 123456 decision.pdf
--
-- Without a dossier (on the sandbox) it takes the first dossier en
-- instruction in a groupe the instructeur belongs to; without a PDF, it makes
-- a small one. Try it first with `guichet --dry-run ...`: nothing is sent.
local me = ds.config().instructeur
local function member(groupe)
  for _, i in ipairs(groupe.instructeurs) do
    if me and i.email:lower() == me:lower() then return true end
  end
  return false
end

local id = tonumber(arg[1])
if not id and sandbox and pcall(sandbox.url) then
  for d in ds.demarche(sandbox.demarche):dossiers{ state = "en_instruction" } do
    if member(d.groupeInstructeur) then id = d.number; break end
  end
end
if not id then error("usage: guichet accept_with_justificatif.lua DOSSIER [PDF [MOTIVATION]]", 0) end

local pdf, made = arg[2], false
if not pdf then
  local dir = os.tmpname() -- a unique name (the file it creates makes way for a folder)
  os.remove(dir)
  assert(os.execute("mkdir " .. dir))
  pdf = dir .. "/justificatif.pdf"
  local file = assert(io.open(pdf, "wb"))
  file:write("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n",
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n",
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n",
    "trailer<</Root 1 0 R>>\n%%EOF\n")
  file:close()
  made = true
end

local d = ds.dossier(id):accept{ motivation = arg[3] or "Dossier complet, subvention accordée.", pj = pdf }
if made then os.remove(pdf); os.remove((pdf:match("^(.*)/"))) end
print(tostring(d))
print("  motivation:    " .. tostring(d.motivation))
print("  justificatif:  " .. tostring(d.motivationAttachment))
print("  attestation:   " .. tostring(d.attestation))
