-- Never trust the server: answers of shapes the contract does not promise
-- (null, a list for an object, strings for numbers, pages that never end)
-- give a clear error blamed on the caller, or a result; never an error
-- inside the stdlib, a crash or a loop without end. Each call gets one
-- hostile answer through sandbox.fault{kind = "answer"}.

local t = require "testing"
local reference = require "reference"

local SCRIPT = "Tests/lua/shapes_sandbox_test.lua"

local function expect_clean(label, ok, err)
  if ok then return end
  local clean, why = reference.clean_error(err, SCRIPT)
  if not clean then error(label .. ": " .. why, 2) end
  if type(err) ~= "table" or type(rawget(err, "kind")) ~= "string" then
    error(label .. ": not a guichet error: " .. tostring(err), 2)
  end
end

-- Runs fn (from this file), then shows its result as the REPL would.
local function attempt(fn)
  return pcall(function()
    local result = fn()
    local shown = tostring(result) .. pp.format(result)
    return shown
  end)
end

local function all(iterator)
  local n = 0
  for item in iterator do
    n = n + 1
    local shown = tostring(item)
    if n > 10000 then error("the iterator does not end") end
  end
  return n
end

local ds_demarche = ds.demarche(1001)  -- its dossiers get the hostile answers

-- Shapes any answer may take.
local anything = { "null", "[]", "{}", '"text"', "42", "true", '{"errors": "x"}' }

local calls = {
  rdv = {
    path = "/api/v1",
    shapes = { '{"organisation": {"id": "x", "name": {}}}', '{"organisation": []}', '{"agent": {"id": {}, "email": 5}}',
      '{"organisations": {"a": 1}, "meta": {"next_page": "x"}}', '{"organisations": [1, "x", null, {}], "meta": {}}',
      '{"absences": [{"id": {}, "first_day": 3}], "meta": {"next_page": -1}}', '{"rdvs": [{"starts_at": {}, "motif": 3}], "meta": []}',
      '{"users": [{"id": "1", "first_name": []}], "meta": {"next_page": 1e400}}' },
    functions = {
      me = function() return rdv.me() end,
      organisation = function() return rdv.organisation(101) end,
      organisations = function() return all(rdv.organisations()) end,
      absences = function() return all(rdv.absences()) end,
      rdvs = function() return all(rdv.organisation(101):rdvs { starts_after = "2025-01-01" }) end,
      users = function() return all(rdv.users()) end,
      user = function() return rdv.user(1001) end,
    },
  },
  ds = {
    path = "/api/v2/graphql",
    shapes = { '{"data": null}', '{"data": {"dossier": []}}', '{"data": {"dossier": {"number": "x", "champs": 5}}}',
      '{"data": {"demarche": {"number": 1001, "dossiers": {"nodes": 5, "pageInfo": []}}}}',
      '{"data": {"demarche": {"number": 1001, "dossiers": {"nodes": [1, null], "pageInfo": {"hasNextPage": true}}}}}',
      '{"errors": [5, {"message": {}}]}' },
    functions = {
      demarche = function() return ds.demarche(1001) end,
      dossier = function() return ds.dossier(100001) end,
      dossiers = function() return all(ds_demarche:dossiers()) end,
    },
  },
  emjpm = {
    path = "/api/editors",
    shapes = { '{"mesures": [1, "x", null]}', '{"mesures": {"a": 1}}', '[{"id": {}, "numero_rg": 5, "status": []}]',
      '{"id": "x", "numero_rg": {}}', '[{"nom": 5}, 3]' },
    functions = {
      mesures = function() return emjpm.mesures { status = "en_cours" } end,
      mesure = function() return emjpm.mesure(5000) end,
      antennes = function() return emjpm.antennes() end,
      tribunaux = function() return emjpm.tribunaux() end,
      user = function() return emjpm.user() end,
    },
  },
  apidae = {
    path = "/api/v002",
    shapes = { '{"numFound": "many", "objetsTouristiques": {"a": 1}}', '{"numFound": 1e400, "objetsTouristiques": [1, null]}',
      '{"objetsTouristiques": [{"id": "x", "nom": 5, "type": {}}], "numFound": -1}', '{"id": {}, "nom": {"libelleFr": 5}}',
      '[{"id": "x"}, 3, null]', '{"membres": 5}' },
    functions = {
      objet = function() return apidae.objet(5000108) end,
      recherche = function() return all(apidae.recherche { selectionIds = { 64001 } }) end,
      identifiants = function() return all(apidae.identifiants { selectionIds = { 64001 } }) end,
      membres = function() return apidae.membres { filter = { communeCode = "26362" } } end,
      membre = function() return apidae.membre(1157) end,
      utilisateur = function() return apidae.utilisateur(20001) end,
      communes = function() return apidae.referentiel.communes { codesInsee = { "26362" } } end,
      agenda = function() return all(apidae.agenda { dateDebut = "2025-01-01", dateFin = "2025-12-31" }) end,
    },
  },
}

rdv.me()  -- signed in: the hostile answers go to the calls, not to the sign-in
emjpm.user()  -- the same for eMJPM's OAuth session

for service, spec in pairs(calls) do
  local shapes = {}
  for _, body in ipairs(anything) do shapes[#shapes + 1] = body end
  for _, body in ipairs(spec.shapes) do shapes[#shapes + 1] = body end
  t.test(service .. ": every read answered in a hostile shape ends cleanly", function()
    local problems = {}
    for name, fn in pairs(spec.functions) do
      for _, body in ipairs(shapes) do
        sandbox.fault { kind = "answer", body = body, path = spec.path }
        local ok, err = attempt(fn)
        local clean, why = pcall(expect_clean, service .. "." .. name .. " given " .. body, ok, err)
        if not clean then problems[#problems + 1] = why end
        sandbox.clear_faults()
      end
    end
    table.sort(problems)
    if #problems > 0 then error(#problems .. " problems:\n" .. table.concat(problems, "\n")) end
  end)
end

t.test("pages that never end: a server announcing more and sending nothing stops the iterator", function()
  local cases = {
    { "apidae.recherche", "/api/v002/recherche", '{"numFound": 1000000, "objetsTouristiques": []}', 2,
      function() return all(apidae.recherche { selectionIds = { 64001 } }) end },
    { "rdv.absences (an empty page)", "/api/v1/absences", '{"absences": [], "meta": {"next_page": 2}}', 2,
      function() return all(rdv.absences()) end },
    { "rdv.absences (a next page that goes back)", "/api/v1/absences", '{"absences": [{"id": 1}], "meta": {"next_page": 1}}', 3,
      function() return all(rdv.absences()) end },
  }
  for _, case in ipairs(cases) do
    local label, path, body, most, fn = table.unpack(case)
    sandbox.clear_requests()
    sandbox.fault { kind = "answer", body = body, path = path, count = 50 }
    local ok, err = attempt(fn)
    expect_clean(label, ok, err)
    t.eq(t.requests_to(path) <= most, true, label .. ": at most " .. most .. " requests")
    sandbox.clear_faults()
  end
end)

t.finish()
