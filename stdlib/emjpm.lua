-- emjpm: the eMJPM editor API ("logiciels métiers") from Lua.
--
--   for _, m in ipairs(emjpm.mesures{status = "en_cours"}) do print(m.numero_rg, m.status) end
--   local m = emjpm.create_mesure{numero_rg = "018A3245", civilite = "madame", ...}
--   m:update{date_fin_mesure = "2025-06-30"}
--
-- The session is the one `guichet login emjpm` stored: access tokens are
-- refreshed before they expire (and once more if the server refuses one),
-- and the new pair is saved before it is used.

local core = require "guichet.emjpm_core"
local help = require "guichet.help"

local emjpm = {}

local args = require "guichet.args"
local raise_usage, set, options = args.raise, args.set, args.options

local Mesure = args.class "Mesure"

-- The fields of a mesure, as the eMJPM documentation lists them.
local mesure_fields = set("numero_rg", "numero_dossier", "annee_naissance", "civilite", "date_nomination",
  "date_premier_mesure", "date_protection_en_cours", "date_fin_mesure", "cause_sortie", "resultat_revision",
  "tribunal_siret", "tribunal_cabinet", "antenne_id", "code_postal", "ville", "latitude", "longitude", "etats",
  "ressources")
local read_only_fields = set("id", "status", "created_at", "editor_id")

--- emjpm.normalize_numero_rg(s) -> the form the server stores.
function emjpm.normalize_numero_rg(value)
  if type(value) ~= "string" then raise_usage("bad argument #1 to 'normalize_numero_rg' (string expected, got " .. type(value) .. ")", 2) end
  return core.normalize_numero_rg(value)
end

-- Checks a mesure before sending: known fields, a numero_rg already in
-- eMJPM's form (the server would rewrite it, or in strict mode refuse it
-- after saving it anyway).
-- The table is read raw (no __pairs, __index or __tostring of the caller's
-- runs here); errors blame the first line outside guichet's stdlib.
local function check_mesure(fname, mesure, position, prefix)
  if type(mesure) ~= "table" then
    raise_usage(("bad argument #%d to '%s' (%stable expected, got %s)"):format(position, fname, prefix or "", type(mesure)), 2)
  end
  for key in next, mesure do
    if not mesure_fields[key] and not read_only_fields[key] then
      raise_usage(("bad argument #%d to '%s' (%s%s)")
        :format(position, fname, prefix or "", args.unknown("field", key, mesure_fields)), 2)
    end
  end
  local rg = rawget(mesure, "numero_rg")
  if rg ~= nil then
    if type(rg) ~= "string" then
      raise_usage(("bad argument #%d to '%s' (%snumero_rg must be a string)"):format(position, fname, prefix or ""), 2)
    end
    local normal = core.normalize_numero_rg(rg)
    if normal ~= rg then
      raise_usage(("bad argument #%d to '%s' (%snumero_rg %q is not in eMJPM's form (8 uppercase letters or digits); use %q, or emjpm.normalize_numero_rg)")
        :format(position, fname, prefix or "", rg, normal), 2)
    end
  end
end

-- Lists stay lists in JSON even when empty ({} would encode as an object).
local function as_list(value)
  if type(value) == "table" and next(value) == nil then return json.array() end
  return value
end

-- What is sent: the writable fields only.
local function body_of(mesure)
  local body = {}
  for key, value in next, mesure do
    if mesure_fields[key] then body[key] = value end
  end
  body.etats = as_list(body.etats)
  body.ressources = as_list(body.ressources or {})
  -- ressources of another type go as they are: the server names the mistake
  for _, ressource in ipairs(type(body.ressources) == "table" and body.ressources or {}) do
    if type(ressource) == "table" then ressource.prestations_sociales = as_list(ressource.prestations_sociales) end
  end
  return body
end

-- Never trust the server: what `operation` answers must be a JSON object
-- (holding a list under `key`, when given); anything else is a malformed
-- answer, said as such, never an error inside this module later.
local function answer_of(operation, answer, key)
  if type(answer) ~= "table" then args.malformed("the answer to " .. operation, answer, "an object") end
  local value = key and answer[key] or answer
  if key and value ~= nil and type(value) ~= "table" then args.malformed(operation .. ": " .. key, value, "a list") end
  return value
end

local function wrap(mesure, operation)
  if type(mesure) ~= "table" then answer_of(operation or "a mesure", mesure) end
  return setmetatable(mesure, Mesure)
end

local function wrap_all(list, operation)
  for _, m in ipairs(list or {}) do wrap(m, operation) end
  return list or {}
end

help.module { name = "emjpm", value = emjpm,
  summary = "eMJPM (mandataires judiciaires): mesures, antennes, tribunaux, the user; OAuth2 session kept alive" }

