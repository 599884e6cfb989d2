-- The apidae module against the sandbox's Apidae (guichet --sandbox).
local t = require "testing"
local test, eq, raises, contains = t.test, t.eq, t.raises, t.contains

-- Every sandbox key starts with this; none may ever reach what a user sees.
local KEY = "apidae-sandbox-key"
local function no_key(text, label)
  text = type(text) == "table" and json.encode(text) or tostring(text)
  if text:find(KEY, 1, true) then error((label or "text") .. " holds an Apidae key", 2) end
end
local function err_text(err)
  return type(err) == "table" and (tostring(rawget(err, "message")) .. json.encode(rawget(err, "details") or json.null)) or tostring(err)
end

local requests_to = t.requests_to

local seed = sandbox.apidae_seed()

test("objet by id and by identifier print as one line, with the label of the first locale", function()
  local o = apidae.objet(5000108)
  eq(tostring(o), "<Objet 5000108 RESTAURATION · Crêperie « Ker Ysé » · Annonay>")
  eq(getmetatable(o).__name, "Objet")
  eq(o.id, 5000108)
  local en = apidae.objet(5000108, { locales = { "en", "fr" } })
  contains(tostring(en), en.nom.libelleEn)
  eq(apidae.objet("5000108", { locales = "en" }).nom.libelleEn, en.nom.libelleEn, "an id as a string, locales as text")
  local same = apidae.objet_by_identifier("SITRA2_RES_5000108")
  eq(same.id, 5000108)
  local few = apidae.objet(5000108, { responseFields = { "id", "nom" } })
  eq(few.localisation, nil, "responseFields limits the fields")
  eq(tostring(few), "<Objet 5000108 RESTAURATION · Crêperie « Ker Ysé »>")
end)

