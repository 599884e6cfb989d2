-- ds: démarches-simplifiées (demarche.numerique.gouv.fr) from Lua.
--
--   local d = ds.dossier(12345)
--   print(d.state, d.usager.email, d.champs["Nom de l’établissement"].value)
--   d:accept{motivation = "Dossier complet", pj = "justificatif.pdf"}
--   for d in ds.demarche(1001):dossiers{state = "en_instruction"} do ... end
--
-- The Swift half (guichet.ds_core) speaks HTTP and GraphQL; this half
-- turns answers into objects with methods. Every request goes through one
-- of the documents in Sources/DemarchesSimplifiees/DSDocuments.swift.

local core = require "guichet.ds_core"
local help = require "guichet.help"

local ds = {}

local args = require "guichet.args"
local raise_usage, options, set, describe = args.raise, args.options, args.set, args.describe
local check_self = args.check_self

local Dossier, Demarche, Groupe, File = args.class "Dossier", args.class "Demarche", args.class "Groupe", args.class "File"
-- A dossier's champs by label: fields only, no methods.
local Champs = { __name = "Champs" }

-- The dossier each file came from, to fetch a fresh URL when one expired.
local file_owner = setmetatable({}, { __mode = "k" })

---------------------------------------------------------------------------
-- Arguments


local function check_number(fname, position, value, what)
  if math.type(value) ~= "integer" then
    local got = type(value) == "number" and "number has no integer representation" or (type(value) .. " given")
    raise_usage(("bad argument #%d to '%s' (%s number expected, %s)"):format(position, fname, what, got), 3)
  end
  return value
end

local function check_string(fname, position, value, what)
  if type(value) ~= "string" then
    raise_usage(("bad argument #%d to '%s' (%s expected, got %s)"):format(position, fname, what, type(value)), 3)
  end
  return value
end