function emjpm.mesures(opts)
  opts = options("mesures", 1, opts, set("status"))
  if opts.status ~= nil and not set("en_attente", "en_cours", "eteinte")[opts.status] then
    raise_usage("bad argument #1 to 'mesures' (status must be en_attente, en_cours or eteinte)", 2)
  end
  local answer = core.request("GET", "/api/editors/mesures", opts.status and { status = opts.status } or nil)
  return wrap_all(answer_of("GET /api/editors/mesures", answer, "mesures"), "GET /api/editors/mesures")
end
help.fn { name = "emjpm.mesures", signature = "emjpm.mesures{status=} -> {Mesure, ...}", value = emjpm.mesures,
  summary = "Every mesure of the user (the API does not paginate), optionally by status.",
  options = { { "status", "en_attente, en_cours or eteinte" } }, api = "GET /api/editors/mesures" }

function emjpm.mesure(id)
  if math.type(id) ~= "integer" then
    local got = type(id) == "number" and "number has no integer representation" or (type(id) .. " given")
    raise_usage("bad argument #1 to 'mesure' (integer id expected, " .. got .. ")", 2)
  end
  return wrap(core.request("GET", "/api/editors/mesures/" .. id), "GET /api/editors/mesures/:id")
end
help.fn { name = "emjpm.mesure", signature = "emjpm.mesure(id) -> Mesure", value = emjpm.mesure, types = { id = "integer" },
  summary = "One mesure; :update{...} and :delete() act on it.", api = "GET /api/editors/mesures/:id" }

-- What a mutation returns under --dry-run: the mesure as it would have been
-- sent, marked dry_run = true (no id: nothing was created).
local function dry_mesure(body)
  body.dry_run = true
  return wrap(body)
end

function emjpm.create_mesure(mesure)
  check_mesure("create_mesure", mesure, 1)
  local body = body_of(mesure)
  local answer, dry = core.request("POST", "/api/editors/mesures", nil, body)
  if dry then return dry_mesure(body), dry end
  return wrap(answer)
end
help.fn { name = "emjpm.create_mesure", signature = "emjpm.create_mesure{numero_rg=, civilite=, annee_naissance=, date_nomination=, tribunal_siret=, ressources=, etats=, ...} -> Mesure",
  value = emjpm.create_mesure, api = "POST /api/editors/mesures",
  summary = "Creates a mesure. numero_rg must already be in eMJPM's form (checked here: see normalize_numero_rg).\n"
    .. "Validation errors come back as kind \"validation\" with the server's field names in err.details." }

function emjpm.create_mesures(list)
  if type(list) ~= "table" then raise_usage("bad argument #1 to 'create_mesures' (list of mesures expected, got " .. type(list) .. ")", 2) end
  if rawlen(list) > core.batch_limit then
    raise_usage(("'create_mesures': %d mesures, more than the %d one batch takes; the batch is one transaction, so split it yourself knowing that each part then succeeds or fails on its own")
      :format(rawlen(list), core.batch_limit), 2)
  end
  local bodies = {}
  if rawlen(list) == 0 then return {} end  -- nothing to create: no request
  for i = 1, rawlen(list) do
    local mesure = rawget(list, i)
    check_mesure("create_mesures", mesure, 1, ("mesure #%d: "):format(i))
    bodies[i] = body_of(mesure)
  end
  local answer, dry = core.request("POST", "/api/editors/mesures/batch", nil, { mesures = json.array(bodies) })
  if dry then
    for _, body in ipairs(bodies) do dry_mesure(body) end
    return bodies, dry
  end
  return wrap_all(answer.mesures)
end
help.fn { name = "emjpm.create_mesures", signature = "emjpm.create_mesures{mesure, ...} -> {Mesure, ...}", value = emjpm.create_mesures,
  api = "POST /api/editors/mesures/batch",
  summary = "Creates up to 1000 mesures in one transaction (all or none); more is refused rather than split silently." }

function emjpm.delete_all_mesures(opts)
  opts = options("delete_all_mesures", 1, opts, set("confirm", "force_awaiting"))
  if opts.confirm ~= true then
    raise_usage("'delete_all_mesures' deletes EVERY mesure of the user (awaiting ones too, whatever force_awaiting says): pass {confirm = true} to do it", 2)
  end
  local answer, dry = core.request("DELETE", "/api/editors/mesures", opts.force_awaiting and { forceDeleteAwaitingMesures = "true" } or nil)
  if dry then return 0, dry end
  return answer and answer.affected_rows or 0
end
help.fn { name = "emjpm.delete_all_mesures", signature = "emjpm.delete_all_mesures{confirm = true, force_awaiting=} -> count",
  value = emjpm.delete_all_mesures, api = "DELETE /api/editors/mesures",
  summary = "Deletes every mesure of the user; refuses without confirm = true. The server deletes awaiting mesures too,\n"
    .. "whatever force_awaiting says." }

function emjpm.antennes()
  return answer_of("GET /api/editors/service-antennes", core.request("GET", "/api/editors/service-antennes"), "antennes") or {}
