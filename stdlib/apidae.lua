-- apidae: the Apidae tourism API (read API v002) from Lua.
--
--   for o in apidae.recherche{selectionIds = {64001}, locales = {"fr", "en"}} do print(o) end
--   local r = apidae.recherche{criteresQuery = "type:RESTAURATION"}; print(r.numFound)
--   for _, m in ipairs(apidae.membres{filter = {communeCode = "26362"}, responseFields = {"UTILISATEURS"}}) do ... end
--
-- Queries are tables with Apidae's own field names (copy them from its
-- documentation). guichet adds the project's apiKey and projetId (from
-- `guichet login apidae`, or APIDAE_API_KEY and APIDAE_PROJET_ID) and checks
-- every query against Apidae's official request schema before sending it:
-- an unknown field, a wrong type or a value outside a list is a usage error
-- naming the field, and nothing is sent. The key never shows: Apidae echoes
-- the query (key included) in its answers, guichet masks it.

local core = require "guichet.apidae_core"
local help = require "guichet.help"
local args = require "guichet.args"
local raise_usage, set, options = args.raise, args.set, args.options

local apidae = { referentiel = {} }

local Objet, Membre = args.class "Objet", args.class "Membre"
local Utilisateur, Recherche = args.class "Utilisateur", args.class "Recherche"

-- The locale an objet's label is shown in (the first one its query asked
-- for), kept aside so that the objet holds Apidae's fields only.
local label_locale = setmetatable({}, { __mode = "k" })
-- The step function of each Recherche.
local steps = setmetatable({}, { __mode = "k" })

local function capitalized(locale)
  return locale:sub(1, 1):upper() .. locale:sub(2):lower()
end

-- The first locale of a query's `locales` (a list, or "fr,en"), or "fr".
local function first_locale(locales)
  local first = type(locales) == "table" and rawget(locales, 1) or locales
  if type(first) == "string" then
    first = first:match("^%s*([%a][%a])")
    if first then return first:lower() end
  end
  return "fr"
end

-- The answer of `endpoint`: a table; nil (a 204, nothing found) is
-- `empty`. Never trust the server: anything else is a malformed answer,
-- said as such, never an error inside this module later.
local function answer_of(endpoint, value, empty)
  if value == nil then return empty end
  if type(value) ~= "table" then args.malformed("the answer to " .. endpoint, value, "an object or a list") end
  return value
end

local function wrap_objet(o, locale, endpoint)
  o = answer_of(endpoint, o, nil)
  if o == nil then return nil end
  label_locale[o] = locale
  return setmetatable(o, Objet)
end

local function wrap_list(list, mt, endpoint)
  list = answer_of(endpoint, list, {})
  for _, item in ipairs(list) do
    if type(item) ~= "table" then args.malformed("an item of " .. endpoint, item, "an object") end
    setmetatable(item, mt)
  end
  return list
end

