-- send_message.lua: sends a message with an attachment to the usager of a
-- dossier, as the configured instructeur (ds.config / DS_INSTRUCTEUR).
--
--   guichet --sandbox scripts/examples/send_message.lua [DOSSIER [FILE [TEXT]]]
--   DS_API_TOKEN=... DS_INSTRUCTEUR=me@example.gouv.fr guichet scripts/examples/send_message.lua 123456 modele.pdf
--
-- Without a dossier (on the sandbox) it takes the first dossier of a groupe
-- the instructeur belongs to; without a file, it attaches a small text file
-- made for the occasion. Attachments are at most 20 MB.
local me = ds.config().instructeur
local function member(groupe)
  for _, i in ipairs(groupe.instructeurs) do
    if me and i.email:lower() == me:lower() then return true end
  end
  return false
end

local number = tonumber(arg[1])
if not number and sandbox and pcall(sandbox.url) then
  for d in ds.demarche(sandbox.demarche):dossiers{} do
    if member(d.groupeInstructeur) then number = d.number; break end
  end
end
if not number then error("usage: guichet send_message.lua DOSSIER [FILE [TEXT]]", 0) end

local path, made = arg[2], false
if not path then
  local dir = os.tmpname() -- a unique name (the file it creates makes way for a folder)
  os.remove(dir)
  assert(os.execute("mkdir " .. dir))
  path = dir .. "/informations.txt"
  local file = assert(io.open(path, "wb"))
  file:write("Pièces à fournir : devis signé, attestation d’assurance.\n")
  file:close()
  made = true
end

local d = ds.dossier(number)
local message = d:send_message{
  body = arg[3] or "Bonjour, vous trouverez ci-joint la liste des pièces à fournir. Cordialement.",
  pj = path,
}
if made then os.remove(path); os.remove((path:match("^(.*)/"))) end
print(("message %s sent on dossier %d by %s: « %s »"):format(message.id, d.number, message.email, message.body))
for _, f in ipairs(message.attachments) do print("  attachment: " .. tostring(f)) end
