-- Tests of the ds module (stdlib/ds.lua and its Swift half) against the
-- sandbox's fake démarches-simplifiées. Run with
--   .build/debug/guichet --sandbox -e 'package.path="Tests/lua/?.lua;"..package.path' Tests/lua/ds_sandbox_test.lua
-- Every run starts a fresh sandbox; the tests share it, so each test that
-- changes a dossier takes one nobody else uses (take() below).
local t = require "testing"

-- `sandbox` is a global even without --sandbox; only its calls fail then.
if not pcall(sandbox.url) then
  io.stderr:write("ds_sandbox_test.lua needs the sandbox: run it with guichet --sandbox\n")
  print("ok 0 tests (skipped: not started with --sandbox)")
  return
end

local ADMIN = sandbox.ds_tokens.admin
local STATES = { "en_construction", "en_instruction", "accepte", "refuse", "sans_suite" }
local MUTATIONS = {
  createDirectUpload = true, dossierPasserEnInstruction = true, dossierAccepter = true, dossierRefuser = true,
  dossierClasserSansSuite = true, dossierRepasserEnConstruction = true, dossierRepasserEnInstruction = true,
  dossierArchiver = true, dossierDesarchiver = true, dossierBasculeSuivi = true, dossierEnvoyerMessage = true,
  dossierAjouterLabel = true, dossierSupprimerLabel = true, dossierChangerGroupeInstructeur = true,
  dossierModifierAnnotations = true,
}