local function check_file(fname, path, limit)
  check_string(fname, 1, path, "option 'pj' to be a file path, a string")
  local file = io.open(path, "rb")
  if not file then raise_usage(("'%s': file not found: %s"):format(fname, path), 3) end
  local size = file:seek("end")
  file:close()
  if limit and size > limit then
    raise_usage(("'%s': %s is %d bytes, more than the %d MB allowed"):format(fname, path, size, limit // 1048576), 3)
  end
end

---------------------------------------------------------------------------
-- Turning answers into objects

local value_of = {
  TextChamp = function(c) return c.text end,
  CheckboxChamp = function(c) return c.checked end,
  YesNoChamp = function(c) return c.yesNo end,
  IntegerNumberChamp = function(c) return c.integerNumber and math.tointeger(tonumber(c.integerNumber)) end,
  DecimalNumberChamp = function(c) return c.decimalNumber end,
  DateChamp = function(c) return c.date end,
  DatetimeChamp = function(c) return c.datetime end,
  DropDownListChamp = function(c) return c.choice end,
  MultipleDropDownListChamp = function(c) return c.values end,
  LinkedDropDownListChamp = function(c) return { primary = c.primaryValue, secondary = c.secondaryValue } end,
  PieceJustificativeChamp = function(c) return c.files end,
}
local aliases = { "text", "checked", "yesNo", "integerNumber", "decimalNumber", "choice" }

local malformed = args.malformed

-- A field for tostring, whatever the server put there.
local function shown(v) return (type(v) == "string" or type(v) == "number") and tostring(v) or "?" end
local function field(t, k) return type(t) == "table" and t[k] or nil end

local function check_list(what, value)
  if value ~= nil and type(value) ~= "table" then malformed(what, value, "a list") end
  return value
end

local function check_table(what, value)
  if type(value) ~= "table" then malformed(what, value, "an object") end
  return value
end

local function wrap_file(file, owner)
  if file == nil then return nil end
  check_table("a file", file)
  for _, field in ipairs { "url", "filename", "checksum" } do
    if type(file[field]) ~= "string" then malformed("file." .. field, file[field], "a string") end
  end
  setmetatable(file, File)
  file.size = math.tointeger(tonumber(file.byteSizeBigInt))
  file_owner[file] = owner
  return file
end

local wrap_champs

-- Gives every champ a `value` of its natural Lua type.
local function wrap_champ(champ, owner)
  check_table("a champ", champ)
  if type(champ.label) ~= "string" then malformed("champ.label", champ.label, "a string") end
  check_list("champ.files", champ.files)
  check_list("champ.rows", champ.rows)
  if champ.files then
    for _, f in ipairs(champ.files) do wrap_file(f, owner) end
  end
  if champ.rows then
    for _, row in ipairs(champ.rows) do wrap_champs(row.champs, owner) end
    champ.value = champ.rows
  else
    local get = value_of[champ.__typename]
    champ.value = get and get(champ)
    if champ.value == nil and not get then champ.value = champ.stringValue end
  end
  for _, alias in ipairs(aliases) do champ[alias] = nil end
  return champ
end

-- champs["Label"] or champs[id] finds a champ; champs[1] is the first.
function Champs.__index(list, key)
  if type(key) ~= "string" then return nil end
  for _, champ in ipairs(list) do
    if champ.label == key or champ.id == key then return champ end
  end
  return nil
end

function wrap_champs(list, owner)
  if list == nil then return nil end
  check_list("champs", list)
  for _, champ in ipairs(list) do wrap_champ(champ, owner) end
  return setmetatable(list, Champs)
end

local function collect_files(d)
  local files = {}
  local function add(file, origin)
    if file then files[#files + 1] = file; file.origin = file.origin or origin end
  end
  local function from_champs(list, kind)
    for _, champ in ipairs(list or {}) do
      for _, f in ipairs(champ.files or {}) do add(f, kind .. ":" .. champ.label) end
      for _, row in ipairs(champ.rows or {}) do from_champs(row.champs, kind) end
    end
  end
  from_champs(d.champs, "champ")
  from_champs(d.annotations, "annotation")
  for _, message in ipairs(d.messages or {}) do
    for _, f in ipairs(message.attachments or {}) do add(f, "message") end
  end
  add(d.attestation, "attestation")
  add(d.motivationAttachment, "motivation")
  return files
end

local function wrap_dossier(d)
  if d == nil then return nil end
  check_table("the dossier", d)
  if math.type(d.number) ~= "integer" then malformed("dossier.number", d.number, "an integer") end
  check_list("dossier.messages", d.messages)
  for _, message in ipairs(d.messages or {}) do
    check_table("a message", message)
    check_list("message.attachments", message.attachments)
  end
  setmetatable(d, Dossier)
  local owner = d.number
  wrap_champs(d.champs, owner)
  wrap_champs(d.annotations, owner)
  for _, message in ipairs(d.messages or {}) do
    for _, f in ipairs(message.attachments or {}) do wrap_file(f, owner) end
  end
  wrap_file(d.attestation, owner)
  wrap_file(d.motivationAttachment, owner)
  d.files = collect_files(d)
  return d
end

-- Replaces a dossier's fields with a fresher copy, keeping its identity.
local function refresh(d, fresh)
  for key in pairs(d) do d[key] = nil end
  for key, value in pairs(fresh) do d[key] = value end
  return d
end

-- The `data` of an operation's answer: an object (a dry run's nil, "dry_run" passes through).
local function request(operation, variables)
  local data, dry = core.request(operation, variables)
  if dry then return data, dry end
  return check_table(operation .. "'s data", data)
end

---------------------------------------------------------------------------
-- Configuration

help.module { name = "ds", value = ds,
  summary = "démarches-simplifiées (demarche.numerique.gouv.fr): dossiers, démarches, groupes, files, GraphQL" }

function ds.config(opts)
  -- the one check of these keys: the Swift half reads the copy as it is
  return core.config(options("config", 1, opts, set("endpoint", "token", "instructeur", "dry_run")))
end
help.fn { name = "ds.config", signature = "ds.config{endpoint=, token=, instructeur=, dry_run=} -> settings",
  summary = "Changes where and as whom ds works; returns the settings (never the token).\n"
    .. "Defaults come from DS_API_URL, DS_API_TOKEN, DS_INSTRUCTEUR (or guichet --sandbox, --dry-run).",
  options = { { "endpoint", "GraphQL endpoint or host (default https://demarche.numerique.gouv.fr/api/v2/graphql)" },
    { "token", "API token (prefer DS_API_TOKEN or guichet login ds)" },
    { "instructeur", "email of the instructeur mutations act as" },
    { "dry_run", "true: print mutations instead of sending them; reads still happen" } },
  example = 'ds.config{instructeur = "camille.martin@sandbox.gouv.fr", dry_run = true}',
  value = ds.config }

---------------------------------------------------------------------------
-- Reading

function ds.dossier(number)
  check_number("dossier", 1, number, "dossier")
  return wrap_dossier(request("getDossier", { number = number }).dossier)
end
help.fn { name = "ds.dossier", signature = "ds.dossier(number) -> Dossier", value = ds.dossier,
  summary = "Fetches one dossier with its champs, annotations, messages, labels and files.",
  api = "query getDossier (Query.dossier)", example = 'local d = ds.dossier(100001)\nprint(d.state, d.champs["Montant demandé (€)"].value)' }

local demarche_cache = {}

local function wrap_demarche(dem)
  check_table("the démarche", dem)
  if math.type(dem.number) ~= "integer" then malformed("demarche.number", dem.number, "an integer") end
  check_list("demarche.groupeInstructeurs", dem.groupeInstructeurs)
  for _, g in ipairs(dem.groupeInstructeurs or {}) do check_table("a groupe", g) end
  check_table("demarche.activeRevision", dem.activeRevision or {})
  setmetatable(dem, Demarche)
  for _, g in ipairs(dem.groupeInstructeurs or {}) do setmetatable(g, Groupe) end
  dem.groupes = dem.groupeInstructeurs
  local revision = dem.activeRevision or {}
  dem.champ_descriptors = revision.champDescriptors
  dem.annotation_descriptors = revision.annotationDescriptors
  demarche_cache[dem.number] = dem
  return dem
end

function ds.demarche(number)
  check_number("demarche", 1, number, "démarche")
  return wrap_demarche(request("getDemarche", { number = number }).demarche)
end
help.fn { name = "ds.demarche", signature = "ds.demarche(number) -> Demarche", value = ds.demarche,
  summary = "Fetches a démarche: title, state, groupes (with their instructeurs), labels, champ and annotation descriptors.",
  api = "query getDemarche (Query.demarche)", example = "for _, g in ipairs(ds.demarche(1001).groupes) do print(g.label) end" }

function ds.groupe(number)
  check_number("groupe", 1, number, "groupe instructeur")
  local g = check_table("the groupe instructeur", request("getGroupeInstructeur", { number = number }).groupeInstructeur)
  if math.type(g.number) ~= "integer" then malformed("groupeInstructeur.number", g.number, "an integer") end
  return setmetatable(g, Groupe)
end
help.fn { name = "ds.groupe", signature = "ds.groupe(number) -> Groupe", value = ds.groupe,
  summary = "Fetches a groupe instructeur and its instructeurs; :dossiers{} lists its dossiers.",
  api = "query getGroupeInstructeur (Query.groupeInstructeur)" }

function ds.descriptor(number)
  check_number("descriptor", 1, number, "démarche")
  return request("getDemarcheDescriptor", { demarche = { number = number } }).demarcheDescriptor
end
help.fn { name = "ds.descriptor", signature = "ds.descriptor(number) -> table", value = ds.descriptor,
  summary = "The public description of a démarche (readable for opendata démarches).",
  api = "query getDemarcheDescriptor (Query.demarcheDescriptor)" }

function ds.query(document, variables, operation_name)
  check_string("query", 1, document, "GraphQL document (string)")
  if variables ~= nil and type(variables) ~= "table" then
    raise_usage("bad argument #2 to 'query' (table expected, got " .. type(variables) .. ")", 2)
  end
  if operation_name ~= nil then check_string("query", 3, operation_name, "operation name (string)") end
  return core.query(document, variables, operation_name)
end
help.fn { name = "ds.query", signature = "ds.query(document [, variables [, operation_name]]) -> data", value = ds.query,
  summary = "Runs any GraphQL document and returns `data`; errors are raised in the common shape.\n"
    .. "A mutation is recognised by the GraphQL grammar (comments, strings, fragments): under dry-run it is printed,\n"
    .. "not sent. A document with several operations needs operation_name.",
  example = 'local data = ds.query("query($n: Int!) { dossier(number: $n) { state } }", {n = 100001})' }

-- Pages of a connection: calls fetch(after) until hasNextPage is false.
local function page_iterator(fetch, after)
  local done = false
  return function()
    if done then return nil end
    local connection = check_table("a page", fetch(after))
    check_list("page.nodes", connection.nodes)
    local info = check_table("page.pageInfo", connection.pageInfo or {})
    if info.endCursor ~= nil and type(info.endCursor) ~= "string" then malformed("pageInfo.endCursor", info.endCursor, "a string") end
    done = not info.hasNextPage
    -- A server announcing a next page without a new cursor would have us
    -- ask for the same page forever.
    if not done and (info.endCursor == nil or info.endCursor == after) then
      guichet.raise("protocol", "the server's answer is malformed: it announces a next page without a new cursor (pageInfo.endCursor "
        .. (info.endCursor == nil and "missing" or "repeated") .. ")", 0)
    end
    -- Never lose a cursor: an empty last page keeps the previous one.
    if info.endCursor then after = info.endCursor end
    return { nodes = connection.nodes or {}, end_cursor = after, has_next_page = info.hasNextPage == true }
  end
end

local dossier_options = set("state", "archived", "created_since", "updated_since", "after", "page_size")
local states = set("en_construction", "en_instruction", "accepte", "refuse", "sans_suite")

-- Blames the first line outside guichet's stdlib (the caller's).
local function check_date(fname, name, value)
  if value ~= nil and (type(value) ~= "string" or not value:match("^%d%d%d%d%-%d%d%-%d%d")) then
    raise_usage(("bad argument #1 to '%s' (%s must be an ISO 8601 date or date-time such as \"2024-01-31T00:00:00Z\", got %s)")
      :format(fname, name, type(value) == "string" and ("%q"):format(value) or type(value)), 2)
  end
end

local function check_page_size(fname, size)
  if math.type(size) ~= "integer" or size < 1 or size > 100 then
    raise_usage(("bad argument #1 to '%s' (page_size must be an integer from 1 to 100)"):format(fname), 2)
  end
end

local function check_cursor(fname, after)
  if after ~= nil and type(after) ~= "string" then
    raise_usage(("bad argument #1 to '%s' (after must be a cursor string, got %s)"):format(fname, type(after)), 2)
  end
end

local function dossier_variables(fname, opts)
  opts = options(fname, 1, opts, dossier_options)
  check_date(fname, "created_since", opts.created_since)
  check_date(fname, "updated_since", opts.updated_since)
  if opts.state ~= nil and not states[opts.state] then
    raise_usage(("bad argument #1 to '%s' (state must be one of en_construction, en_instruction, accepte, refuse, sans_suite; got %s)")
      :format(fname, describe(opts.state)), 3)
  end
  if opts.archived ~= nil and type(opts.archived) ~= "boolean" then
    raise_usage(("bad argument #1 to '%s' (archived must be true or false, got %s)"):format(fname, type(opts.archived)), 3)
  end
  local size = opts.page_size or 100
  check_page_size(fname, size)
  check_cursor(fname, opts.after)
  return { first = size, state = opts.state, archived = opts.archived,
    createdSince = opts.created_since, updatedSince = opts.updated_since }, opts.after
end

local function pages_of(operation, root, number, variables, after)
  return page_iterator(function(cursor)
    local vars = { number = number, after = cursor }
    for k, v in pairs(variables) do vars[k] = v end
    return check_table(root, request(operation, vars)[root]).dossiers
  end, after)
end

-- Pages whose nodes are Dossier objects.
local function dossier_pages(next_page)
  return function()
    local page = next_page()
    if page then
      for _, node in ipairs(page.nodes) do wrap_dossier(node) end
    end
    return page
  end
end

-- Iterates the nodes of every page; yields (node, cursor) where cursor is
-- non-nil on the last node of a page only: the point where saving it and
-- resuming later loses nothing.
local function node_iterator(next_page)
  local page, index = nil, 0
  return function()
    while true do
      if page and index < #page.nodes then
        index = index + 1
        return page.nodes[index], index == #page.nodes and page.end_cursor or nil
      end
      page, index = next_page(), 0
      if page == nil then return nil end
    end
  end
end

local function dossier_iterator(next_page)
  return node_iterator(dossier_pages(next_page))
end

function Demarche:pages(opts)
  check_self(self, Demarche, "pages")
  local variables, after = dossier_variables("pages", opts)
  return dossier_pages(pages_of("getDemarcheDossiers", "demarche", self.number, variables, after))
end
help.fn { name = "Demarche:pages", signature = "demarche:pages{state=, archived=, created_since=, updated_since=, after=, page_size=}",
  types = { returns = "fun(): { nodes: Dossier[], end_cursor: string?, has_next_page: boolean }|nil" },
  value = Demarche.pages, api = "query getDemarcheDossiers (Demarche.dossiers)",
  summary = "Iterates pages: {nodes=, end_cursor=, has_next_page=}. For a resumable sync keep updated_since fixed\n"
    .. "and save end_cursor after each page (it is never nil once a page was read).",
  example = "for page in dem:pages{updated_since = since, after = saved} do ...; save(page.end_cursor) end" }

function Demarche:dossiers(opts)
  check_self(self, Demarche, "dossiers")
  local variables, after = dossier_variables("dossiers", opts)
  return dossier_iterator(pages_of("getDemarcheDossiers", "demarche", self.number, variables, after))
end
help.fn { name = "Demarche:dossiers", signature = "demarche:dossiers{state=, archived=, created_since=, updated_since=, after=, page_size=}",
  types = { returns = "fun(): Dossier?, string?" },
  value = Demarche.dossiers, api = "query getDemarcheDossiers (Demarche.dossiers, 100 per page)",
  summary = "Iterates every dossier of the démarche, page after page; yields (dossier, cursor), the cursor\n"
    .. "only on a page's last dossier (save it there to resume later without losing any).",
  options = { { "state", "en_construction, en_instruction, accepte, refuse or sans_suite" },
    { "archived", "true or false" }, { "created_since", "ISO 8601 date-time" },
    { "updated_since", "ISO 8601 date-time (orders by update time)" }, { "after", "a cursor to resume from" },
    { "page_size", "1 to 100 (default 100)" } },
  example = 'for d in ds.demarche(1001):dossiers{state = "en_instruction"} do print(d.number) end' }

local function deleted_iterator(operation, field, number, fname, opts)
  opts = options(fname, 1, opts, set("since", "after", "page_size"))
  check_date(fname, "since", opts.since)
  check_page_size(fname, opts.page_size or 100)
  check_cursor(fname, opts.after)
  return node_iterator(page_iterator(function(cursor)
    local data = request(operation, { number = number, first = opts.page_size or 100, after = cursor, deletedSince = opts.since })
    return check_table("demarche", data.demarche)[field]
  end, opts.after))
end

function Demarche:deleted_dossiers(opts)
  check_self(self, Demarche, "deleted_dossiers")
  return deleted_iterator("getDemarcheDeletedDossiers", "deletedDossiers", self.number, "deleted_dossiers", opts)
end
help.fn { name = "Demarche:deleted_dossiers", signature = "demarche:deleted_dossiers{since=, after=}", value = Demarche.deleted_dossiers,
  types = { returns = "fun(): table?" },
  summary = "Iterates the dossiers deleted since a date: {number=, state=, reason=, dateSupression=}.",
  api = "query getDemarcheDeletedDossiers (Demarche.deletedDossiers)" }

function Demarche:pending_deleted_dossiers(opts)
  check_self(self, Demarche, "pending_deleted_dossiers")
  return deleted_iterator("getDemarchePendingDeletedDossiers", "pendingDeletedDossiers", self.number, "pending_deleted_dossiers", opts)
end
help.fn { name = "Demarche:pending_deleted_dossiers", signature = "demarche:pending_deleted_dossiers{since=, after=}",
  types = { returns = "fun(): table?" },
  value = Demarche.pending_deleted_dossiers, summary = "Iterates dossiers hidden by their usager or the administration, waiting for deletion.",
  api = "query getDemarchePendingDeletedDossiers (Demarche.pendingDeletedDossiers)" }

function Demarche:groupe(key)
  check_self(self, Demarche, "groupe")
  for _, g in ipairs(self.groupes or {}) do
    if g.number == key or g.label == key or g.id == key then return g end
  end
  return nil
end
help.fn { name = "Demarche:groupe", signature = "demarche:groupe(number_or_label) -> Groupe", value = Demarche.groupe,
  types = { number_or_label = "integer|string", returns = "Groupe?" },
  summary = "The démarche's groupe with that number, label or id (nil if none)." }

function Demarche:label(key)
  check_self(self, Demarche, "label")
  for _, l in ipairs(self.labels or {}) do
    if l.name == key or l.id == key then return l end
  end
  return nil
end
help.fn { name = "Demarche:label", signature = "demarche:label(name_or_id) -> table", value = Demarche.label,
  types = { name_or_id = "string", returns = "table?" },
  summary = "The démarche's label with that name or id (nil if none)." }

function Demarche.__tostring(dem)
  return ("<Demarche %s %s · %s · %d groupes>"):format(shown(dem.number), shown(dem.state), shown(dem.title), #(dem.groupes or {}))
end

function Groupe:dossiers(opts)
  check_self(self, Groupe, "dossiers")
  local variables, after = dossier_variables("dossiers", opts)
  return dossier_iterator(pages_of("getGroupeInstructeurDossiers", "groupeInstructeur", self.number, variables, after))
end
help.fn { name = "Groupe:dossiers", signature = "groupe:dossiers{state=, archived=, created_since=, updated_since=, after=, page_size=}",
  types = { returns = "fun(): Dossier?, string?" },
  value = Groupe.dossiers, api = "query getGroupeInstructeurDossiers (GroupeInstructeurWithDossiers.dossiers)",
  summary = "Iterates the dossiers of this groupe instructeur (same options as demarche:dossiers)." }

function Groupe.__tostring(g)
  return ("<Groupe %s %q · %d instructeurs>"):format(shown(g.number), shown(g.label), type(g.instructeurs) == "table" and #g.instructeurs or 0)
end

---------------------------------------------------------------------------
-- Acting on a dossier

-- The démarche of a dossier (cached: labels and groupes change rarely).
local function demarche_of(d)
  local number = d.demarche and d.demarche.number
  return demarche_cache[number] or ds.demarche(number)
end

-- The instructeur id mutations run as: opts.as, ds.config{instructeur=},
-- DS_INSTRUCTEUR; the person must belong to the dossier's groupe.
local function instructeur_id(d, email, fname)
  if email ~= nil and type(email) ~= "string" then
    raise_usage(("bad argument #1 to '%s' (option 'as' must be an email, got %s)"):format(fname, type(email)), 3)
  end
  email = email or core.config().instructeur
  local groupe = d.groupeInstructeur or {}
  local members = {}
  for _, i in ipairs(groupe.instructeurs or {}) do members[#members + 1] = i.email end
  if email == nil then
    raise_usage(("'%s' acts as an instructeur: pass as = \"email\", call ds.config{instructeur = \"email\"} or set DS_INSTRUCTEUR (instructeurs of groupe « %s »: %s)")
      :format(fname, groupe.label or "?", table.concat(members, ", ")), 3)
  end
  for _, i in ipairs(groupe.instructeurs or {}) do
    if i.email:lower() == email:lower() then return i.id end
  end
  guichet.raise("auth", ("%s cannot act on dossier %d: not an instructeur of its groupe « %s » (instructeurs: %s)")
    :format(email, d.number, groupe.label or "?", #members > 0 and table.concat(members, ", ") or "none"), 3)
end

-- Runs a mutation that returns the dossier, and refreshes `d` with it.
local function mutate(d, operation, input)
  input.dossierId = d.id
  local data, dry = request(operation, { input = input })
  if dry then return d end
  local payload = data and data[operation]
  if payload and payload.dossier then refresh(d, wrap_dossier(payload.dossier)) end
  return d, payload
end

local state_options = set("notify", "as")
local decision_options = set("motivation", "pj", "notify", "as")

local function state_change(operation, fname, decision)
  return function(d, opts)
    if getmetatable(d) ~= Dossier then raise_usage(("calling '%s' on bad self (Dossier expected)"):format(fname), 2) end
    opts = options(fname, 1, opts, decision and decision_options or state_options)
    local input = { instructeurId = instructeur_id(d, opts.as, fname) }
    if opts.notify == false then input.disableNotification = true end
    if decision then
      if opts.motivation ~= nil then check_string(fname, 1, opts.motivation, "option 'motivation' to be a string") end
      if decision == "required" and (opts.motivation == nil or opts.motivation == "") then
        raise_usage(("'%s' needs a motivation: d:%s{motivation = \"…\"}"):format(fname, fname), 2)
      end
      input.motivation = opts.motivation
      if opts.pj ~= nil then
        check_file(fname, opts.pj)
        input.justificatif = core.upload(opts.pj, d.id)
      end
    end
    return mutate(d, operation, input)
  end
end

local function doc_state(name, operation, summary, extra)
  local opts = { { "notify", "false: do not email the usager (disableNotification)" },
    { "as", "email of the instructeur acting (default ds.config / DS_INSTRUCTEUR)" } }
  for _, o in ipairs(extra or {}) do table.insert(opts, 1, o) end
  help.fn { name = "Dossier:" .. name, signature = "dossier:" .. name .. (extra and "{motivation=, pj=, notify=, as=}" or "{notify=, as=}"),
    summary = summary, options = opts, api = "mutation " .. operation, value = Dossier[name] }
end

local decision_docs = { { "motivation", "the reason, shown to the usager" }, { "pj", "path of a justificatif to attach (uploaded first)" } }

Dossier.passer_en_instruction = state_change("dossierPasserEnInstruction", "passer_en_instruction")
doc_state("passer_en_instruction", "dossierPasserEnInstruction", "Moves an en_construction dossier to en_instruction.")
Dossier.accept = state_change("dossierAccepter", "accept", "optional")
doc_state("accept", "dossierAccepter", "Accepts a dossier en_instruction (a second accept fails: « Le dossier est déjà accepté »).", decision_docs)
Dossier.refuse = state_change("dossierRefuser", "refuse", "required")
doc_state("refuse", "dossierRefuser", "Refuses a dossier en_instruction; motivation is required.", decision_docs)
Dossier.classer_sans_suite = state_change("dossierClasserSansSuite", "classer_sans_suite", "required")
doc_state("classer_sans_suite", "dossierClasserSansSuite", "Closes a dossier without follow-up; motivation is required.", decision_docs)
Dossier.repasser_en_construction = state_change("dossierRepasserEnConstruction", "repasser_en_construction")
doc_state("repasser_en_construction", "dossierRepasserEnConstruction", "Sends a dossier en_instruction back to en_construction.")
Dossier.repasser_en_instruction = state_change("dossierRepasserEnInstruction", "repasser_en_instruction")
doc_state("repasser_en_instruction", "dossierRepasserEnInstruction", "Reopens a decided dossier (accepte, refuse, sans_suite).")

local function simple(operation, fname, extra_input)
  return function(d, opts)
    check_self(d, Dossier, fname)
    opts = options(fname, 1, opts, set("as"))
    local input = { instructeurId = instructeur_id(d, opts.as, fname) }
    for k, v in pairs(extra_input or {}) do input[k] = v end
    return mutate(d, operation, input)
  end
end

Dossier.archive = simple("dossierArchiver", "archive")
help.fn { name = "Dossier:archive", signature = "dossier:archive{as=}", value = Dossier.archive, api = "mutation dossierArchiver",
  summary = "Archives a decided dossier." }
Dossier.unarchive = simple("dossierDesarchiver", "unarchive")
help.fn { name = "Dossier:unarchive", signature = "dossier:unarchive{as=}", value = Dossier.unarchive, api = "mutation dossierDesarchiver",
  summary = "Takes a dossier out of the archive." }
Dossier.follow = simple("dossierBasculeSuivi", "follow", { follow = true })
help.fn { name = "Dossier:follow", signature = "dossier:follow{as=}", value = Dossier.follow, api = "mutation dossierBasculeSuivi",
  summary = "Follows the dossier (it shows in the instructeur's list)." }
Dossier.unfollow = simple("dossierBasculeSuivi", "unfollow", { follow = false })
help.fn { name = "Dossier:unfollow", signature = "dossier:unfollow{as=}", value = Dossier.unfollow, api = "mutation dossierBasculeSuivi",
  summary = "Stops following the dossier." }

local corrections = set("incorrect", "incomplete", "outdated")

function Dossier:send_message(opts)
  check_self(self, Dossier, "send_message")
  opts = options("send_message", 1, opts, set("body", "pj", "correction", "as"))
  check_string("send_message", 1, opts.body, "option 'body' (the message text)")
  if opts.correction ~= nil and not corrections[opts.correction] then
    raise_usage("bad argument #1 to 'send_message' (correction must be incorrect, incomplete or outdated)", 2)
  end
  local input = { instructeurId = instructeur_id(self, opts.as, "send_message"), body = opts.body, correction = opts.correction }
  if opts.pj ~= nil then
    check_file("send_message", opts.pj, core.message_limit)
    input.attachment = core.upload(opts.pj, self.id, core.message_limit)
  end
  input.dossierId = self.id
  local data, dry = request("dossierEnvoyerMessage", { input = input })
  if dry then return nil end
  local message = data.dossierEnvoyerMessage.message
  if opts.correction then
    self:reload()  -- a correction request sends the dossier back en_construction
    return self.messages[#self.messages] or message
  end
  for _, f in ipairs(message.attachments or {}) do wrap_file(f, self.number) end
  self.messages = self.messages or {}
  self.messages[#self.messages + 1] = message
  return message
end
help.fn { name = "Dossier:send_message", signature = "dossier:send_message{body=, pj=, correction=, as=} -> message",
  value = Dossier.send_message, api = "mutation dossierEnvoyerMessage",
  summary = "Sends a message to the usager, optionally with an attachment (≤ 20 MB) or as a correction request.",
  options = { { "body", "the text (required)" }, { "pj", "path of a file to attach" },
    { "correction", "incorrect, incomplete or outdated: asks the usager to correct the dossier" }, { "as", "instructeur email" } },
  example = 'd:send_message{body = "Merci de joindre le devis signé.", pj = "modele.pdf"}' }

local function label_id(d, key, fname)
  if type(key) ~= "string" then raise_usage(("bad argument #1 to '%s' (label name or id expected, got %s)"):format(fname, type(key)), 3) end
  local label = demarche_of(d):label(key)
  if not label then
    local names = {}
    for _, l in ipairs(demarche_of(d).labels or {}) do names[#names + 1] = l.name end
    raise_usage(("'%s': no label %q in démarche %d (labels: %s)"):format(fname, key, d.demarche.number, table.concat(names, ", ")), 3)
  end
  return label.id
end

function Dossier:add_label(key)
  check_self(self, Dossier, "add_label")
  return mutate(self, "dossierAjouterLabel", { labelId = label_id(self, key, "add_label") })
end
help.fn { name = "Dossier:add_label", signature = "dossier:add_label(name_or_id)", value = Dossier.add_label,
  api = "mutation dossierAjouterLabel", summary = "Adds one of the démarche's labels (runs as the token's administrateur)." }

function Dossier:remove_label(key)
  check_self(self, Dossier, "remove_label")
  return mutate(self, "dossierSupprimerLabel", { labelId = label_id(self, key, "remove_label") })
end
help.fn { name = "Dossier:remove_label", signature = "dossier:remove_label(name_or_id)", value = Dossier.remove_label,
  api = "mutation dossierSupprimerLabel", summary = "Removes a label from the dossier." }

function Dossier:change_groupe(key)
  check_self(self, Dossier, "change_groupe")
  local groupe_id
  if math.type(key) == "integer" then
    groupe_id = core.relay_id("GroupeInstructeur", key)
  elseif type(key) == "string" then
    local g = demarche_of(self):groupe(key)
    if not g then raise_usage(("'change_groupe': no groupe %q in démarche %d"):format(key, self.demarche.number), 2) end
    groupe_id = g.id
  else
    raise_usage("bad argument #1 to 'change_groupe' (groupe number or label expected, got " .. type(key) .. ")", 2)
  end
  return mutate(self, "dossierChangerGroupeInstructeur", { groupeInstructeurId = groupe_id })
end
help.fn { name = "Dossier:change_groupe", signature = "dossier:change_groupe(number_or_label)", value = Dossier.change_groupe,
  api = "mutation dossierChangerGroupeInstructeur", summary = "Moves the dossier to another groupe instructeur of its démarche." }

-- AnnotationValueInput key and Lua type check, by annotation champ type.
local annotation_inputs = {
  TextChamp = { "text", "string" }, CheckboxChamp = { "checkbox", "boolean" }, YesNoChamp = { "yesNo", "boolean" },
  IntegerNumberChamp = { "integerNumber", "integer" }, DecimalNumberChamp = { "decimalNumber", "number" },
  DateChamp = { "date", "string" }, DatetimeChamp = { "datetime", "string" }, DropDownListChamp = { "dropDownList", "string" },
  MultipleDropDownListChamp = { "multipleDropDownList", "table" },
}

function Dossier:annotate(values)
  check_self(self, Dossier, "annotate")
  if type(values) ~= "table" then raise_usage("bad argument #1 to 'annotate' (table expected, got " .. type(values) .. ")", 2) end
  local as = rawget(values, "as")
  local annotations = {}
  for label, value in next, values do  -- raw: a proxy's __pairs is not run
    if label ~= "as" then
      local champ = self.annotations and self.annotations[label]
      if not champ then
        local names = {}
        for _, a in ipairs(self.annotations or {}) do names[#names + 1] = a.label end
        raise_usage(("'annotate': no annotation %q (annotations: %s)"):format(describe(label), table.concat(names, ", ")), 2)
      end
      local input = annotation_inputs[champ.__typename]
      if not input then raise_usage(("'annotate': annotation %q (%s) cannot be set through the API"):format(label, champ.__typename), 2) end
      local kind = input[2]
      local ok = (kind == "integer" and math.type(value) == "integer") or (kind == "number" and type(value) == "number")
        or type(value) == kind
      if not ok then
        raise_usage(("'annotate': annotation %q takes a %s, got %s"):format(label, kind, type(value)), 2)
      end
      annotations[#annotations + 1] = { id = champ.id, value = { [input[1]] = value } }
    end
  end
  local data, dry = request("dossierModifierAnnotations",
    { input = { dossierId = self.id, instructeurId = instructeur_id(self, as, "annotate"), annotations = annotations } })
  if dry then return self end
  for _, saved in ipairs(data.dossierModifierAnnotations.annotations or {}) do
    wrap_champ(saved, self.number)
    for i, a in ipairs(self.annotations) do
      if a.id == saved.id then self.annotations[i] = saved end
    end
  end
  return self
end
help.fn { name = "Dossier:annotate", signature = 'dossier:annotate{["Annotation"] = value, ..., as=}', value = Dossier.annotate,
  api = "mutation dossierModifierAnnotations",
  summary = "Sets private annotations by label; the value type follows the annotation (text, boolean, number, date string, list).",
  example = 'd:annotate{["Avis de l’instructeur"] = "Favorable", ["Visite effectuée"] = true}' }

function Dossier:reload()
  check_self(self, Dossier, "reload")
  return refresh(self, ds.dossier(self.number))
end
help.fn { name = "Dossier:reload", signature = "dossier:reload()", value = Dossier.reload, api = "query getDossier",
  summary = "Fetches the dossier again (fresh state, fresh file URLs)." }

---------------------------------------------------------------------------
-- Files

-- A fresh copy of a file whose URL expired (URLs last one hour).
local function fresh_file(file)
  local number = file_owner[file]
  if not number then return nil end
  local d = wrap_dossier(request("getDossierFiles", { number = number }).dossier)
  for _, f in ipairs(collect_files(d)) do
    if f.checksum == file.checksum and f.filename == file.filename then return f end
  end
  return nil
end

-- Downloads one file: to `path` when the user gave one (used as given),
-- else into `folder` under `name` or the server's name, which the Swift
-- half makes safe. An expired URL is renewed once.
local function fetch(file, path, folder, name)
  local status, written = core.download(file, path, folder, name)
  if status == "expired" then
    local fresh = fresh_file(file)
    if not fresh then guichet.raise("not_found", file.filename .. ": its URL expired and the file is no longer on the dossier", 3) end
    file.url = fresh.url
    status, written = core.download(file, path, folder, name)
    if status == "expired" then guichet.raise("http", file.filename .. ": the storage refused even a fresh URL", 3) end
  end
  return written, status
end

function File:download(path)
  check_self(self, File, "download")
  if path ~= nil then check_string("download", 1, path, "path") end
  if path == "" then raise_usage("bad argument #1 to 'download' (path is empty)", 2) end
  return fetch(self, path, path == nil and "." or nil)
end
help.fn { name = "File:download", signature = "file:download([path]) -> path, status", value = File.download,
  summary = "Writes the file atomically after checking its MD5; skips a file already there with the same checksum\n"
    .. "(status \"skipped\"); fetches a fresh URL when this one expired. Without path: into the current folder under\n"
    .. "the server's file name made safe (see Dossier:download); a path you give is used as given, and a folder\n"
    .. "(existing, or a path ending in /) receives the file under that safe name." }

function File.__tostring(f)
  return ("<File %s · %s · %s bytes>"):format(f.filename, f.contentType or "?", tostring(f.size or "?"))
end

function Dossier:download(opts)
  check_self(self, Dossier, "download")
  opts = options("download", 1, opts, set("dir"))
  if opts.dir ~= nil then check_string("download", 1, opts.dir, "option 'dir' to be a folder, a string") end
  local folder = (opts.dir or ".") .. "/" .. self.number
  -- The server's names are made safe first (core.safe_name: last component,
  -- no control characters, no leading dot, at most 255 bytes). Files that
  -- then share a name are told apart by their checksum, so that a name
  -- always means the same content from one run to the next; whatever still
  -- clashes gets " (2)", " (3)"... Nothing ever overwrites another file of
  -- the same dossier.
  local safe, uses = {}, {}
  for i, file in ipairs(self.files or {}) do
    safe[i] = core.safe_name(file.filename)
    uses[safe[i]] = (uses[safe[i]] or 0) + 1
  end
  local results, taken, seen, last = {}, {}, {}, {}
  for i, file in ipairs(self.files or {}) do
    local key = file.filename .. "\0" .. file.checksum
    if not seen[key] then  -- else the same file listed twice
      seen[key] = true
      local name = safe[i]
      if uses[name] > 1 then name = core.safe_name(file.filename, "-" .. file.checksum:gsub("[^%w]", ""):sub(1, 8)) end
      if taken[name] then  -- numbers go on from the last one used: no quadratic search
        local n = last[file.filename] or 1
        repeat
          n = n + 1
          name = core.safe_name(file.filename, " (" .. n .. ")")
        until not taken[name]
        last[file.filename] = n
      end
      taken[name] = true
      local path, status = fetch(file, nil, folder, name)
      results[#results + 1] = { path = path, status = status, origin = file.origin }
    end
  end
  return results
end
help.fn { name = "Dossier:download", signature = "dossier:download{dir=} -> {{path=, status=, origin=}, ...}", value = Dossier.download,
  summary = "Downloads every file of the dossier (champs, annotations, messages, attestation) into dir/<number>/.\n"
    .. "A name the server gives is never a path: only its last part is kept, control characters become _, a leading\n"
    .. "dot becomes _ (.bashrc -> _bashrc), . and .. become file, and it is cut to 255 bytes keeping the extension.\n"
    .. "Files sharing a name get -<checksum> (then \" (2)\"...) before the extension; none overwrites another.\n"
    .. "Nothing is written outside the folder, nor through a symbolic link. Files follow your umask." }

function Dossier.__tostring(d)
  local who = field(d.demandeur, "prenom") and (shown(field(d.demandeur, "prenom")) .. " " .. shown(field(d.demandeur, "nom") or ""))
    or shown(field(d.usager, "email"))
  return ("<Dossier %s %s · %s · groupe %q>"):format(shown(d.number), shown(d.state), who, shown(field(d.groupeInstructeur, "label")))
end

help.type { name = "Dossier", module = "ds", summary = "a dossier from ds.dossier(n) or an iterator; fields read naturally",
  types = { state = "string", archived = "boolean", files = "File[]" },
  fields = { { "number, state, archived", "its number and state (en_construction, en_instruction, accepte, refuse, sans_suite)" },
    { "usager.email, demandeur", "who filed it" }, { "champs[\"Label\"] / [id]", "a champ, with .value of its natural type" },
    { "annotations[\"Label\"]", "private annotations" }, { "messages, labels", "lists" },
    { "files", "every file (champs, annotations, messages, attestation)" }, { "groupeInstructeur", "groupe with instructeurs" } } }
help.type { name = "Demarche", module = "ds", summary = "a démarche from ds.demarche(n)",
  types = { title = "string", state = "string", groupes = "Groupe[]" },
  fields = { { "number, title, state", "" }, { "groupes", "groupes instructeurs with their instructeurs" },
    { "labels", "labels {id, name, color}" }, { "champ_descriptors, annotation_descriptors", "the form's fields" } } }
help.type { name = "Groupe", module = "ds", summary = "a groupe instructeur", fields = { { "number, label, instructeurs", "" } } }
help.type { name = "File", module = "ds", summary = "a file of a dossier",
  fields = { { "filename, contentType, size", "" }, { "checksum", "base64 MD5" }, { "url", "pre-signed, expires after one hour" } } }

-- What --sandbox adds to the `sandbox` module for démarches-simplifiées.
help.fn { name = "sandbox.ds_token", signature = "sandbox.ds_token", summary = "The sandbox's administrateur token (the one --sandbox uses)." }
help.fn { name = "sandbox.ds_tokens", signature = "sandbox.ds_tokens",
  summary = "The sandbox's other tokens, by name: admin, read_only, scoped, expired, other_network (pinned to another network)." }
help.fn { name = "sandbox.demarche", signature = "sandbox.demarche", summary = "The number of the sandbox's main démarche." }
help.fn { name = "sandbox.expire_token", signature = "sandbox.expire_token([token])",
  summary = "The next DS request with this token (the current one by default) gets a 401, as an expired token." }
help.fn { name = "sandbox.expire_urls", signature = "sandbox.expire_urls()", summary = "Every file URL handed out so far stops working (403), as after an hour." }
help.fn { name = "sandbox.hostile", signature = "sandbox.hostile([rules])", types = { rules = "table[]?" },
  summary = "DS answers are rewritten as a hostile server would, by rules {field=, value= | values={...} | remove=true, operation=}:\n"
    .. "every field `field` gets the value (or one of values, in turn) or is removed, for every operation or the one named;\n"
    .. "sandbox.hostile() stops.",
  example = 'sandbox.hostile{{field = "filename", value = "../../etc/passwd"}}' }
help.fn { name = "sandbox.rate_limit", signature = "sandbox.rate_limit(per_minute)", types = { per_minute = "integer" },
  summary = "DS answers 429 past this many requests per minute per token." }

return ds