end
help.fn { name = "emjpm.antennes", signature = "emjpm.antennes() -> {{id=, nom=, ...}, ...}", value = emjpm.antennes,
  summary = "The antennes of the user's service.", api = "GET /api/editors/service-antennes" }

function emjpm.tribunaux()
  return answer_of("GET /api/editors/tribunaux", core.request("GET", "/api/editors/tribunaux"), "tribunaux") or {}
end
help.fn { name = "emjpm.tribunaux", signature = "emjpm.tribunaux() -> {{nom=, siret=, ...}, ...}", value = emjpm.tribunaux,
  summary = "The tribunaux (their siret is what mesures name as tribunal_siret).", api = "GET /api/editors/tribunaux" }

function emjpm.user()
  return core.request("GET", "/api/mandoline/user")
end
help.fn { name = "emjpm.user", signature = "emjpm.user() -> table", value = emjpm.user,
  summary = "Who authorized guichet: id, email, type (service, direction, ...), their service or direction.",
  api = "GET /api/mandoline/user" }

function emjpm.direction_services()
  return core.request("GET", "/api/mandoline/direction-services")
end
help.fn { name = "emjpm.direction_services", signature = "emjpm.direction_services() -> {service, ...}", value = emjpm.direction_services,
  summary = "The services a direction oversees (users of type direction only).", api = "GET /api/mandoline/direction-services" }

help.fn { name = "emjpm.normalize_numero_rg", signature = "emjpm.normalize_numero_rg(s) -> string", value = emjpm.normalize_numero_rg,
  summary = "The form eMJPM stores: letters and digits only, uppercase, 8 characters, left-padded with 0\n(\"18/A/3245\" → \"018A3245\")." }

-- The id of a mesure from the server (a dry-run mesure has none).
local function id_of(m, fname)
  if math.type(rawget(m, "id")) ~= "integer" then
    raise_usage(("'%s': this mesure has no id (it was not created: a dry run?)"):format(fname), 3)
  end
  return m.id
end

function Mesure:update(changes)
  args.check_self(self, Mesure, "update")
  id_of(self, "update")
  check_mesure("update", changes, 1)
  -- PUT replaces the whole mesure (etats and ressources included): send it all.
  local merged = {}
  for key, value in pairs(self) do merged[key] = value end
  for key, value in next, changes do merged[key] = value end
  local updated, dry = core.request("PUT", "/api/editors/mesures/" .. self.id, nil, body_of(merged))
  if dry then return self, dry end  -- unchanged: nothing was sent
  for key in pairs(self) do self[key] = nil end
  for key, value in pairs(updated) do self[key] = value end
  return self
end
help.fn { name = "Mesure:update", signature = "mesure:update{field = value, ...} -> mesure", value = Mesure.update,
  api = "PUT /api/editors/mesures/:id", summary = "Changes fields; the whole mesure is sent (PUT replaces etats and ressources)." }

function Mesure:delete()
  args.check_self(self, Mesure, "delete")
  id_of(self, "delete")
  local answer, dry = core.request("DELETE", "/api/editors/mesures/" .. self.id)
  if dry then return false, dry end
  return (answer and answer.affected_rows or 0) > 0
end
help.fn { name = "Mesure:delete", signature = "mesure:delete() -> boolean", value = Mesure.delete,
  api = "DELETE /api/editors/mesures/:id", summary = "Deletes the mesure; false when it was not (or no longer) yours." }

function Mesure.__tostring(m)
  return ("<Mesure %s %s · %s · née en %s>"):format(tostring(m.id), tostring(m.numero_rg), tostring(m.status), tostring(m.annee_naissance))
end

help.type { name = "Mesure", module = "emjpm", summary = "a mesure de protection, with the fields of the eMJPM documentation",
  fields = { { "id, numero_rg, numero_dossier", "" }, { "civilite, annee_naissance", "" },
    { "date_nomination, date_premier_mesure, date_fin_mesure", "YYYY-MM-DD" }, { "status", "en_attente, en_cours, eteinte" },
    { "tribunal_siret, antenne_id", "" }, { "etats", "{date_changement_etat, nature_mesure, champ_mesure, lieu_vie, pays, ...}" },
    { "ressources", "{annee, niveau_ressource, prestations_sociales}" } } }

-- What --sandbox adds to the `sandbox` module for eMJPM.
help.fn { name = "sandbox.expire_emjpm_session", signature = "sandbox.expire_emjpm_session()",
  summary = "The stored eMJPM access token counts as expired, so the next eMJPM call refreshes the pair." }
help.fn { name = "sandbox.emjpm_stats", signature = "sandbox.emjpm_stats() -> {exchanges=, refreshes=}",
  types = { exchanges = "integer", refreshes = "integer" }, summary = "What the fake eMJPM's token endpoint served." }

return emjpm
