-- Run under `guichet --sandbox --dry-run` (EndToEndTests/InputTests): every
-- function of the README's reference whose help names a mutation (a
-- GraphQL mutation, or an HTTP POST, PUT or DELETE) is called, and the
-- sandbox's request log must show that none was sent, while reads still
-- happened. A mutation added to the reference without a case here fails.

local t = require "testing"
local reference = require "reference"

local objects = reference.objects()
local ref = reference.load("README.md", objects)

local dem = objects.Demarche
local d
for x in dem:dossiers { state = "en_instruction" } do
  if x.groupeInstructeur.label == "Paris" then d = x break end
end
local pj = t.temp_path(".pdf")
t.write_file(pj, "%PDF-1.4 justificatif")
local mesure = emjpm.mesures()[1]
local new_mesure = { numero_rg = "018A3245", civilite = "madame", annee_naissance = "1950" }

-- How to call each mutation, by reference name.
local cases = {
  ["Dossier:passer_en_instruction"] = function() return d:passer_en_instruction() end,
  ["Dossier:accept"] = function() return d:accept { motivation = "Complet", pj = pj } end,
  ["Dossier:refuse"] = function() return d:refuse { motivation = "Incomplet" } end,
  ["Dossier:classer_sans_suite"] = function() return d:classer_sans_suite { motivation = "Doublon" } end,
  ["Dossier:repasser_en_construction"] = function() return d:repasser_en_construction() end,
  ["Dossier:repasser_en_instruction"] = function() return d:repasser_en_instruction() end,
  ["Dossier:archive"] = function() return d:archive() end,
  ["Dossier:unarchive"] = function() return d:unarchive() end,
  ["Dossier:follow"] = function() return d:follow() end,
  ["Dossier:unfollow"] = function() return d:unfollow() end,
  ["Dossier:send_message"] = function() return d:send_message { body = "Bonjour", pj = pj } end,
  ["Dossier:add_label"] = function() return d:add_label("Urgent") end,
  ["Dossier:remove_label"] = function() return d:remove_label("Urgent") end,
  ["Dossier:change_groupe"] = function() return d:change_groupe("Lyon") end,
  ["Dossier:annotate"] = function() return d:annotate { ["Avis de l’instructeur"] = "Favorable" } end,
  ["emjpm.create_mesure"] = function()
    local m, marker = emjpm.create_mesure(new_mesure)
    t.eq(marker, "dry_run", "create_mesure's marker")
    t.eq(m.dry_run, true, "the mesure is marked dry_run")
    t.eq(m.id, nil, "no id: nothing was created")
  end,
  ["emjpm.create_mesures"] = function()
    local list, marker = emjpm.create_mesures { new_mesure, new_mesure }
    t.eq(marker, "dry_run", "create_mesures' marker")
    t.eq(#list, 2, "two mesures")
  end,
  ["emjpm.delete_all_mesures"] = function()
    local count, marker = emjpm.delete_all_mesures { confirm = true }
    t.eq(count, 0, "nothing deleted")
    t.eq(marker, "dry_run", "delete_all_mesures' marker")
  end,
  ["Mesure:update"] = function()
    local before = mesure.date_fin_mesure
    local m, marker = mesure:update { date_fin_mesure = "2031-01-31" }
    t.eq(marker, "dry_run", "update's marker")
    t.eq(m.date_fin_mesure, before, "the mesure is unchanged")
  end,
  ["rdv.create_absence"] = function()
    t.eq(select(2, rdv.create_absence { agent_id = sandbox.rdv.agent_id, title = "x", first_day = "2025-03-03", end_day = "2025-03-03" }),
      "dry_run", "create_absence's marker")
  end,
  ["Absence:update"] = function()
    local a = objects.Absence
    local title = a.title
    t.eq(select(2, a:update { title = "changed" }), "dry_run", "Absence:update's marker")
    t.eq(a.title, title, "the absence is unchanged")
  end,
  ["Absence:delete"] = function() t.eq(select(2, objects.Absence:delete()), "dry_run", "Absence:delete's marker") end,
  ["Organisation:update"] = function() t.eq(select(2, objects.Organisation:update { name = "x" }), "dry_run", "Organisation:update") end,
  ["Organisation:create_webhook"] = function()
    t.eq(select(2, objects.Organisation:create_webhook { target_url = "https://example.fr/h", secret = "s" }), "dry_run", "create_webhook")
  end,
  ["Webhook:update"] = function() t.eq(select(2, objects.Webhook:update { trigger = false }), "dry_run", "Webhook:update") end,
  ["rdv.create_user"] = function()
    t.eq(select(2, rdv.create_user { organisation_ids = { sandbox.rdv.organisation }, first_name = "A", last_name = "B" }), "dry_run",
      "create_user")
  end,
  ["User:update"] = function() t.eq(select(2, objects.User:update { first_name = "x" }), "dry_run", "User:update") end,
  ["User:invitation_token"] = function() t.eq(select(2, objects.User:invitation_token()), "dry_run", "invitation_token") end,
  ["rdv.add_to_organisation"] = function()
    t.eq(select(2, rdv.add_to_organisation(objects.User, sandbox.rdv.other_organisation)), "dry_run", "add_to_organisation")
  end,
  ["rdv.remove_from_organisation"] = function()
    t.eq(select(2, rdv.remove_from_organisation(objects.User, sandbox.rdv.organisation)), "dry_run", "remove_from_organisation")
  end,
  ["rdv.assign_referent"] = function()
    t.eq(select(2, rdv.assign_referent(sandbox.rdv.other_agent_id, objects.User)), "dry_run", "assign_referent")
  end,
  ["rdv.unassign_referent"] = function()
    t.eq(select(2, rdv.unassign_referent(sandbox.rdv.agent_id, objects.User)), "dry_run", "unassign_referent")
  end,
  ["rdv.set_participation_status"] = function()
    t.eq(select(2, rdv.set_participation_status(sandbox.rdv.participation, "seen")), "dry_run", "set_participation_status")
  end,
  ["Mesure:delete"] = function()
    local deleted, marker = mesure:delete()
    t.eq(deleted, false, "not deleted")
    t.eq(marker, "dry_run", "delete's marker")
  end,
}

local function is_mutation(f)
  local text = help.text(f.name)
  return text:find("API: mutation") ~= nil or text:find("API: POST") ~= nil or text:find("API: PUT") ~= nil
    or text:find("API: DELETE") ~= nil or text:find("API: PATCH") ~= nil
end

local mesures_before = #emjpm.mesures()
local state_before = ds.dossier(d.number).state
sandbox.clear_requests()

t.test("every mutation of the reference is printed, not sent", function()
  local walked = 0
  for _, f in ipairs(ref.functions) do
    if is_mutation(f) then
      local case = cases[f.name]
      if not case then error("no dry-run case for the mutation " .. f.name .. ": add one") end
      case()
      walked = walked + 1
    end
  end
  t.eq(walked, 34, "mutations walked")
  -- reads still happen under dry-run
  t.eq(emjpm.mesure(mesure.id).id, mesure.id, "a mesure read back")
  t.eq(d:reload().number, d.number, "a dossier read back")
end)

t.test("ds.query: a mutation after a comment with CRLF line endings is not sent", function()
  local data, dry = ds.query("# archive it\r\nmutation Archive($input: DossierArchiverInput!) {\r\n"
    .. "  dossierArchiver(input: $input) { errors { message } }\r\n}\r\n",
    { input = { dossierId = d.id, instructeurId = "x" } })
  t.eq(data, nil, "no data")
  t.eq(dry, true, "marked as a dry run")
end)

t.test("the sandbox received reads only", function()
  local reads = 0
  for _, r in ipairs(sandbox.requests()) do
    local what = r.method .. " " .. r.path .. " " .. tostring(r.operation)
    if r.path:find("graphql") then
      if type(r.operation) ~= "string" or not r.operation:find("^get") then error("a mutation was sent: " .. what) end
    elseif r.method ~= "GET" and not r.path:find("oauth") and r.path ~= "/api/v1/auth/sign_in" then
      error("a mutation was sent: " .. what)
    end
    reads = reads + 1
  end
  t.eq(reads > 0, true, "reads happened")
end)

t.test("nothing changed on the servers", function()
  t.eq(#emjpm.mesures(), mesures_before, "mesures")
  t.eq(ds.dossier(d.number).state, state_before, "the dossier's state")
end)

t.finish()