-- A query table copied raw (no metamethod of the caller's runs), so that
-- guichet can add paging fields without touching the caller's table.
-- Field names and values are checked by the schema, in Swift.
local function copy_query(fname, query, position)
  if query == nil then return {} end
  if type(query) ~= "table" then
    raise_usage(("bad argument #%d to '%s' (table expected, got %s)"):format(position or 1, fname, type(query)), 3)
  end
  local copy = {}
  for key, value in next, query do copy[key] = value end
  return copy
end

local integer_of = args.integer

-- An id for a path: a positive integer (or its digits as a string).
local function id_of(fname, id, position)
  return tostring(args.id(fname, position or 1, id, nil, 2))
end

local function text_of(fname, value, what, position)
  if type(value) ~= "string" or value == "" then
    raise_usage(("bad argument #%d to '%s' (%s expected, got %s)"):format(position or 1, fname, what,
      type(value) == "string" and "an empty string" or type(value)), 3)
  end
  return value
end

-- responseFields and locales as lists; "id,nom" is read as {"id", "nom"}.
local function as_list(value)
  if type(value) ~= "string" then return value end
  local list = {}
  for item in value:gmatch("[^,%s]+") do list[#list + 1] = item end
  return list
end

help.module { name = "apidae", value = apidae,
  summary = "Apidae tourisme (read API v002): objets touristiques, recherche, agenda, membres, utilisateurs, référentiel\n"
    .. "(apidae.referentiel.*: help(apidae.referentiel)); queries use Apidae's field names and are checked against\n"
    .. "its request schemas before they leave" }

-- Paging ----------------------------------------------------------------

-- A search answered page by page: `first` (where to start, default 0) and
-- `count` (page size, default 100, at most 200) move through the results
-- until `numFound` of them were seen. The first page is fetched at once,
-- so errors come at the call and `numFound` is known before the loop.
local function pager(fname, endpoint, list_key, query, wrap)
  local q = copy_query(fname, query)
  local first = q.first == nil and 0 or integer_of(q.first)
  if not first or first < 0 then
    raise_usage(("bad argument #1 to '%s' (first must be an integer from 0, got %s)"):format(fname, args.describe(q.first)), 3)
  end
  local count = q.count == nil and 100 or integer_of(q.count)
  if not count or count < 1 then
    raise_usage(("bad argument #1 to '%s' (count must be an integer from 1 to %d, got %s)"):format(fname, core.max_count, args.describe(q.count)), 3)
  end
  count = math.min(count, core.max_count)
  q.first, q.count = first, count
  -- A page's list: a table (none: an empty page, which ends the search).
  local function page_of(answer)
    local list = answer_of(endpoint, answer, {})[list_key]
    if list ~= nil and type(list) ~= "table" then args.malformed(endpoint .. ": " .. list_key, list, "a list") end
    return list or {}
  end
  local answer = answer_of(endpoint, core.search(endpoint, q), {})
  local self = setmetatable({ numFound = integer_of(answer.numFound) or 0, query = answer.query, endpoint = endpoint }, Recherche)
  local page, index, offset = page_of(answer), 0, first
  local done = false
  -- The iterator: the object itself is called by `for` (the step is kept
  -- aside, so that the object holds its documented fields only).
  steps[self] = function()
    while not done do
      index = index + 1
      local item = page[index]
      if item ~= nil then return wrap(item, endpoint) end
      offset = offset + #page
      if #page == 0 or offset >= self.numFound then done = true break end
      q.first = offset
      local next_answer = answer_of(endpoint, core.search(endpoint, q), {})
      page, index = page_of(next_answer), 0
      self.numFound = integer_of(next_answer.numFound) or self.numFound
    end
    return nil
  end
  return self
end

function Recherche.__call(self)
  local step = steps[self]
  if type(step) ~= "function" then return nil end
  return step()
end

function Recherche.__tostring(r)
  return ("<Recherche %s · numFound %s>"):format(tostring(rawget(r, "endpoint")), tostring(rawget(r, "numFound")))
end

function Recherche:list()
  args.check_self(self, Recherche, "list")
  local list = {}
  for item in self do list[#list + 1] = item end
  return list
end
help.fn { name = "Recherche:list", signature = "recherche:list() -> {item, ...}", value = Recherche.list,
  summary = "The remaining results, every page fetched, in a list." }

help.type { name = "Recherche", module = "apidae",
  summary = "paged results: call it in a for loop (`for o in apidae.recherche{...} do`); the first page is already fetched",
  fields = { { "numFound", "how many results Apidae found for the query (all pages)" },
    { "query", "the query as Apidae understood it, defaults filled (apiKey masked)" },
    { "endpoint", "the API path it pages" } } }

-- Objets touristiques -----------------------------------------------------

function apidae.recherche(query)
  local locale = first_locale(type(query) == "table" and rawget(query, "locales") or nil)
  return pager("recherche", "recherche/list-objets-touristiques", "objetsTouristiques", query,
    function(o, endpoint) return wrap_objet(o, locale, endpoint) end)
end
help.fn { name = "apidae.recherche", signature = "apidae.recherche{selectionIds=, criteresQuery=, searchQuery=, responseFields=, locales=, first=, count=, ...} -> Recherche",
  value = apidae.recherche, types = { returns = "Recherche" }, api = "v002/recherche/list-objets-touristiques (query)",
  summary = "Searches objets touristiques: iterate the result (`for o in apidae.recherche{...} do`), pages of `count`\n"
    .. "(default 100, at most 200) fetched as the loop goes, from `first` (default 0) until numFound. The result's\n"
    .. "numFound field says how many there are before the loop. Any field of Apidae's search query is accepted\n"
    .. "(identifiants, selectionIds, communeCodesInsee, center, radius, searchQuery, criteresQuery, dateDebut, order...);\n"
    .. "a field it does not know is refused here, nothing sent.",
  example = 'local r = apidae.recherche{selectionIds = {64001}, locales = {"fr", "en"}}\nprint(r.numFound)\nfor o in r do print(o.id, o.nom.libelleFr) end' }

function apidae.identifiants(query)
  return pager("identifiants", "recherche/list-identifiants", "objetTouristiqueIds", query, function(id) return id end)
end
help.fn { name = "apidae.identifiants", signature = "apidae.identifiants{selectionIds=, criteresQuery=, first=, count=, ...} -> Recherche",
  value = apidae.identifiants, types = { returns = "Recherche" }, api = "v002/recherche/list-identifiants (query)",
  summary = "The ids of the objets a search finds (integers), paged as apidae.recherche; numFound says how many." }

local agenda_endpoints = {
  [false] = { "agenda/simple/list-objets-touristiques", "agenda/simple/list-identifiants" },
  [true] = { "agenda/detaille/list-objets-touristiques", "agenda/detaille/list-identifiants" },
}

local function agenda_query(fname, query)
  local q = copy_query(fname, query, 1)
  local detaille = q.detaille
  if detaille ~= nil and type(detaille) ~= "boolean" then
    raise_usage(("bad argument #1 to '%s' (detaille must be true or false, got %s)"):format(fname, type(detaille)), 3)
  end
  q.detaille = nil
  return q, detaille == true
end

function apidae.agenda(query)
  local q, detaille = agenda_query("agenda", query)
  local locale = first_locale(q.locales)
  return pager("agenda", agenda_endpoints[detaille][1], "objetsTouristiques", q,
    function(o, endpoint) return wrap_objet(o, locale, endpoint) end)
end
help.fn { name = "apidae.agenda", signature = "apidae.agenda{dateDebut=, dateFin=, detaille=, selectionIds=, ...} -> Recherche",
  value = apidae.agenda, types = { returns = "Recherche", detaille = "boolean" },
  api = "v002/agenda/simple/list-objets-touristiques (detaille: agenda/detaille/...)",
  summary = "The objets open (events happening) between dateDebut and dateFin (YYYY-MM-DD), paged as apidae.recherche.\n"
    .. "detaille = true asks agenda/detaille (one result per opening day) instead of agenda/simple (one per objet).\n"
    .. "Any other field of a recherche is accepted (selectionIds, criteresQuery, responseFields, locales, first, count...).",
  options = { { "dateDebut", "first day, YYYY-MM-DD" }, { "dateFin", "last day, YYYY-MM-DD" },
    { "detaille", "true: one result per day (agenda/detaille)" } } }

function apidae.agenda_identifiants(query)
  local q, detaille = agenda_query("agenda_identifiants", query)
  return pager("agenda_identifiants", agenda_endpoints[detaille][2], "objetTouristiqueIds", q, function(id) return id end)
end
help.fn { name = "apidae.agenda_identifiants", signature = "apidae.agenda_identifiants{dateDebut=, dateFin=, detaille=, ...} -> Recherche",
  value = apidae.agenda_identifiants, types = { returns = "Recherche", detaille = "boolean" },
  api = "v002/agenda/simple/list-identifiants (detaille: agenda/detaille/...)",
  summary = "The ids of the objets of the agenda between dateDebut and dateFin, paged as apidae.recherche." }

local objet_options = set("responseFields", "locales")

local function by_id_params(fname, opts, allowed)
  local o = options(fname, 2, opts, allowed, 2)
  if o.responseFields ~= nil then o.responseFields = as_list(o.responseFields) end
  if o.locales ~= nil then o.locales = as_list(o.locales) end
  return o
end

function apidae.objet(id, opts)
  local sid = id_of("objet", id)
  local params = by_id_params("objet", opts, objet_options)
  return wrap_objet(core.get("objet-touristique/get-by-id", sid, params), first_locale(params.locales), "objet-touristique/get-by-id")
end
help.fn { name = "apidae.objet", signature = "apidae.objet(id [, {responseFields=, locales=}]) -> Objet",
  value = apidae.objet, types = { id = "integer" }, api = "v002/objet-touristique/get-by-id/:id",
  summary = "One objet touristique. responseFields: {\"id\", \"nom\", \"localisation\"} or \"@all\" (a list, or \"a,b\");\n"
    .. "locales: {\"fr\", \"en\"} (the label it prints with is the first locale's).",
  options = { { "responseFields", "the fields to return (Apidae's names; \"@all\")" }, { "locales", "languages, e.g. {\"fr\", \"en\"}" } } }

function apidae.objet_by_identifier(identifier, opts)
  local text = text_of("objet_by_identifier", identifier, "identifier (string)")
  local params = by_id_params("objet_by_identifier", opts, objet_options)
  return wrap_objet(core.get("objet-touristique/get-by-identifier", text, params), first_locale(params.locales),
    "objet-touristique/get-by-identifier")
end
help.fn { name = "apidae.objet_by_identifier", signature = "apidae.objet_by_identifier(identifier [, {responseFields=, locales=}]) -> Objet",
  value = apidae.objet_by_identifier, api = "v002/objet-touristique/get-by-identifier/:identifier",
  summary = "One objet touristique by its identifier (\"SITRA2_RES_5000108\"), with the options of apidae.objet." }

local function label(o, locale)
  local nom = rawget(o, "nom")
  if type(nom) ~= "table" then return type(nom) == "string" and nom or "?" end
  local wanted = rawget(nom, "libelle" .. capitalized(locale or "fr"))
  if type(wanted) == "string" then return wanted end
  local fr = rawget(nom, "libelleFr")
  if type(fr) == "string" then return fr end
  for key, value in next, nom do
    if type(key) == "string" and key:find("^libelle") and type(value) == "string" then return value end
  end
  return "?"
end

local function commune_of(o)
  local localisation = rawget(o, "localisation")
  local adresse = type(localisation) == "table" and rawget(localisation, "adresse")
  local commune = type(adresse) == "table" and rawget(adresse, "commune")
  local nom = type(commune) == "table" and rawget(commune, "nom")
  return type(nom) == "string" and nom or nil
end

function Objet.__tostring(o)
  local parts = { tostring(rawget(o, "id")) }
  local kind = rawget(o, "type")
  if type(kind) == "string" then parts[#parts + 1] = kind end
  local text = table.concat(parts, " ") .. " · " .. label(o, label_locale[o])
  local commune = commune_of(o)
  if commune then text = text .. " · " .. commune end
  return "<Objet " .. text .. ">"
end

help.type { name = "Objet", module = "apidae",
  summary = "an objet touristique, with Apidae's fields (those of responseFields); prints with its label in the first of its query's locales",
  fields = { { "id, identifier", "Apidae's id (integer) and identifier (SITRA2_...)" },
    { "type", "RESTAURATION, FETE_ET_MANIFESTATION, PATRIMOINE_CULTUREL, ..." },
    { "nom", "{libelleFr=, libelleEn=, ...} (the locales asked for)" },
    { "localisation", "{adresse = {commune = {nom=, code=}, ...}, geolocalisation = {...}}" },
    { "presentation, informations, ouverture, ...", "as responseFields asks" } } }

-- Membres and utilisateurs ------------------------------------------------

function apidae.membres(query)
  local q = copy_query("membres", query)
  return wrap_list(core.search("membre/get-membres", q), Membre, "membre/get-membres")
end
help.fn { name = "apidae.membres", signature = "apidae.membres{filter=, responseFields=} -> {Membre, ...}",
  value = apidae.membres, api = "v002/membre/get-membres (query)",
  summary = "The membres matching filter (not paged; an empty answer, 204, is an empty list).\n"
    .. "filter: {nom=, communeCode=, communeCodePostal=, types=, idParrain=, idProjet=, typeProjet=, statutProjet=,\n"
    .. "idSecteur=, nomSecteur=, userStatus=}; responseFields: {\"UTILISATEURS\", \"OBJETS_GERES\", \"PROJETS\", \"RELATIONS\",\n"
    .. "\"TRADUCTIONS\", \"TAGS\", \"COMMUNES\"} or {\"BASE_ONLY\"}.\n"
    .. "A project with « accès limité » to the membres gets only id, nom, devise, type, secteur, urlLogo and\n"
    .. "descriptifCommercial, whatever responseFields asks; a project without access gets an auth error.",
  options = { { "filter", "{communeCode = \"26362\", types = {...}, ...}" }, { "responseFields", "extra parts: UTILISATEURS, PROJETS, ..." } },
  example = 'for _, m in ipairs(apidae.membres{filter = {communeCode = "26362"}, responseFields = {"UTILISATEURS"}}) do\n  print(m, #(m.utilisateurs or {}))\nend' }

local membre_options = set("responseFields", "userStatus")

function apidae.membre(id, opts)
  local sid = id_of("membre", id)
  local params = by_id_params("membre", opts, membre_options)
  return setmetatable(answer_of("membre/get-by-id", core.get("membre/get-by-id", sid, params), {}), Membre)
end
help.fn { name = "apidae.membre", signature = "apidae.membre(id [, {responseFields=, userStatus=}]) -> Membre",
  value = apidae.membre, types = { id = "integer" }, api = "v002/membre/get-by-id/:id",
  summary = "One membre. responseFields as apidae.membres; userStatus: ACTIFS (default), INACTIFS or TOUS\n"
    .. "(which of its utilisateurs come with UTILISATEURS). Limited-access projects get fewer fields (see apidae.membres).",
  options = { { "responseFields", "UTILISATEURS, OBJETS_GERES, PROJETS, RELATIONS, TRADUCTIONS, TAGS, COMMUNES" },
    { "userStatus", "ACTIFS, INACTIFS or TOUS" } } }

function Membre.__tostring(m)
  local text = tostring(rawget(m, "id")) .. " " .. tostring(rawget(m, "nom") or "?")
  local kind = rawget(m, "type")
  local kind_label = type(kind) == "table" and (rawget(kind, "libelle") or rawget(kind, "libelleFr")) or kind
  if type(kind_label) == "string" then text = text .. " · " .. kind_label end
  local adresse = rawget(m, "adresse")
  local commune = type(adresse) == "table" and rawget(adresse, "commune")
  local commune_nom = type(commune) == "table" and rawget(commune, "nom")
  if type(commune_nom) == "string" then text = text .. " · " .. commune_nom end
  return "<Membre " .. text .. ">"
end
help.type { name = "Membre", module = "apidae", summary = "a membre of Apidae (an office de tourisme, a prestataire...), with Apidae's fields",
  fields = { { "id, nom, type, secteur", "type and secteur: {id=, libelle=}" }, { "devise, urlLogo, descriptifCommercial", "what every project may read, « accès limité » included" },
    { "adresse", "{adresse1=, codePostal=, commune = {code=, nom=, ...}} (full access)" },
    { "utilisateurs, projets, ...", "with responseFields (full access only)" } } }

local function utilisateur(endpoint, answer)
  answer = answer_of(endpoint, answer, nil)
  return answer and setmetatable(answer, Utilisateur)
end

function apidae.utilisateur(id)
  return utilisateur("utilisateur/get-by-id", core.get("utilisateur/get-by-id", id_of("utilisateur", id)))
end
help.fn { name = "apidae.utilisateur", signature = "apidae.utilisateur(id) -> Utilisateur", value = apidae.utilisateur,
  types = { id = "integer" }, api = "v002/utilisateur/get-by-id/:id", summary = "One utilisateur (needs full membres access)." }

function apidae.utilisateur_by_mail(email)
  return utilisateur("utilisateur/get-by-mail", core.get("utilisateur/get-by-mail", text_of("utilisateur_by_mail", email, "e-mail address (string)")))
end
help.fn { name = "apidae.utilisateur_by_mail", signature = "apidae.utilisateur_by_mail(email) -> Utilisateur",
  value = apidae.utilisateur_by_mail, api = "v002/utilisateur/get-by-mail/:email",
  summary = "The utilisateur with this e-mail address (needs full membres access)." }

function apidae.utilisateurs_of_membre(id)
  return wrap_list(core.get("utilisateur/get-by-membre", id_of("utilisateurs_of_membre", id)), Utilisateur, "utilisateur/get-by-membre")
end
help.fn { name = "apidae.utilisateurs_of_membre", signature = "apidae.utilisateurs_of_membre(id) -> {Utilisateur, ...}",
  value = apidae.utilisateurs_of_membre, types = { id = "integer" }, api = "v002/utilisateur/get-by-membre/:membreId",
  summary = "The utilisateurs of a membre (needs full membres access)." }

function apidae.utilisateurs()
  return wrap_list(core.get("utilisateur/get-all-utilisateurs"), Utilisateur, "utilisateur/get-all-utilisateurs")
end
help.fn { name = "apidae.utilisateurs", signature = "apidae.utilisateurs() -> {Utilisateur, ...}", value = apidae.utilisateurs,
  api = "v002/utilisateur/get-all-utilisateurs",
  summary = "Every utilisateur the project may see. Very slow on the real service (minutes): guichet gives this call\n"
    .. "ten minutes an attempt; prefer apidae.utilisateurs_of_membre when you know the membres." }

function Utilisateur.__tostring(u)
  local names = {}
  for _, key in ipairs { "firstName", "lastName" } do
    local value = rawget(u, key)
    if type(value) == "string" and value ~= "" then names[#names + 1] = value end
  end
  local text = tostring(rawget(u, "id")) .. " " .. (#names > 0 and table.concat(names, " ") or "?")
  local mail = rawget(u, "eMail")
  if type(mail) == "string" then text = text .. " · " .. mail end
  return "<Utilisateur " .. text .. ">"
end
help.type { name = "Utilisateur", module = "apidae", summary = "an Apidae user account of a membre, with Apidae's fields",
  fields = { { "id, firstName, lastName, eMail", "who" }, { "fonction, actif", "their role, and whether the account is active" }, { "membre", "{id=, nom=}" } } }

-- Référentiel and collaborateurs -----------------------------------------

local referentiel = setmetatable(apidae.referentiel, { __name = "apidae.referentiel" })

local function list_query(fname, endpoint, query)
  return answer_of(endpoint, core.search(endpoint, copy_query(fname, query)), {})
end

function referentiel.communes(query) return list_query("communes", "referentiel/communes", query) end
function referentiel.elements_reference(query) return list_query("elements_reference", "referentiel/elements-reference", query) end
function referentiel.criteres_internes(query) return list_query("criteres_internes", "referentiel/criteres-internes", query) end
function referentiel.selections(query) return list_query("selections", "referentiel/selections", query) end
function referentiel.selections_par_objet(query) return list_query("selections_par_objet", "referentiel/selections-par-objet", query) end

help.type { name = "apidae.referentiel", module = "apidae",
  summary = "Apidae's référentiel: communes, thesaurus, critères internes, the project's sélections (each takes a query table)" }

help.fn { name = "apidae.referentiel.communes", signature = "apidae.referentiel.communes{communeIds=, codesInsee=} -> {commune, ...}",
  value = referentiel.communes, api = "v002/referentiel/communes (query)",
  summary = "Communes by Apidae id or code INSEE: {id=, code=, nom=, codePostal=, pays=, ...}." }
help.fn { name = "apidae.referentiel.elements_reference", signature = "apidae.referentiel.elements_reference{elementReferenceIds=} -> {element, ...}",
  value = referentiel.elements_reference, api = "v002/referentiel/elements-reference (query)",
  summary = "Elements of Apidae's thesaurus (types, labels, criteria) by id: {id=, elementReferenceType=, libelleFr=, ...}." }
help.fn { name = "apidae.referentiel.criteres_internes", signature = "apidae.referentiel.criteres_internes{critereInterneIds=} -> {critere, ...}",
  value = referentiel.criteres_internes, api = "v002/referentiel/criteres-internes (query)",
  summary = "Internal criteria of the membres, by id." }
help.fn { name = "apidae.referentiel.selections", signature = "apidae.referentiel.selections{selectionIds=} -> {selection, ...}",
  value = referentiel.selections, api = "v002/referentiel/selections (query)",
  summary = "The project's sélections (all of them without selectionIds): {id=, libelle=, objetsTouristiques=...}." }
help.fn { name = "apidae.referentiel.selections_par_objet", signature = "apidae.referentiel.selections_par_objet{referenceIds=, selectionIds=} -> {...}",
  value = referentiel.selections_par_objet, api = "v002/referentiel/selections-par-objet (query)",
  summary = "For objets (referenceIds), the project's sélections each belongs to." }

function apidae.collaborateurs(query)
  return list_query("collaborateurs", "collaborateurs", query)
end
help.fn { name = "apidae.collaborateurs", signature = "apidae.collaborateurs{referenceIds=} -> {...}", value = apidae.collaborateurs,
  api = "v002/collaborateurs (query)", summary = "The owner and collaborator membres of objets (referenceIds: their ids)." }

function apidae.projet()
  return core.projet()
end
help.fn { name = "apidae.projet", signature = "apidae.projet() -> projetId, host", value = apidae.projet,
  summary = "The project guichet reads with (its projetId, never its key) and the API host." }

help.fn { name = "sandbox.apidae_project", signature = "sandbox.apidae_project(access) -> projetId",
  summary = "Reads Apidae as another sandbox project from now on: \"full\" (the default), \"limited\" (« accès limité »:\n"
    .. "fewer membre fields, no utilisateurs) or \"none\" (no membres access: 403)." }
help.fn { name = "sandbox.apidae_seed", signature = "sandbox.apidae_seed() -> {today=, nextSaturday=, nextSunday=, eventsNextWeekend=, ...}",
  summary = "What the sandbox's Apidae seeded: the dates its events were given (relative to today), objets, sélections, membres." }
help.fn { name = "sandbox.apidae_queries", signature = "sandbox.apidae_queries() -> {{endpoint=, method=, query=, status=}, ...}",
  summary = "The queries the sandbox's Apidae received, in order, each key replaced by the name of its project." }

return apidae