test("objet errors: not found, bad ids and options refused before sending", function()
  local err = raises(function() apidae.objet(5999999) end, "not found")
  eq(err.kind, "not_found")
  eq(err.status, 404)
  sandbox.clear_requests()
  raises(function() apidae.objet("x") end, "bad argument #1 to 'objet' (positive integer id expected, got x)")
  raises(function() apidae.objet(-3) end, "positive integer id expected")
  raises(function() apidae.objet(5000108, { locale = { "fr" } }) end, "unknown option 'locale'; did you mean 'locales'?")
  raises(function() apidae.objet(5000108, { responseFields = { 3 } }) end, "responseFields")
  raises(function() apidae.objet_by_identifier("") end, "identifier (string) expected, got an empty string")
  eq(#sandbox.requests(), 0, "nothing was sent")
end)

test("recherche pages with first/count until numFound, every objet once", function()
  sandbox.clear_requests()
  local r = apidae.recherche { count = 100 }
  eq(r.numFound, seed.objets, "numFound is known before the loop")
  eq(getmetatable(r).__name, "Recherche")
  local seen, n = {}, 0
  for o in r do
    if seen[o.id] then error("objet " .. o.id .. " came twice") end
    seen[o.id], n = true, n + 1
    eq(getmetatable(o).__name, "Objet")
  end
  eq(n, 250, "every objet")
  eq(requests_to("list-objets-touristiques"), 3, "three pages of 100")
  -- count is capped at 200 a page; numbers may be strings; first skips
  sandbox.clear_requests()
  eq(#apidae.recherche { count = 500 }:list(), 250, "pages of 200")
  eq(requests_to("list-objets-touristiques"), 2, "two pages of 200")
  eq(#apidae.recherche { first = "240", count = "5" }:list(), 10, "from the 241st, pages of 5")
  no_key(r.query, "the echoed query")
  eq(r.query.apiKey, "***", "the echoed key is masked")
end)

test("recherche of a sélection, with French and English labels; an empty result", function()
  local r = apidae.recherche { selectionIds = { 64001 }, locales = { "fr", "en" }, responseFields = { "id", "nom" } }
  eq(r.numFound, 42)
  local list = r:list()
  eq(#list, 42)
  eq(type(list[1].nom.libelleFr), "string")
  eq(type(list[1].nom.libelleEn), "string")
  local empty = apidae.recherche { selectionIds = { 64003 } }
  eq(empty.numFound, 0)
  eq(empty(), nil, "no objet")
  eq(#apidae.recherche { selectionIds = { "64001" }, count = "7" }:list(), 42, "ids as strings")
end)

test("identifiants: the ids only, paged", function()
  local r = apidae.identifiants { selectionIds = { 64001 }, count = 10 }
  eq(r.numFound, 42)
  local ids, n = {}, 0
  for id in r do
    eq(math.type(id), "integer")
    if ids[id] then error("id twice") end
    ids[id], n = true, n + 1
  end
  eq(n, 42)
end)

test("agenda: the events of next weekend, simple and detaille; agenda_identifiants", function()
  local r = apidae.agenda { dateDebut = seed.nextSaturday, dateFin = seed.nextSunday }
  eq(r.numFound, #seed.eventsNextWeekend)
  local expected = {}
  for _, id in ipairs(seed.eventsNextWeekend) do expected[id] = true end
  for o in r do eq(expected[o.id], true, "event " .. tostring(o.id)) end
  local ids = apidae.agenda_identifiants { dateDebut = seed.nextSaturday, dateFin = seed.nextSunday }:list()
  eq(#ids, #seed.eventsNextWeekend)
  local detailed = apidae.agenda { dateDebut = seed.nextSaturday, dateFin = seed.nextSunday, detaille = true }
  eq(detailed.endpoint, "agenda/detaille/list-objets-touristiques")
  eq(detailed.numFound >= r.numFound, true, "one result per day at least")
  eq(apidae.agenda_identifiants { dateDebut = seed.nextSaturday, dateFin = seed.nextSunday, detaille = true }.endpoint,
    "agenda/detaille/list-identifiants")
  raises(function() apidae.agenda { dateDebut = "05/12/2026" } end, "dateDebut")
  raises(function() apidae.agenda { detaille = "oui" } end, "detaille must be true or false")
end)

test("membres of a commune, with their utilisateurs; an empty filter; 204 is an empty list", function()
  local membres = apidae.membres { filter = { communeCode = "26362" }, responseFields = { "UTILISATEURS" } }
  eq(#membres, 3)
  local ids = {}
  for _, m in ipairs(membres) do ids[#ids + 1] = m.id end
  table.sort(ids)
  eq(table.concat(ids, ","), "1157,1201,1202")
  eq(tostring(membres[1]), "<Membre 1157 Valence Romans Tourisme · Office de tourisme · Valence>")
  eq(type(membres[1].utilisateurs), "table")
  eq(#apidae.membres { filter = { nom = "Aucun membre de ce nom" } }, 0, "204: an empty list")
  eq(#apidae.membres { filter = {} } > 0, true)
  eq(#apidae.membres() > 0, true)
  -- what the fake received: filter as an object, the key (replaced in the log) added by guichet
  local queries = sandbox.apidae_queries()
  local last = queries[#queries].query
  eq(last.projetId, 7001)
  eq(last.apiKey, "(key of project 7001)")
end)

test("membre by id, with extra fields and userStatus; not found", function()
  local m = apidae.membre(1157, { responseFields = { "UTILISATEURS" }, userStatus = "TOUS" })
  eq(m.id, 1157)
  eq(#m.utilisateurs, 4, "actifs and inactif")
  eq(#apidae.membre(1157, { responseFields = { "UTILISATEURS" } }).utilisateurs, 3, "actifs by default")
  eq(raises(function() apidae.membre(999999) end, "not found").kind, "not_found")
  sandbox.clear_requests()
  raises(function() apidae.membre(1157, { userStatus = "ALL" }) end, "userStatus")
  raises(function() apidae.membre(1157, { responseFields = { "UTILISATEUR" } }) end, "UTILISATEURS")
  eq(#sandbox.requests(), 0, "nothing was sent")
end)

test("utilisateurs: by id, by mail, of a membre, all", function()
  local u = apidae.utilisateur(20001)
  eq(tostring(u), "<Utilisateur 20001 Camille Martin · camille.martin@valence-romans-tourisme.example>")
  eq(apidae.utilisateur_by_mail("camille.martin@valence-romans-tourisme.example").id, 20001)
  eq(#apidae.utilisateurs_of_membre(1157) >= 3, true)
  eq(#apidae.utilisateurs() >= 4, true)
  eq(getmetatable(apidae.utilisateurs()[1]).__name, "Utilisateur")
  eq(raises(function() apidae.utilisateur(1) end, "not found").kind, "not_found")
end)

test("référentiel and collaborateurs", function()
  local communes = apidae.referentiel.communes { codesInsee = { "26362" } }
  eq(communes[1].nom, "Valence")
  eq(#apidae.referentiel.selections(), 3)
  eq(#apidae.referentiel.selections { selectionIds = { 64001 } }, 1)
  eq(#apidae.referentiel.elements_reference { elementReferenceIds = { 2, 118 } } >= 1, true)
  eq(#apidae.referentiel.criteres_internes { critereInterneIds = { 3401 } } >= 1, true)
  local par_objet = apidae.referentiel.selections_par_objet { referenceIds = { 5000108 } }
  eq(par_objet[1].referenceId, 5000108)
  local collaborateurs = apidae.collaborateurs { referenceIds = { 5000108 } }
  eq(collaborateurs[1].referenceId, 5000108)
  raises(function() apidae.referentiel.communes { codeInsee = { "26362" } } end, "did you mean 'codesInsee'?")
end)

test("a bad query fails here, naming the field and what is allowed, and nothing is sent", function()
  sandbox.clear_requests()
  local before = #sandbox.apidae_queries()
  local err = raises(function() apidae.recherche { selectionId = { 64001 } } end,
    "unknown field 'selectionId'; did you mean 'selectionIds'?")
  eq(err.kind, "usage")
  raises(function() apidae.recherche { order = "NAME" } end, "order")
  raises(function() apidae.recherche { selectionIds = 64001 } end, "selectionIds")
  raises(function() apidae.recherche { count = 0 } end, "count must be an integer from 1 to 200")
  raises(function() apidae.membres { filter = { communeCod = "26362" } } end, "did you mean 'filter.communeCode'?")
  raises(function() apidae.membres { filter = { statutProjet = "PROD" } } end, "statutProjet")
  raises(function() apidae.membres { apiKey = "x" } end, "guichet adds the project's key")
  raises(function() apidae.membres("x") end, "bad argument #1 to 'membres' (table expected, got string)")
  eq(#sandbox.requests(), 0, "the sandbox received nothing")
  eq(#sandbox.apidae_queries(), before, "the fake saw no query")
end)

test("limited and no membres access: fewer fields, then Accès interdit saying what is needed", function()
  sandbox.apidae_project("limited")
  local m = apidae.membres { filter = { communeCode = "26362" }, responseFields = { "UTILISATEURS" } }[1]
  eq(m.utilisateurs, nil, "no utilisateurs for a limited project")
  eq(m.adresse, nil, "only the limited fields")
  eq(type(m.nom), "string")
  local err = raises(function() apidae.utilisateur(20001) end, "Accès interdit")
  eq(err.kind, "auth")
  contains(err.message, "full access to the membres and utilisateurs API")
  sandbox.apidae_project("none")
  err = raises(function() apidae.membres() end, "Accès interdit")
  contains(err.message, "access to the membres API")
  eq(apidae.objet(5000108).id, 5000108, "objets are still readable")
  no_key(err_text(err), "the 403")
  sandbox.apidae_project("full")
end)

test("errors of the server: a 500 in text is kept with the key masked; a 503 is retried", function()
  local path = "/api/v002/recherche/list-objets-touristiques"
  -- a read is tried again (5 attempts) before the error is given
  sandbox.fault { kind = "status", status = 500, path = path, count = 5 }
  sandbox.clear_requests()
  local err = raises(function() apidae.recherche { selectionIds = { 64001 } } end, "Apidae answered 500")
  eq(requests_to("list-objets-touristiques"), 5, "attempts")
  eq(err.kind, "http")
  contains(err.message, "***", "the echoed key is masked")
  no_key(err_text(err), "the 500")
  sandbox.fault { kind = "status", status = 503, path = path, count = 1 }
  eq(apidae.recherche { selectionIds = { 64001 } }.numFound, 42, "retried once")
  sandbox.fault { kind = "status", status = 403, path = "/api/v002/objet-touristique/get-by-id/5000108", count = 1 }
  eq(raises(function() apidae.objet(5000108) end, "403").kind, "auth")
end)

test("the key is never shown: answers, errors, help, the project", function()
  local r = apidae.recherche { selectionIds = { 64001 }, count = 5 }
  no_key(r.query, "echoed query")
  no_key(pp.format(r.query), "pp")
  local projet, host = apidae.projet()
  eq(projet, "7001")
  no_key(host, "host")
  no_key(help.text(apidae), "help")
  for _, f in ipairs { function() apidae.objet(5999999) end, function() apidae.membre(999999) end,
    function() apidae.recherche { nope = 1 } end } do
    local ok, err = pcall(f)
    eq(ok, false)
    no_key(err_text(err), "error")
  end
end)

t.finish()