---------------------------------------------------------------------------
-- Helpers

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function basename(path) return path:match("[^/]+$") end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local chunk = {}
    for j = 3, 0, -1 do
      local k = (n >> (6 * j)) & 63
      chunk[#chunk + 1] = B64:sub(k + 1, k + 1)
    end
    if not b then chunk[3], chunk[4] = "=", "=" elseif not c then chunk[4] = "=" end
    out[#out + 1] = table.concat(chunk)
  end
  return table.concat(out)
end
local function relay_id(type_name, number) return base64(type_name .. "-" .. number) end

-- Base64 MD5 of a file (as the API gives checksums), or nil without md5sum.
local function md5_base64(path)
  local pipe = io.popen("md5sum " .. quote(path) .. " 2>/dev/null")
  local hex = pipe and pipe:read("l")
  if pipe then pipe:close() end
  hex = hex and hex:match("^(%x+)")
  if not hex or #hex ~= 32 then return nil end
  return base64((hex:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)))
end

local function list_dir(dir)
  local names = {}
  local pipe = io.popen("ls -A " .. quote(dir) .. " 2>/dev/null")
  for line in pipe:lines() do names[#names + 1] = line end
  pipe:close()
  table.sort(names)
  return names
end

-- One folder for everything the tests write, removed at the end.
local root = t.temp_path("-ds-sandbox-test")
assert(os.execute("mkdir -p " .. quote(root)))
local function write_temp(name, content)
  local path = root .. "/" .. name
  t.write_file(path, content)
  return path
end
local PDF = write_temp("justificatif.pdf", "%PDF-1.4\n% justificatif de test\n%%EOF\n")
local NOTE = write_temp("note.txt", "Liste des pièces à fournir.\n")

-- The request log: drain() returns what was recorded since the last drain
-- and clears it, keeping every rejected document for the last test.
local rejected, seen = {}, 0
local function drain()
  local records = sandbox.requests()
  for _, r in ipairs(records) do
    seen = seen + 1
    if type(r.rejected) == "table" and #r.rejected > 0 then
      rejected[#rejected + 1] = tostring(r.operation) .. ": " .. table.concat(r.rejected, "; ")
    end
  end
  sandbox.clear_requests()
  return records
end
local function name_of(r)
  if r.operation ~= nil and r.operation ~= json.null then return r.operation end
  return r.method .. " " .. r.path
end
local function count(records, pattern)
  local n = 0
  for _, r in ipairs(records) do
    if name_of(r):find(pattern) then n = n + 1 end
  end
  return n
end

-- Expects fn to raise an error value of `kind` whose message contains `needle`.
local function raises(kind, needle, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected a " .. kind .. " error" .. (needle and (" containing " .. t.show(needle)) or ""), 2) end
  if type(err) ~= "table" then error("expected an error value, got " .. t.show(tostring(err)), 2) end
  t.eq(err.kind, kind, "kind of: " .. tostring(err.message))
  if needle then t.contains(err.message, needle, "message") end
  return err
end

-- Runs fn with another token (or instructeur), always restoring the defaults.
local me = ds.config().instructeur
local function with_config(changes, fn)
  ds.config(changes)
  local ok, err = pcall(fn)
  ds.config{ token = ADMIN, instructeur = me, dry_run = false }
  t.eq(ds.config().token_set, true, "token restored")
  if not ok then error(err, 0) end
end

local function member(groupe, email)
  for _, i in ipairs(groupe.instructeurs or {}) do
    if email and i.email:lower() == email:lower() then return true end
  end
  return false
end

---------------------------------------------------------------------------
-- A snapshot of every dossier, and a pool for the tests that change them

local dem = ds.demarche(sandbox.demarche)
local all = {}
for d in dem:dossiers{} do all[#all + 1] = d end
local taken = {}

-- A fresh copy of an unused dossier in `state` (any when nil), in a groupe
-- the default instructeur belongs to ("mine") or not ("other").
local function take(state, who)
  for _, d in ipairs(all) do
    local mine = member(d.groupeInstructeur, me)
    if not taken[d.number] and (state == nil or d.state == state)
      and (who == nil or (who == "mine") == mine) then
      taken[d.number] = true
      return ds.dossier(d.number)
    end
  end
  error(("no unused dossier left (state %s, %s)"):format(tostring(state), tostring(who)), 2)
end
drain()

---------------------------------------------------------------------------
-- Reading

t.test("ds.dossier: main fields", function()
  local d = take()
  t.eq(getmetatable(d).__name, "Dossier")
  t.eq(math.type(d.number), "integer")
  t.eq(d.id, relay_id("Dossier", d.number), "relay id")
  local known = {}
  for _, s in ipairs(STATES) do known[s] = true end
  t.eq(known[d.state], true, "state " .. tostring(d.state))
  t.eq(d.archived, false)
  t.contains(d.usager.email, "@")
  t.eq(d.demarche.number, dem.number)
  t.eq(d.demarche.title, dem.title)
  t.eq(dem:groupe(d.groupeInstructeur.number).label, d.groupeInstructeur.label)
  t.eq(d.groupeInstructeur.id, relay_id("GroupeInstructeur", d.groupeInstructeur.number))
  t.eq(type(d.dateDepot), "string")
  t.eq(d.dateDepot:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$") ~= nil, true, "ISO 8601 dateDepot " .. d.dateDepot)
  t.eq(d.demandeur.__typename, "PersonnePhysique")
  t.eq(type(d.demandeur.nom), "string")
  t.eq(type(d.labels), "table")
  t.eq(type(d.messages), "table")
  t.eq(type(d.traitements), "table")
  t.contains(tostring(d), "<Dossier " .. d.number .. " " .. d.state)
end)

t.test("champs by label and by id, with typed values", function()
  local d = take()
  t.eq(#d.champs, #dem.champ_descriptors, "one champ per descriptor")
  for i, descriptor in ipairs(dem.champ_descriptors) do
    local champ = d.champs[descriptor.label]
    t.eq(type(champ), "table", "champ " .. descriptor.label)
    t.eq(d.champs[descriptor.id], champ, "same champ by id: " .. descriptor.label)
    t.eq(d.champs[i], champ, "in the descriptors' order")
    t.eq(champ.__typename .. "Descriptor", descriptor.__typename, "type of " .. descriptor.label)
  end
  local c = d.champs
  t.eq(type(c["Nom de l’établissement"].value), "string")
  t.eq(c["Nom de l’établissement"].value, c["Nom de l’établissement"].stringValue)
  t.eq(c["Nom de l’établissement"].text, nil, "the GraphQL alias is folded into value")
  t.eq(math.type(c["Nombre de salariés"].value), "integer")
  t.eq(math.type(c["Montant demandé (€)"].value), "float")
  t.eq(c["Date de début des travaux"].value:match("^%d%d%d%d%-%d%d%-%d%d$") ~= nil, true, "date")
  t.eq(c["Déclaration sur l’honneur"].value, true)
  t.eq(type(c["Bâtiment classé"].value), "boolean")
  local options = {}
  for _, o in ipairs(dem.champ_descriptors[7].options) do options[o] = true end
  t.eq(dem.champ_descriptors[7].label, "Catégorie")
  t.eq(options[c["Catégorie"].value], true, "choice among the options")
  t.eq(type(c["Financements déjà obtenus"].value), "table")
  local devis = c["Devis"].value
  t.eq(#devis, 1)
  t.eq(getmetatable(devis[1]).__name, "File")
  t.eq(devis[1].filename, "devis-" .. d.number .. ".pdf")
  t.eq(c["Nope, no such champ"], nil)
  t.eq(c[10000], nil)
end)

t.test("annotations: labels, types, empty values", function()
  local d = take()
  t.eq(#d.annotations, #dem.annotation_descriptors)
  for i, descriptor in ipairs(dem.annotation_descriptors) do
    t.eq(d.annotations[i].label, descriptor.label)
    t.eq(d.annotations[descriptor.id], d.annotations[i], "by id")
  end
  t.eq(d.annotations["Visite effectuée"].__typename, "CheckboxChamp")
  t.eq(d.annotations["Visite effectuée"].value, false)
  t.eq(d.annotations["Avis de l’instructeur"].value, nil)
  t.eq(d.annotations["Priorité"].__typename, "IntegerNumberChamp")
end)

t.test("files: champs and attestation, with size, checksum and origin", function()
  local d = take("accepte")
  t.eq(#d.files, 2, "the devis and the attestation")
  local origins = {}
  for _, f in ipairs(d.files) do
    origins[f.origin] = f
    t.eq(getmetatable(f).__name, "File")
    t.eq(math.type(f.size), "integer")
    t.eq(f.size, math.tointeger(tonumber(f.byteSizeBigInt)))
    t.eq(#f.checksum, 24, "base64 MD5")
    t.eq(f.url:match("^https?://") ~= nil, true, "url")
    t.contains(tostring(f), f.filename)
  end
  t.eq(origins["champ:Devis"], d.champs["Devis"].files[1], "the same File object")
  t.eq(origins["attestation"], d.attestation)
  t.eq(d.attestation.contentType, "application/pdf")
end)

t.test("ds.demarche: groupes, labels, descriptors", function()
  t.eq(getmetatable(dem).__name, "Demarche")
  t.eq(dem.number, sandbox.demarche)
  t.eq(dem.title, "Subvention « Rénovation énergétique »")
  t.contains(tostring(dem), "<Demarche " .. dem.number)
  local labels = {}
  for _, g in ipairs(dem.groupes) do
    labels[#labels + 1] = g.label
    t.eq(getmetatable(g).__name, "Groupe")
    t.eq(dem:groupe(g.number), g, "by number")
    t.eq(dem:groupe(g.label), g, "by label")
    t.eq(dem:groupe(g.id), g, "by id")
    t.eq(#g.instructeurs > 0, true)
    for _, i in ipairs(g.instructeurs) do t.contains(i.email, "@") end
  end
  t.eq(table.concat(labels, ","), "Paris,Lyon,Marseille")
  t.eq(member(dem:groupe("Paris"), me), true)
  t.eq(member(dem:groupe("Marseille"), me), true)
  t.eq(member(dem:groupe("Lyon"), me), false)
  t.eq(dem:groupe("Nantes"), nil)
  local names = {}
  for _, l in ipairs(dem.labels) do names[#names + 1] = l.name end
  t.eq(table.concat(names, ","), "Urgent,Pièce manquante,Visite prévue")
  t.eq(dem:label("Urgent").id, dem.labels[1].id)
  t.eq(dem:label(dem.labels[2].id).name, "Pièce manquante")
  t.eq(#dem.champ_descriptors, 10)
  t.eq(#dem.annotation_descriptors, 6)
  t.eq(dem.champ_descriptors[1].__typename, "TextChampDescriptor")
  t.eq(dem.champ_descriptors[1].required, true)
  t.eq(dem.annotation_descriptors[6].__typename, "DropDownListChampDescriptor")
  t.eq(#dem.annotation_descriptors[6].options, 3)
  local public = ds.descriptor(dem.number)
  t.eq(public.title, dem.title)
  t.eq(#public.revision.champDescriptors, 10)
end)

t.test("groupe:dossiers, counted in parallel, add up to the démarche", function()
  local counts = parallel.map(dem.groupes, function(g)
    local groupe = ds.groupe(g.number)
    t.eq(groupe.label, g.label)
    t.eq(#groupe.instructeurs, #g.instructeurs)
    local n = 0
    for d in groupe:dossiers{ page_size = 50 } do
      t.eq(d.groupeInstructeur.number, g.number, "dossier " .. d.number .. " of groupe " .. g.label)
      n = n + 1
    end
    return n
  end)
  local total = 0
  for i, g in ipairs(dem.groupes) do
    local expected = 0
    for _, d in ipairs(all) do if d.groupeInstructeur.number == g.number then expected = expected + 1 end end
    t.eq(counts[i], expected, "groupe " .. g.label)
    total = total + counts[i]
  end
  t.eq(total, #all)
  local first = dem.groupes[1]:dossiers{ page_size = 1 }()
  t.eq(first.groupeInstructeur.number, dem.groupes[1].number, "a groupe from the démarche iterates too")
end)

t.test("pagination with page_size = 7 reads every dossier once", function()
  drain()
  local numbers, pages, total = {}, 0, 0
  local last
  for page in dem:pages{ page_size = 7 } do
    pages = pages + 1
    t.eq(#page.nodes <= 7, true, "page size")
    if page.has_next_page then t.eq(#page.nodes, 7, "full page " .. pages) end
    for _, d in ipairs(page.nodes) do
      t.eq(numbers[d.number], nil, "no duplicate " .. d.number)
      numbers[d.number] = true
      total = total + 1
    end
    t.eq(type(page.end_cursor), "string")
    last = page
  end
  t.eq(#all, math.tointeger(tonumber(os.getenv("GUICHET_SANDBOX_DOSSIERS") or "300")), "the seeded dossiers")
  t.eq(total, #all, "every dossier")
  t.eq(pages, (#all + 6) // 7)
  t.eq(last.has_next_page, false)
  t.eq(count(drain(), "^getDemarcheDossiers$"), pages, "one request per page")
  local again, cursors = 0, 0
  for d, cursor in dem:dossiers{ page_size = 7 } do
    t.eq(numbers[d.number], true)
    again = again + 1
    -- the cursor comes with a page's last dossier only
    if cursor then
      t.eq(type(cursor), "string")
      t.eq(again % 7 == 0 or again == #all, true, "cursor at the end of a page")
      cursors = cursors + 1
    end
  end
  t.eq(again, #all)
  t.eq(cursors, pages)
end)

t.test("state filter", function()
  local sum = 0
  for _, state in ipairs(STATES) do
    local n, expected = 0, 0
    for d in dem:dossiers{ state = state } do
      t.eq(d.state, state)
      n = n + 1
    end
    for _, d in ipairs(all) do if d.state == state then expected = expected + 1 end end
    t.eq(n, expected, state)
    t.eq(n > 0, true, state .. " is seeded")
    sum = sum + n
  end
  t.eq(sum, #all)
end)

t.test("updated_since, and resuming from a saved cursor without duplicates", function()
  local since = "2024-01-10T00:00:00Z"
  local expected = 0
  for _, d in ipairs(all) do if d.dateDerniereModification >= since then expected = expected + 1 end end
  t.eq(expected > 0 and expected < #all, true, "a strict subset: " .. expected)

  -- A first run stops after two pages and saves its cursor.
  local seen_numbers, saved, pages, n = {}, nil, 0, 0
  for page in dem:pages{ updated_since = since, page_size = 50 } do
    for _, d in ipairs(page.nodes) do seen_numbers[d.number] = true; n = n + 1 end
    saved = page.end_cursor
    pages = pages + 1
    if pages == 2 then break end
  end
  -- The next run resumes after it.
  local previous, final = "", saved
  for page in dem:pages{ updated_since = since, after = saved, page_size = 50 } do
    for _, d in ipairs(page.nodes) do
      t.eq(seen_numbers[d.number], nil, "no duplicate " .. d.number)
      seen_numbers[d.number] = true
      t.eq(d.dateDerniereModification >= since, true)
      t.eq(d.dateDerniereModification >= previous, true, "ordered by update time")
      previous = d.dateDerniereModification
      n = n + 1
    end
    t.eq(type(page.end_cursor), "string", "never a nil cursor")
    final = page.end_cursor
  end
  t.eq(n, expected)

  -- Nothing changed: resuming gives an empty page that keeps the cursor.
  local empty = dem:pages{ updated_since = since, after = final }()
  t.eq(#empty.nodes, 0)
  t.eq(empty.end_cursor, final, "the saved cursor is kept")
  t.eq(empty.has_next_page, false)

  -- A dossier changed since: resuming gives exactly it.
  local d = take("en_instruction", "mine")
  d:follow()
  local changed = {}
  for page in dem:pages{ updated_since = since, after = final } do
    for _, node in ipairs(page.nodes) do changed[#changed + 1] = node.number end
  end
  t.eq(#changed, 1)
  t.eq(changed[1], d.number)
end)

t.test("deleted_dossiers and pending_deleted_dossiers", function()
  local numbers = {}
  for gone in dem:deleted_dossiers{} do
    numbers[#numbers + 1] = gone.number
    t.eq(type(gone.reason), "string")
    t.eq(type(gone.dateSupression), "string")
    t.eq(type(gone.state), "string")
  end
  t.eq(#numbers, 3)
  local since = {}
  for gone in dem:deleted_dossiers{ since = "2024-01-10T00:00:00Z" } do since[#since + 1] = gone.number end
  t.eq(#since, 2)
  local paged = {}
  for gone, cursor in dem:deleted_dossiers{ page_size = 1 } do
    paged[#paged + 1] = gone.number
    t.eq(type(cursor), "string")
  end
  t.eq(table.concat(paged, ","), table.concat(numbers, ","), "the same, one per page")
  local pending = {}
  for gone in dem:pending_deleted_dossiers{} do pending[#pending + 1] = gone.number end
  t.eq(#pending, 1)
end)

---------------------------------------------------------------------------
-- Mutations

t.test("passer_en_instruction, then a second time fails in French", function()
  local d = take("en_construction", "mine")
  local same = d:passer_en_instruction()
  t.eq(same, d, "returns the dossier, refreshed")
  t.eq(d.state, "en_instruction")
  t.eq(type(d.datePassageEnInstruction), "string")
  raises("validation", "Le dossier est déjà en instruction", d.passer_en_instruction, d)
  t.eq(ds.dossier(d.number).state, "en_instruction")
end)

t.test("accept with motivation and pj; a second accept is a validation error", function()
  local d = take("en_instruction", "mine")
  d:accept{ motivation = "Dossier complet.", pj = PDF }
  t.eq(d.state, "accepte")
  t.eq(d.motivation, "Dossier complet.")
  t.eq(d.motivationAttachment.filename, basename(PDF))
  t.eq(d.attestation.contentType, "application/pdf")
  t.eq(d.traitements[#d.traitements].event, "accepte")
  t.eq(d.traitements[#d.traitements].emailAgentTraitant, me)
  local err = raises("validation", "Le dossier est déjà accepté", d.accept, d, { motivation = "encore" })
  t.eq(err.details[1].message, "Le dossier est déjà accepté")
  t.contains(tostring(err), "[validation]")
  local fresh = ds.dossier(d.number)
  t.eq(fresh.state, "accepte")
  t.eq(fresh.motivationAttachment.checksum, md5_base64(PDF) or fresh.motivationAttachment.checksum)
end)

t.test("refuse with motivation and pj; refuse without motivation sends nothing", function()
  local d = take("en_instruction", "mine")
  drain()
  raises("usage", "needs a motivation", d.refuse, d, {})
  raises("usage", "needs a motivation", d.refuse, d, { motivation = "" })
  t.eq(#drain(), 0, "no request")
  d:refuse{ motivation = "Le projet ne répond pas aux critères.", pj = PDF }
  t.eq(d.state, "refuse")
  t.eq(d.motivation, "Le projet ne répond pas aux critères.")
  t.eq(d.motivationAttachment.filename, basename(PDF))
  raises("validation", "Le dossier est déjà refusé", d.refuse, d, { motivation = "encore" })
end)

t.test("classer_sans_suite with motivation, pj and notify = false", function()
  local d = take("en_instruction", "mine")
  d:classer_sans_suite{ motivation = "Sans suite.", pj = NOTE, notify = false }
  t.eq(d.state, "sans_suite")
  t.eq(d.motivationAttachment.filename, basename(NOTE))
  t.eq(d.traitements[#d.traitements].event, "classe_sans_suite")
  raises("usage", "needs a motivation", d.classer_sans_suite, d, {})
  raises("validation", "Le dossier est déjà classé sans suite", d.classer_sans_suite, d, { motivation = "x" })
end)

t.test("repasser_en_construction", function()
  local d = take("en_instruction", "mine")
  d:repasser_en_construction()
  t.eq(d.state, "en_construction")
  raises("validation", "Le dossier est déjà en construction", d.repasser_en_construction, d)
  raises("validation", "Le dossier est en construction", d.accept, d, {})
end)

t.test("repasser_en_instruction", function()
  local d = take("refuse", "mine")
  d:repasser_en_instruction{ notify = false }
  t.eq(d.state, "en_instruction")
  t.eq(d.dateTraitement, nil)
  t.eq(d.motivation, nil)
  raises("validation", "ne peut pas repasser en instruction", d.repasser_en_instruction, d)
end)

t.test("archive and unarchive", function()
  local undecided = take("en_instruction", "mine")
  raises("validation", "une fois le traitement terminé", undecided.archive, undecided)
  local d = take("accepte", "mine")
  d:archive()
  t.eq(d.archived, true)
  t.eq(ds.dossier(d.number).archived, true)
  local found = false
  for x in dem:dossiers{ archived = true } do
    t.eq(x.archived, true)
    if x.number == d.number then found = true end
  end
  t.eq(found, true, "archived = true lists it")
  raises("validation", "Le dossier est déjà archivé", d.archive, d)
  raises("validation", "ne peut pas repasser en instruction", d.repasser_en_instruction, d)
  d:unarchive()
  t.eq(d.archived, false)
  raises("validation", "Le dossier n’est pas archivé", d.unarchive, d)
end)

t.test("follow and unfollow", function()
  local d = take("en_instruction", "mine")
  d:follow()
  t.eq(member({ instructeurs = d.instructeurs }, me), true, "followed")
  t.eq(member({ instructeurs = ds.dossier(d.number).instructeurs }, me), true)
  d:unfollow()
  t.eq(member({ instructeurs = d.instructeurs }, me), false, "unfollowed")
end)

t.test("send_message with a pj", function()
  local d = take("accepte", "mine")
  local before = #d.messages
  local message = d:send_message{ body = "Bonjour, voici la note.", pj = NOTE }
  t.eq(message.body, "Bonjour, voici la note.")
  t.eq(message.email, me)
  t.eq(#message.attachments, 1)
  t.eq(getmetatable(message.attachments[1]).__name, "File")
  t.eq(message.attachments[1].filename, basename(NOTE))
  t.eq(message.attachments[1].contentType, "text/plain")
  t.eq(d.messages[#d.messages], message, "appended to the dossier")
  d:reload()
  t.eq(#d.messages, before + 1)
  t.eq(d.messages[#d.messages].attachments[1].filename, basename(NOTE))
  local path = d.messages[#d.messages].attachments[1]:download(root .. "/message/" .. basename(NOTE))
  t.eq(t.read_file(path), t.read_file(NOTE), "the attachment round-trips")
  local from_message
  for _, f in ipairs(d.files) do if f.origin == "message" then from_message = f end end
  t.eq(from_message and from_message.filename, basename(NOTE), "d.files lists message attachments")
  raises("validation", "ne peut être vide", d.send_message, d, { body = "   " })
  raises("usage", "option 'body'", d.send_message, d, {})
end)

t.test("send_message with a correction", function()
  local d = take("en_instruction", "mine")
  drain()
  raises("usage", "correction must be", d.send_message, d, { body = "x", correction = "wrong" })
  t.eq(#drain(), 0, "no request")
  d:send_message{ body = "Merci de joindre le devis signé.", correction = "incomplete" }
  d:reload()
  t.eq(d.state, "en_construction", "a correction sends the dossier back to the usager")
  t.eq(d.messages[#d.messages].correction.reason, "incomplete")
  local decided = take("refuse", "mine")
  raises("validation", "demande de correction", decided.send_message, decided, { body = "x", correction = "outdated" })
end)

t.test("add_label and remove_label, by name and by id", function()
  local d = take("en_instruction", "other") -- labels run as the administrateur
  local function names()
    local list = {}
    for _, l in ipairs(d.labels) do list[#list + 1] = l.name end
    table.sort(list)
    return table.concat(list, ",")
  end
  d:add_label("Pièce manquante")
  t.contains(names(), "Pièce manquante")
  d:add_label(dem:label("Visite prévue").id)
  t.contains(names(), "Visite prévue")
  raises("validation", "Ce label est déjà associé au dossier", d.add_label, d, "Pièce manquante")
  d:remove_label("Pièce manquante")
  t.eq(names():find("Pièce manquante", 1, true), nil)
  raises("validation", "Ce label n’est pas associé au dossier", d.remove_label, d, "Pièce manquante")
  d:remove_label(dem:label("Visite prévue").id)
  local err = raises("usage", "no label \"Inconnu\"", d.add_label, d, "Inconnu")
  t.contains(err.message, "Urgent, Pièce manquante, Visite prévue")
  raises("usage", "label name or id expected", d.add_label, d, 12)
  t.eq(#ds.dossier(d.number).labels, #d.labels)
end)

t.test("change_groupe by label and by number", function()
  local d = take("en_construction", "mine")
  local home = d.groupeInstructeur
  d:change_groupe("Lyon")
  t.eq(d.groupeInstructeur.label, "Lyon")
  t.eq(ds.dossier(d.number).groupeInstructeur.label, "Lyon")
  raises("validation", "Le dossier est déjà avec le groupe instructeur : « Lyon »", d.change_groupe, d, "Lyon")
  d:change_groupe(home.number)
  t.eq(d.groupeInstructeur.number, home.number)
  raises("usage", "no groupe \"Nantes\"", d.change_groupe, d, "Nantes")
  raises("usage", "groupe number or label expected", d.change_groupe, d, true)
  raises("validation", "n’existe pas", d.change_groupe, d, 999999)
  local other = ds.demarche(1002).groupes[1]
  raises("validation", "doit appartenir à la même démarche", d.change_groupe, d, other.number)
end)

t.test("annotate with each type", function()
  local d = take("en_instruction", "mine")
  local same = d:annotate{
    ["Avis de l’instructeur"] = "Favorable, sous réserve.",
    ["Visite effectuée"] = true,
    ["Montant accordé (€)"] = 1234.5,
    ["Date de la commission"] = "2024-05-02",
    ["Priorité"] = 2,
    ["Décision de la commission"] = "Ajourné",
  }
  t.eq(same, d)
  local function check(a, label)
    t.eq(a["Avis de l’instructeur"].value, "Favorable, sous réserve.", label)
    t.eq(a["Visite effectuée"].value, true, label)
    t.eq(a["Montant accordé (€)"].value, 1234.5, label)
    t.eq(a["Date de la commission"].value, "2024-05-02", label)
    t.eq(a["Priorité"].value, 2, label)
    t.eq(a["Décision de la commission"].value, "Ajourné", label)
  end
  check(d.annotations, "the answer")
  check(ds.dossier(d.number).annotations, "read again")
  d:annotate{ ["Montant accordé (€)"] = 1500 } -- an integer for a decimal
  t.eq(ds.dossier(d.number).annotations["Montant accordé (€)"].value, 1500.0)
  d:annotate{ ["Visite effectuée"] = false }
  t.eq(ds.dossier(d.number).annotations["Visite effectuée"].value, false)
  drain()
  raises("usage", "takes a integer, got string", d.annotate, d, { ["Priorité"] = "2" })
  raises("usage", "takes a integer", d.annotate, d, { ["Priorité"] = 2.5 })
  raises("usage", "takes a boolean", d.annotate, d, { ["Visite effectuée"] = "oui" })
  raises("usage", "no annotation \"Inconnue\"", d.annotate, d, { Inconnue = 1 })
  raises("usage", "table expected", d.annotate, d, "x")
  t.eq(#drain(), 0, "no request for bad arguments")
  raises("validation", "n’est pas de type attendu", d.annotate, d, { ["Décision de la commission"] = "Peut-être" })
end)

---------------------------------------------------------------------------
-- Who acts, with which token

t.test("instructeur resolution: as =, ds.config{instructeur =}, non-members", function()
  local d = take("en_instruction", "other")
  local lyon = d.groupeInstructeur.instructeurs[1].email
  drain()
  local err = raises("auth", "not an instructeur of its groupe « " .. d.groupeInstructeur.label .. " »", d.follow, d)
  t.contains(err.message, me)
  t.contains(err.message, lyon, "names who can")
  raises("auth", "cannot act on dossier", d.accept, d, { as = "personne@exemple.fr" })
  t.eq(#drain(), 0, "refused before any request")
  d:follow{ as = lyon:upper() } -- emails compare without case
  t.eq(member({ instructeurs = d.instructeurs }, lyon), true)
  with_config({ instructeur = lyon }, function() d:unfollow() end)
  t.eq(ds.config().instructeur, me)
  d:accept{ as = lyon, motivation = "Vu." }
  t.eq(d.state, "accepte")
  t.eq(d.traitements[#d.traitements].emailAgentTraitant, lyon)
end)

t.test("a read-only token reads but may not change anything", function()
  local d = take("en_instruction", "mine")
  with_config({ token = sandbox.ds_tokens.read_only }, function()
    t.eq(ds.dossier(d.number).number, d.number, "reads work")
    local err = raises("auth", "seulement en lecture", d.follow, d)
    t.contains(err.message, "read-only")
    raises("auth", "seulement en lecture", d.accept, d, { motivation = "x" })
    -- With a pj, the upload is refused first, still as an auth error.
    raises("auth", "seulement en lecture", d.accept, d, { motivation = "x", pj = write_temp("ro.pdf", "%PDF-1.4\n") })
  end)
  t.eq(ds.dossier(d.number).state, "en_instruction")
  d:follow() -- the admin token is back
end)

t.test("an expired token", function()
  with_config({ token = sandbox.ds_tokens.expired }, function()
    local err = raises("auth", "expired", ds.dossier, all[1].number)
    t.eq(err.status, 401)
    t.contains(err.message, "ds.config", "says where the token came from")
  end)
end)

t.test("a token pinned to another network", function()
  with_config({ token = sandbox.ds_tokens.other_network }, function()
    local err = raises("auth", "may not be used from this network", ds.dossier, all[1].number)
    t.eq(err.status, 403)
    t.contains(err.message, "pinned")
    t.contains(err.message, "authorised networks")
  end)
end)

t.test("a token scoped to another démarche; then expired by the sandbox", function()
  with_config({ token = sandbox.ds_tokens.scoped }, function()
    raises("auth", "outside the token's scope", ds.demarche, dem.number)
    raises("auth", "hidden due to permissions", ds.dossier, all[1].number)
    t.eq(ds.demarche(1002).number, 1002, "its own démarche is readable")
    sandbox.expire_token(sandbox.ds_tokens.scoped)
    raises("auth", "expired", ds.demarche, 1002)
  end)
  t.eq(ds.dossier(all[1].number).number, all[1].number, "the admin token still works")
end)

t.test("not found", function()
  raises("not_found", "Dossier not found", ds.dossier, 999999)
  raises("not_found", "not found", ds.demarche, 999999)
  raises("not_found", "not found", ds.groupe, 999999)
end)

t.test("bad arguments are usage errors, raised before any request", function()
  drain()
  raises("usage", "bad argument #1 to 'dossier'", ds.dossier, {})
  raises("usage", "bad argument #1 to 'dossier'", ds.dossier, "100001")
  raises("usage", "no integer representation", ds.dossier, 1.5)
  raises("usage", "bad argument #1 to 'demarche'", ds.demarche)
  raises("usage", "unknown option 'bogus'", function() local _ = dem:dossiers{ bogus = 1 } end)
  raises("usage", "state must be one of", function() local _ = dem:dossiers{ state = "acceptée" } end)
  raises("usage", "page_size must be", function() local _ = dem:pages{ page_size = 0 } end)
  raises("usage", "page_size must be", function() local _ = dem:pages{ page_size = 101 } end)
  raises("usage", "unknown option 'sinse'", function() local _ = dem:deleted_dossiers{ sinse = "2024" } end)
  raises("usage", "bad argument #1 to 'config' (unknown option 'tokn'; did you mean 'token'? options are dry_run, endpoint, instructeur, token)",
    ds.config, { tokn = "x" })
  raises("usage", "unknown option '1'; options are dry_run", ds.config, { "x" })
  raises("usage", "bad argument #1 to 'config' (option 'endpoint' must be a string, got table)", ds.config, { endpoint = {} })
  raises("usage", "bad argument #1 to 'query'", ds.query, 42)
  t.eq(#drain(), 0, "nothing was sent")

  local d = take("en_instruction", "mine")
  drain()
  local err = raises("usage", "unknown option 'motivaton'", d.accept, d, { motivaton = "typo" })
  t.contains(err.message, "options are as, motivation, notify, pj")
  raises("usage", "unknown option 'dir_'", d.download, d, { dir_ = root })
  raises("usage", "option 'motivation' to be a string", d.accept, d, { motivation = 12 })
  local missing = root .. "/absent/justificatif.pdf"
  raises("usage", "file not found: " .. missing, d.accept, d, { motivation = "x", pj = missing })
  raises("usage", "file not found", d.send_message, d, { body = "x", pj = missing })
  raises("usage", "calling 'accept' on bad self", d.accept, {}, {})
  t.eq(#drain(), 0, "a missing pj fails before any request")
  t.eq(ds.dossier(d.number).state, "en_instruction")

  -- Errors blame the caller's line, as Lua's own do.
  local ok, located = pcall(function() local _ = ds.dossier({}) end)
  t.eq(ok, false)
  t.contains(located.where or "", "ds_sandbox_test.lua:", "where")
  t.contains(tostring(located), "ds_sandbox_test.lua:")
end)

t.test("dry run: mutations are described, not sent", function()
  local d = take("en_instruction", "mine")
  drain()
  with_config({ dry_run = true }, function()
    t.eq(ds.config().dry_run, true)
    t.eq(d:accept{ motivation = "à blanc", pj = PDF }, d)
    t.eq(d.state, "en_instruction", "unchanged")
    d:follow()
    d:annotate{ ["Priorité"] = 9 }
    t.eq(d:send_message{ body = "à blanc", pj = NOTE }, nil)
    d:add_label("Urgent")
    d:change_groupe("Lyon")
  end)
  t.eq(ds.config().dry_run, false)
  local records = drain()
  for _, r in ipairs(records) do
    t.eq(MUTATIONS[name_of(r)], nil, "no mutation sent: " .. name_of(r))
    t.eq(r.method == "PUT", false, "no upload")
  end
  local fresh = ds.dossier(d.number)
  t.eq(fresh.state, "en_instruction")
  t.eq(fresh.motivationAttachment, nil)
  t.eq(fresh.annotations["Priorité"].value, nil)
  t.eq(fresh.groupeInstructeur.number, d.groupeInstructeur.number)
  t.eq(#fresh.labels, #d.labels)
end)

---------------------------------------------------------------------------
-- Downloads

t.test("d:download: atomic, checked, skipped the second time", function()
  local d = take("accepte")
  local dir = root .. "/dl"
  drain()
  local results = d:download{ dir = dir }
  t.eq(#results, #d.files)
  local expected_names = {}
  for i, r in ipairs(results) do
    local f = d.files[i]
    t.eq(r.status, "downloaded")
    t.eq(r.path, dir .. "/" .. d.number .. "/" .. f.filename)
    t.eq(r.origin, f.origin)
    t.eq(#t.read_file(r.path), f.size)
    local md5 = md5_base64(r.path)
    if md5 then t.eq(md5, f.checksum, "MD5 of " .. f.filename) end
    expected_names[#expected_names + 1] = f.filename
  end
  table.sort(expected_names)
  t.eq(table.concat(list_dir(dir .. "/" .. d.number), ","), table.concat(expected_names, ","), "no temporary file left")
  t.eq(count(drain(), "^GET /storage/"), #d.files)

  for _, r in ipairs(d:download{ dir = dir }) do t.eq(r.status, "skipped") end
  t.eq(#drain(), 0, "skipping needs no request")

  -- A file that arrives damaged is never written, and the old one stays.
  local f = d.files[1]
  local damaged = setmetatable({ url = f.url, filename = f.filename, contentType = f.contentType,
    checksum = "AAAAAAAAAAAAAAAAAAAAAA==", byteSizeBigInt = f.byteSizeBigInt }, getmetatable(f))
  local target = root .. "/damaged/" .. f.filename
  assert(os.execute("mkdir -p " .. quote(root .. "/damaged")))
  t.write_file(target, "old content")
  raises("integrity", "arrived damaged", damaged.download, damaged, target)
  t.eq(t.read_file(target), "old content")
  raises("integrity", "arrived damaged", damaged.download, damaged, root .. "/damaged/new.pdf")
  t.eq(t.exists(root .. "/damaged/new.pdf"), false)
  t.eq(table.concat(list_dir(root .. "/damaged"), ","), f.filename, "no temporary file left")
end)

t.test("file:download gets a fresh URL after sandbox.expire_urls()", function()
  local d = take("accepte")
  local dir = root .. "/expired"
  d:download{ dir = dir }
  sandbox.expire_urls()
  drain()
  for _, r in ipairs(d:download{ dir = dir }) do t.eq(r.status, "skipped", "skipped without the URL") end
  t.eq(#drain(), 0)
  local f = d.files[1]
  local old = f.url
  local path, status = f:download(dir .. "/again/" .. f.filename)
  t.eq(status, "downloaded")
  t.eq(path, dir .. "/again/" .. f.filename)
  t.eq(f.url ~= old, true, "a fresh URL")
  t.eq(#t.read_file(path), f.size)
  local records = drain()
  t.eq(count(records, "^getDossierFiles$"), 1)
  t.eq(count(records, "^GET /storage/"), 2, "the expired URL, then the fresh one")
end)

t.test("parallel downloads of several dossiers, then all skipped", function()
  local list, files = {}, 0
  for _ = 1, 12 do
    local d = take()
    list[#list + 1] = d
    files = files + #d.files
  end
  local dir = root .. "/parallel"
  local function run()
    local counts = { downloaded = 0, skipped = 0 }
    parallel.each(list, function(d)
      for _, r in ipairs(d:download{ dir = dir }) do counts[r.status] = counts[r.status] + 1 end
    end, { concurrency = 8 })
    return counts
  end
  local first = run()
  t.eq(first.downloaded, files)
  t.eq(first.skipped, 0)
  local second = run()
  t.eq(second.downloaded, 0)
  t.eq(second.skipped, files)
end)

---------------------------------------------------------------------------
-- Faults: reads are retried, mutations never after they may have arrived

local probe = take()

t.test("a read survives two HTTP 503", function()
  drain()
  sandbox.fault{ kind = "status", status = 503, count = 2 }
  t.eq(ds.dossier(probe.number).number, probe.number)
  t.eq(count(drain(), "^getDossier$"), 3)
end)

t.test("a read waits out a 429 with Retry-After", function()
  drain()
  local started = os.time()
  sandbox.fault{ kind = "rate_limit", retry_after = 1 }
  t.eq(ds.dossier(probe.number).number, probe.number)
  t.eq(os.time() - started >= 1, true, "waited Retry-After")
  t.eq(count(drain(), "^getDossier$"), 2)
end)

t.test("a read survives a reset and a truncated answer", function()
  for _, kind in ipairs({ "reset", "truncate" }) do
    drain()
    sandbox.fault{ kind = kind }
    t.eq(ds.dossier(probe.number).number, probe.number, kind)
    t.eq(count(drain(), "^getDossier$"), 2, kind)
  end
end)

t.test("a mutation faced with a reset is not retried", function()
  local d = take("en_instruction", "mine")
  drain()
  sandbox.fault{ kind = "reset" }
  local err = raises("network", "read the object back", d.follow, d)
  -- It may have been applied: retrying on the flag would apply it twice.
  t.eq(err.retryable, false)
  t.eq(err.may_have_landed, true)
  t.eq(count(drain(), "^dossierBasculeSuivi$"), 1, "sent exactly once")
  sandbox.fault{ kind = "status", status = 503 }
  err = raises("http", "503", d.follow, d)
  t.eq(err.status, 503)
  t.eq(err.may_have_landed, true)
  t.eq(err.retryable, false)
  t.eq(count(drain(), "^dossierBasculeSuivi$"), 1, "a 503 on a mutation is not retried either")
  d:follow() -- no fault left
  t.eq(member({ instructeurs = d.instructeurs }, me), true)
end)

t.test("an answer that is not JSON is a network error", function()
  sandbox.fault{ kind = "not_json" }
  local err = raises("network", "not JSON", ds.dossier, probe.number)
  t.eq(err.status, 200)
  t.eq(ds.dossier(probe.number).number, probe.number, "the next request works")
end)

t.test("an upload survives a 503 from the storage", function()
  local d = take("accepte", "mine")
  drain()
  sandbox.fault{ kind = "status", status = 503, path = "/storage" }
  local message = d:send_message{ body = "Avec pièce jointe.", pj = NOTE }
  t.eq(message.attachments[1].filename, basename(NOTE))
  local records = drain()
  t.eq(count(records, "^PUT /storage/uploads/"), 2)
  t.eq(count(records, "^createDirectUpload$"), 1)
  for _, r in ipairs(records) do
    if r.method == "PUT" then t.eq(r.authorization, false, "no token sent to the storage") end
  end
end)

---------------------------------------------------------------------------

t.test("regressions: pages wrap dossiers, dates and 'as' are checked, ds.query knows a commented mutation", function()
  local page = dem:pages{ page_size = 3 }()
  t.eq(getmetatable(page.nodes[1]).__name, "Dossier", "page nodes are Dossier objects")
  t.eq(type(page.nodes[1].champs["Catégorie"]), "table", "champs by label on page nodes")
  raises("usage", "updated_since must be an ISO 8601", function() dem:dossiers{ updated_since = "bogus" } end)
  raises("usage", "since must be an ISO 8601", function() dem:deleted_dossiers{ since = 5 } end)
  local d = take("en_instruction", "mine")
  raises("usage", "option 'as' must be an email", d.follow, d, { as = 123 })
  drain()
  with_config({ dry_run = true }, function()
    local data = ds.query("# a comment first\nmutation m($input: DossierBasculeSuiviInput!) { dossierBasculeSuivi(input: $input) { errors { message } } }",
      { input = { dossierId = d.id, instructeurId = d.groupeInstructeur.instructeurs[1].id, follow = true } })
    t.eq(data, nil, "dry-run: nothing sent")
  end)
  t.eq(count(drain(), "^POST /api/v2/graphql$"), 0, "the commented mutation was not sent")
end)

t.test("every document sent was valid (no request rejected)", function()
  drain()
  t.eq(seen > 100, true, "requests were recorded: " .. seen)
  t.eq(#rejected, 0, "rejected:\n  " .. table.concat(rejected, "\n  "))
end)

os.execute("rm -rf " .. quote(root))
t.finish()
