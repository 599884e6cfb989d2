-- rdv: RDV-Solidarités (and every RDV Service Public instance: same code,
-- same API) from Lua, as the agent `guichet login rdv` signed in.
--
--   local org = rdv.organisation(101)
--   for r in org:rdvs{starts_after = "2025-01-06", starts_before = "2025-01-13"} do print(r) end
--   local u = rdv.create_user{organisation_ids = {101}, first_name = "Jeanne", last_name = "Martin"}
--
-- RDV keeps one live session per agent (each sign-in ends the previous
-- one): guichet signs in only when the store holds no valid session, shares
-- it between its processes, and signs in again once when the server
-- refuses it (re-reading the store first: another process may have done it).

local core = require "guichet.rdv_core"
local help = require "guichet.help"
local args = require "guichet.args"
local raise_usage, set, options, describe = args.raise, args.set, args.options, args.describe
local check_self, check_id, class = args.check_self, args.id, args.class

local rdv = {}

help.module { name = "rdv", value = rdv,
  summary = "RDV-Solidarités (agents API v1): organisations, rdvs, users, absences, motifs, webhooks; one shared agent session" }

local Organisation, Rdv, User = class "Organisation", class "Rdv", class "User"
local Absence, Agent, Motif, Webhook = class "Absence", class "Agent", class "Motif", class "Webhook"

-- An object of an answer: a JSON object with an integer id, anything else is
-- a malformed answer (never an error inside this module later). A
-- webhook's secret is never kept in the object (so never printed with it).
local function wrap(class, value)
  if class == nil then return value end
  if type(value) ~= "table" then args.malformed(class.__name, value, "an object") end
  if math.type(rawget(value, "id")) ~= "integer" then args.malformed(class.__name .. ".id", rawget(value, "id"), "an integer") end
  if class == Webhook then rawset(value, "secret", nil) end
  return setmetatable(value, class)
end

-- The id of an object or an id itself (rdv.assign_referent(agent, user) takes both).
local function id_of(fname, position, value, what)
  if type(value) == "table" then
    local id = rawget(value, "id")
    if id == nil then
      raise_usage(("bad argument #%d to '%s' (%s without an id)"):format(position, fname, what), 3)
    end
    return check_id(fname, position, id, what, 2)
  end
  return check_id(fname, position, value, what, 2)
end

-- Lists stay lists in JSON even when empty.
local function as_list(value)
  if type(value) == "table" and next(value) == nil then return json.array() end
  return value
end

-- Dates: "YYYY-MM-DD" or a date-time; RDV reads naive values in Paris time.
local function check_date(fname, name, value)
  if value ~= nil and (type(value) ~= "string" or not value:match("^%d%d%d%d%-%d%d%-%d%d")) then
    raise_usage(("bad argument #1 to '%s' (%s must be a date \"2025-01-06\" or a date-time \"2025-01-06T09:00:00+01:00\", got %s)")
      :format(fname, name, type(value) == "string" and ("%q"):format(value) or type(value)), 3)
  end
end

local function check_boolean(fname, name, value)
  if value ~= nil and type(value) ~= "boolean" then
    raise_usage(("bad argument #1 to '%s' (%s must be true or false, got %s)"):format(fname, name, type(value)), 3)
  end
end

-- The member `key` of an answer, which must be a JSON object holding a
-- table there (`optional`: or nothing); anything else is a malformed answer.
local function member(answer, key, operation, optional)
  local value = type(answer) == "table" and answer[key] or nil
  if type(answer) ~= "table" then args.malformed("the answer to " .. operation, answer, "an object") end
  if type(value) ~= "table" and not (optional and value == nil) then
    args.malformed(operation .. ": " .. key, value, "an object or a list")
  end
  return value
end

-- Iterates every object of a paginated list, page after page, following
-- meta.next_page (100 per page). Pages are fetched as the loop needs them.
local function pages(path, root, class, query)
  local page, items, index, done = 1, nil, 0, false
  return function()
    while true do
      if items and index < #items then
        index = index + 1
        return wrap(class, items[index])
      end
      if done then return nil end
      local q = {}
      for k, v in pairs(query or {}) do q[k] = v end
      q.page = page
      local answer = core.request("GET", path, q)
      items, index = member(answer, root, "GET " .. path), 0
      local meta = member(answer, "meta", "GET " .. path, true) or {}
      local following = meta.next_page
      if math.type(following) == "integer" and following > page then
        page = following
      else
        done = true
      end
    end
  end
end

-- A mutation's answer: the object under its root, wrapped; (nil, "dry_run") passes through.
local function mutate(class, root, method, path, query, body)
  local answer, dry = core.request(method, path, query, body)
  if dry then return nil, dry end
  if answer == nil then return true end
  return wrap(class, member(answer, root, method .. " " .. path))
end

-- Replaces self's fields with the server's (an update's answer).
local function refresh(self, fresh)
  if type(fresh) ~= "table" then return self end
  for key in pairs(self) do self[key] = nil end
  for key, value in pairs(fresh) do self[key] = value end
  return self
end

-- Fields a body may carry, checked before sending.
local function body_of(fname, fields, changes, position)
  if type(changes) ~= "table" then
    raise_usage(("bad argument #%d to '%s' (table expected, got %s)"):format(position or 1, fname, type(changes)), 3)
  end
  local body = {}
  for key, value in next, changes do
    if not fields[key] then
      raise_usage(("bad argument #%d to '%s' (%s)"):format(position or 1, fname, args.unknown("field", key, fields)), 3)
    end
    body[key] = value
  end
  return body
end

-------------------------------------------------------------------- the agent

function rdv.me()
  local answer = core.request("GET", "/api/v1/auth/validate_token")
  return wrap(Agent, member(answer, "data", "GET /api/v1/auth/validate_token"))
end
help.fn { name = "rdv.me", signature = "rdv.me() -> Agent", value = rdv.me, api = "GET /api/v1/auth/validate_token",
  summary = "The signed-in agent (id, email, first_name, last_name)." }

function rdv.agents(opts)
  opts = options("agents", 1, opts, set("organisation_id"))
  if opts.organisation_id ~= nil then opts.organisation_id = check_id("agents", 1, opts.organisation_id) end
  return pages("/api/v1/agents", "agents", Agent, opts)
end
help.fn { name = "rdv.agents", signature = "rdv.agents{organisation_id=} -> iterator of Agent", value = rdv.agents,
  api = "GET /api/v1/agents", types = { returns = "fun(): Agent?" },
  summary = "The agents the signed-in agent can see, optionally of one organisation.",
  options = { { "organisation_id", "an organisation's id" } }, example = "for a in rdv.agents() do print(a) end" }

-------------------------------------------------------------------- organisations

function rdv.organisations(opts)
  opts = options("organisations", 1, opts, set("departement_number", "city_code", "street_ban_id"))
  return pages("/api/v1/organisations", "organisations", Organisation, opts)
end
help.fn { name = "rdv.organisations", signature = "rdv.organisations{departement_number=, city_code=, street_ban_id=} -> iterator of Organisation",
  value = rdv.organisations, api = "GET /api/v1/organisations", types = { returns = "fun(): Organisation?" },
  summary = "The organisations of the agent; city_code or street_ban_id filter by the address's sector.",
  options = { { "departement_number", "\"75\"" }, { "city_code", "an INSEE code" }, { "street_ban_id", "a BAN street id" } },
  example = "for o in rdv.organisations() do print(o.id, o.name) end" }

function rdv.organisation(id)
  id = check_id("organisation", 1, id)
  local answer = core.request("GET", "/api/v1/organisations/" .. id)
  return wrap(Organisation, member(answer, "organisation", "GET /api/v1/organisations/:id"))
end
help.fn { name = "rdv.organisation", signature = "rdv.organisation(id) -> Organisation", value = rdv.organisation,
  types = { id = "integer" }, api = "GET /api/v1/organisations/:id",
  summary = "One organisation; its methods list its rdvs, users, motifs, agents and webhooks." }

local organisation_fields = set("name", "phone_number", "email", "verticale")

function Organisation:update(changes)
  check_self(self, Organisation, "update")
  local body = body_of("update", organisation_fields, changes)
  local fresh, dry = mutate(nil, "organisation", "PATCH", "/api/v1/organisations/" .. self.id, nil, body)
  if dry then return nil, dry end
  return refresh(self, fresh)
end
help.fn { name = "Organisation:update", signature = "organisation:update{name=, phone_number=, email=, verticale=} -> organisation",
  value = Organisation.update, api = "PATCH /api/v1/organisations/:id",
  summary = "Changes the organisation (admins only: others get kind \"forbidden\")." }

function Organisation:rdvs(opts)
  check_self(self, Organisation, "rdvs")
  opts = options("rdvs", 1, opts, set("starts_after", "starts_before"))
  check_date("rdvs", "starts_after", opts.starts_after)
  check_date("rdvs", "starts_before", opts.starts_before)
  return pages("/api/v1/organisations/" .. self.id .. "/rdvs", "rdvs", Rdv, opts)
end
help.fn { name = "Organisation:rdvs", signature = "organisation:rdvs{starts_after=, starts_before=} -> iterator of Rdv",
  value = Organisation.rdvs, api = "GET /api/v1/organisations/:id/rdvs", types = { returns = "fun(): Rdv?" },
  summary = "The organisation's RDVs, optionally starting within dates. Dates (\"2025-01-06\") or date-times;\n"
    .. "RDV reads a value without a time zone in Paris time.",
  options = { { "starts_after", "date or date-time" }, { "starts_before", "date or date-time" } },
  example = 'for r in org:rdvs{starts_after = "2025-01-01", starts_before = "2025-02-01"} do print(r) end' }

function Organisation:users()
  check_self(self, Organisation, "users")
  return pages("/api/v1/organisations/" .. self.id .. "/users", "users", User)
end
help.fn { name = "Organisation:users", signature = "organisation:users() -> iterator of User", value = Organisation.users,
  api = "GET /api/v1/organisations/:id/users", types = { returns = "fun(): User?" }, summary = "The organisation's users." }

function Organisation:user(id)
  check_self(self, Organisation, "user")
  id = check_id("user", 1, id)
  local answer = core.request("GET", "/api/v1/organisations/" .. self.id .. "/users/" .. id)
  return wrap(User, member(answer, "user", "GET /api/v1/users/:id"))
end
help.fn { name = "Organisation:user", signature = "organisation:user(id) -> User", value = Organisation.user, types = { id = "integer" },
  api = "GET /api/v1/organisations/:id/users/:user_id", summary = "One user of the organisation." }

function Organisation:motifs(opts)
  check_self(self, Organisation, "motifs")
  opts = options("motifs", 1, opts, set("active", "bookable_publicly", "service_id", "motif_category_short_name"))
  check_boolean("motifs", "active", opts.active)
  check_boolean("motifs", "bookable_publicly", opts.bookable_publicly)
  return pages("/api/v1/organisations/" .. self.id .. "/motifs", "motifs", Motif, opts)
end
help.fn { name = "Organisation:motifs", signature = "organisation:motifs{active=, bookable_publicly=, service_id=, motif_category_short_name=} -> iterator of Motif",
  value = Organisation.motifs, api = "GET /api/v1/organisations/:id/motifs", types = { returns = "fun(): Motif?" },
  summary = "The organisation's motifs.",
  options = { { "active", "true or false" }, { "bookable_publicly", "true or false" }, { "service_id", "a service's id" },
    { "motif_category_short_name", "\"rsa_orientation\"" } } }

function Organisation:agents()
  check_self(self, Organisation, "agents")
  return pages("/api/v1/agents", "agents", Agent, { organisation_id = self.id })
end
help.fn { name = "Organisation:agents", signature = "organisation:agents() -> iterator of Agent", value = Organisation.agents,
  api = "GET /api/v1/agents?organisation_id=", types = { returns = "fun(): Agent?" }, summary = "The organisation's agents." }

function Organisation:webhooks(opts)
  check_self(self, Organisation, "webhooks")
  opts = options("webhooks", 1, opts, set("target_url"))
  return pages("/api/v1/organisations/" .. self.id .. "/webhook_endpoints", "webhook_endpoints", Webhook, opts)
end
help.fn { name = "Organisation:webhooks", signature = "organisation:webhooks{target_url=} -> iterator of Webhook",
  value = Organisation.webhooks, api = "GET /api/v1/organisations/:id/webhook_endpoints", types = { returns = "fun(): Webhook?" },
  summary = "The organisation's webhook endpoints.", options = { { "target_url", "only the endpoint with this URL" } } }

local webhook_fields = set("target_url", "secret", "subscriptions", "trigger")
local subscriptions = set("rdv", "absence", "plage_ouverture", "user", "user_profile", "organisation", "motif", "lieu", "agent",
  "agent_role", "referent_assignation")

local function webhook_body(fname, changes)
  local body = body_of(fname, webhook_fields, changes)
  if body.subscriptions ~= nil then
    if type(body.subscriptions) ~= "table" then
      raise_usage(("bad argument #1 to '%s' (subscriptions must be a list such as {\"rdv\", \"user\"})"):format(fname), 3)
    end
    for _, s in ipairs(body.subscriptions) do
      if not subscriptions[s] then
        raise_usage(("bad argument #1 to '%s' (subscriptions: %s)"):format(fname, args.unknown("subscription", s, subscriptions)), 3)
      end
    end
    body.subscriptions = as_list(body.subscriptions)
  end
  check_boolean(fname, "trigger", body.trigger)
  return body
end

function Organisation:create_webhook(spec)
  check_self(self, Organisation, "create_webhook")
  local body = webhook_body("create_webhook", spec)
  if type(body.target_url) ~= "string" or type(body.secret) ~= "string" then
    raise_usage("bad argument #1 to 'create_webhook' (target_url and secret are required strings)", 2)
  end
  return mutate(Webhook, "webhook_endpoint", "POST", "/api/v1/organisations/" .. self.id .. "/webhook_endpoints", nil, body)
end
help.fn { name = "Organisation:create_webhook", signature = "organisation:create_webhook{target_url=, secret=, subscriptions=, trigger=} -> Webhook",
  value = Organisation.create_webhook, api = "POST /api/v1/organisations/:id/webhook_endpoints",
  summary = "Registers a webhook endpoint. RDV then sends every subscribed record as a `created` event,\n"
    .. "unless trigger = false. Check deliveries with rdv.verify_webhook.",
  options = { { "target_url", "https URL of the receiver" }, { "secret", "shared secret of the signature" },
    { "subscriptions", "{\"rdv\", \"absence\", \"user\", ...}" }, { "trigger", "false: do not replay existing records" } } }

function Webhook:update(changes)
  check_self(self, Webhook, "update")
  local body = webhook_body("update", changes)
  local fresh, dry = mutate(nil, "webhook_endpoint", "PATCH",
    "/api/v1/organisations/" .. self.organisation_id .. "/webhook_endpoints/" .. self.id, nil, body)
  if dry then return nil, dry end
  return refresh(self, fresh)
end
help.fn { name = "Webhook:update", signature = "webhook:update{target_url=, secret=, subscriptions=, trigger=} -> webhook",
  value = Webhook.update, api = "PATCH /api/v1/organisations/:id/webhook_endpoints/:id",
  summary = "Changes the endpoint (RDV replays the subscribed records unless trigger = false)." }

-------------------------------------------------------------------- absences

function rdv.absences()
  return pages("/api/v1/absences", "absences", Absence)
end
help.fn { name = "rdv.absences", signature = "rdv.absences() -> iterator of Absence", value = rdv.absences,
  api = "GET /api/v1/absences", types = { returns = "fun(): Absence?" },
  summary = "Every absence the agent may see (an admin sees all the agents' of their organisations), by start." }

function rdv.absence(id)
  id = check_id("absence", 1, id)
  local answer = core.request("GET", "/api/v1/absences/" .. id)
  return wrap(Absence, member(answer, "absence", "GET /api/v1/absences/:id"))
end
help.fn { name = "rdv.absence", signature = "rdv.absence(id) -> Absence", value = rdv.absence, types = { id = "integer" },
  api = "GET /api/v1/absences/:id", summary = "One absence; :update{...} and :delete() act on it." }

local absence_fields = set("title", "first_day", "start_time", "end_day", "end_time")
local absence_create_fields = set("agent_id", "agent_email", "title", "first_day", "start_time", "end_day", "end_time")

local function check_absence(fname, body)
  check_date(fname, "first_day", body.first_day)
  check_date(fname, "end_day", body.end_day)
  for _, name in ipairs { "start_time", "end_time" } do
    local v = body[name]
    if v ~= nil and (type(v) ~= "string" or not v:match("^%d%d?:%d%d")) then
      raise_usage(("bad argument #1 to '%s' (%s must be a time \"09:30\", got %s)"):format(fname, name, describe(v)), 3)
    end
  end
end

function rdv.create_absence(spec)
  local body = body_of("create_absence", absence_create_fields, spec)
  if body.agent_id == nil and body.agent_email == nil then
    raise_usage("bad argument #1 to 'create_absence' (agent_id or agent_email is required)", 2)
  end
  if body.agent_id ~= nil then body.agent_id = check_id("create_absence", 1, body.agent_id) end
  check_absence("create_absence", body)
  return mutate(Absence, "absence", "POST", "/api/v1/absences", nil, body)
end
help.fn { name = "rdv.create_absence", signature = "rdv.create_absence{agent_id=, agent_email=, title=, first_day=, start_time=, end_day=, end_time=} -> Absence",
  value = rdv.create_absence, api = "POST /api/v1/absences",
  summary = "Creates an absence of an agent (agent_id or agent_email). Days \"2025-01-06\", times \"09:00\" (Paris time).\n"
    .. "Invalid values come back as kind \"validation\" with the field errors in err.details.",
  example = 'rdv.create_absence{agent_email = "agent@example.fr", title = "Formation", first_day = "2025-01-06", start_time = "09:00", end_day = "2025-01-06", end_time = "12:00"}' }

function Absence:update(changes)
  check_self(self, Absence, "update")
  local body = body_of("update", absence_fields, changes)
  check_absence("update", body)
  local fresh, dry = mutate(nil, "absence", "PATCH", "/api/v1/absences/" .. self.id, nil, body)
  if dry then return nil, dry end
  return refresh(self, fresh)
end
help.fn { name = "Absence:update", signature = "absence:update{title=, first_day=, start_time=, end_day=, end_time=} -> absence",
  value = Absence.update, api = "PATCH /api/v1/absences/:id", summary = "Changes the absence." }

function Absence:delete()
  check_self(self, Absence, "delete")
  local answer, dry = core.request("DELETE", "/api/v1/absences/" .. self.id)
  if dry then return nil, dry end
  return true
end
help.fn { name = "Absence:delete", signature = "absence:delete() -> true", value = Absence.delete,
  api = "DELETE /api/v1/absences/:id", summary = "Deletes the absence." }

-------------------------------------------------------------------- users

function rdv.users(opts)
  opts = options("users", 1, opts, set("ids"))
  if opts.ids ~= nil then
    if type(opts.ids) ~= "table" then raise_usage("bad argument #1 to 'users' (ids must be a list of ids)", 2) end
    local ids = {}
    for i, id in ipairs(opts.ids) do ids[i] = id_of("users", 1, id, "user") end
    opts.ids = ids
  end
  return pages("/api/v1/users", "users", User, opts)
end
help.fn { name = "rdv.users", signature = "rdv.users{ids=} -> iterator of User", value = rdv.users,
  api = "GET /api/v1/users", types = { returns = "fun(): User?" },
  summary = "The users of the agent's organisations, or only those of ids.", options = { { "ids", "{1001, 1002}" } } }

function rdv.user(id)
  id = check_id("user", 1, id)
  local answer = core.request("GET", "/api/v1/users/" .. id)
  return wrap(User, member(answer, "user", "GET /api/v1/users/:id"))
end
help.fn { name = "rdv.user", signature = "rdv.user(id) -> User", value = rdv.user, types = { id = "integer" },
  api = "GET /api/v1/users/:id", summary = "One user; :update{...} and :invitation_token() act on them." }

local user_fields = set("organisation_ids", "referent_agent_ids", "first_name", "last_name", "birth_name", "birth_date", "email",
  "address", "phone_number", "responsible_id", "caisse_affiliation", "affiliation_number", "family_situation",
  "number_of_children", "notify_by_sms", "notify_by_email", "logement", "notes")

local function user_body(fname, spec)
  local body = body_of(fname, user_fields, spec)
  for _, name in ipairs { "organisation_ids", "referent_agent_ids" } do
    if body[name] ~= nil then
      if type(body[name]) ~= "table" then raise_usage(("bad argument #1 to '%s' (%s must be a list of ids)"):format(fname, name), 3) end
      local ids = {}
      for i, id in ipairs(body[name]) do ids[i] = id_of(fname, 1, id, name == "organisation_ids" and "organisation" or "agent") end
      body[name] = as_list(ids)
    end
  end
  check_date(fname, "birth_date", body.birth_date)
  return body
end

function rdv.create_user(spec)
  local body = user_body("create_user", spec)
  if body.organisation_ids == nil or #body.organisation_ids == 0 then
    raise_usage("bad argument #1 to 'create_user' (organisation_ids is required: the user's organisations)", 2)
  end
  return mutate(User, "user", "POST", "/api/v1/users", nil, body)
end
help.fn { name = "rdv.create_user", signature = "rdv.create_user{organisation_ids=, first_name=, last_name=, email=, phone_number=, birth_date=, referent_agent_ids=, ...} -> User",
  value = rdv.create_user, api = "POST /api/v1/users",
  summary = "Creates a user (no email is sent to them). A taken email is kind \"validation\" with\n"
    .. "err.details.email[1].error == \"taken\".",
  example = 'rdv.create_user{organisation_ids = {101}, first_name = "Jeanne", last_name = "Martin", referent_agent_ids = {1}}' }

function User:update(changes)
  check_self(self, User, "update")
  local body = user_body("update", changes)
  local fresh, dry = mutate(nil, "user", "PATCH", "/api/v1/users/" .. self.id, nil, body)
  if dry then return nil, dry end
  return refresh(self, fresh)
end
help.fn { name = "User:update", signature = "user:update{first_name=, email=, ...} -> user", value = User.update,
  api = "PATCH /api/v1/users/:id",
  summary = "Changes the user (fields frozen by FranceConnect are silently kept by RDV)." }

function User:invitation_token()
  check_self(self, User, "invitation_token")
  local answer, dry = core.request("POST", "/api/v1/users/" .. self.id .. "/rdv_invitation_token")
  if dry then return nil, dry end
  local token = type(answer) == "table" and answer.invitation_token
  if type(token) ~= "string" then args.malformed("rdv_invitation_token: invitation_token", token or nil, "a string") end
  return token
end
help.fn { name = "User:invitation_token", signature = "user:invitation_token() -> string", value = User.invitation_token,
  api = "POST /api/v1/users/:id/rdv_invitation_token", summary = "A token (8 letters and digits) inviting the user to book." }

function rdv.add_to_organisation(user, organisation)
  local body = { user_id = id_of("add_to_organisation", 1, user, "user"),
    organisation_id = id_of("add_to_organisation", 2, organisation, "organisation") }
  local answer, dry = core.request("POST", "/api/v1/user_profiles", nil, body)
  if dry then return nil, dry end
  return type(answer) == "table" and answer.user_profile or true
end
help.fn { name = "rdv.add_to_organisation", signature = "rdv.add_to_organisation(user, organisation) -> {user=, organisation=}",
  value = rdv.add_to_organisation, api = "POST /api/v1/user_profiles",
  summary = "Adds a user to an organisation (each given as an object or an id)." }

function rdv.remove_from_organisation(user, organisation)
  local query = { user_id = id_of("remove_from_organisation", 1, user, "user"),
    organisation_id = id_of("remove_from_organisation", 2, organisation, "organisation") }
  local _, dry = core.request("DELETE", "/api/v1/user_profiles", query)
  if dry then return nil, dry end
  return true
end
help.fn { name = "rdv.remove_from_organisation", signature = "rdv.remove_from_organisation(user, organisation) -> true",
  value = rdv.remove_from_organisation, api = "DELETE /api/v1/user_profiles",
  summary = "Removes a user from an organisation (refused, kind \"validation\", while they have RDVs to come there)." }

function rdv.assign_referent(agent, user)
  local body = { agent_id = id_of("assign_referent", 1, agent, "agent"), user_id = id_of("assign_referent", 2, user, "user") }
  local answer, dry = core.request("POST", "/api/v1/referent_assignations", nil, body)
  if dry then return nil, dry end
  return type(answer) == "table" and answer.referent_assignation or true
end
help.fn { name = "rdv.assign_referent", signature = "rdv.assign_referent(agent, user) -> {agent=, user=}",
  value = rdv.assign_referent, api = "POST /api/v1/referent_assignations",
  summary = "Makes the agent a referent of the user (each an object or an id)." }

function rdv.unassign_referent(agent, user)
  local query = { agent_id = id_of("unassign_referent", 1, agent, "agent"), user_id = id_of("unassign_referent", 2, user, "user") }
  local _, dry = core.request("DELETE", "/api/v1/referent_assignations", query)
  if dry then return nil, dry end
  return true
end
help.fn { name = "rdv.unassign_referent", signature = "rdv.unassign_referent(agent, user) -> true",
  value = rdv.unassign_referent, api = "DELETE /api/v1/referent_assignations",
  summary = "The agent is no longer a referent of the user." }

-------------------------------------------------------------------- participations

local statuses = { "unknown", "seen", "excused", "revoked", "noshow" }
local status_set = set(table.unpack(statuses))

function rdv.set_participation_status(id, status)
  id = check_id("set_participation_status", 1, id)
  if not status_set[status] then
    raise_usage(("bad argument #2 to 'set_participation_status' (status must be one of %s; got %s)")
      :format(table.concat(statuses, ", "), describe(status)), 2)
  end
  return mutate(Rdv, "rdv", "PATCH", "/api/v1/participations/" .. id, nil, { participation = { status = status } })
end
help.fn { name = "rdv.set_participation_status", signature = "rdv.set_participation_status(id, status) -> Rdv",
  value = rdv.set_participation_status, types = { id = "integer", status = "string" }, api = "PATCH /api/v1/participations/:id",
  summary = "Sets one participant's status: unknown, seen, excused, revoked or noshow (checked here).\n"
    .. "Returns the RDV the participation belongs to." }

-------------------------------------------------------------------- public

function rdv.public_links(opts)
  opts = options("public_links", 1, opts, set("territory"))
  if type(opts.territory) ~= "string" and math.type(opts.territory) ~= "integer" then
    raise_usage("bad argument #1 to 'public_links' (territory is required: a département number such as \"75\")", 2)
  end
  local answer = core.request("GET", "/api/v1/public_links", { territory = tostring(opts.territory) }, nil, true)
  return member(answer, "public_links", "GET /api/v1/public_links")
end
help.fn { name = "rdv.public_links", signature = "rdv.public_links{territory=} -> {{external_id=, public_link=}, ...}",
  value = rdv.public_links, api = "GET /api/v1/public_links",
  summary = "The public booking links of a territory (no session needed; RDV allows 50 calls per minute per address)." }

function rdv.verify_webhook(secret, raw_body, signature)
  if type(secret) ~= "string" then raise_usage("bad argument #1 to 'verify_webhook' (the endpoint's secret expected)", 2) end
  if type(raw_body) ~= "string" then raise_usage("bad argument #2 to 'verify_webhook' (the raw body, a string, expected)", 2) end
  if signature ~= nil and type(signature) ~= "string" then
    raise_usage("bad argument #3 to 'verify_webhook' (the X-Lapin-Signature header, a string, expected)", 2)
  end
  return core.verify_webhook(secret, raw_body, signature)
end
help.fn { name = "rdv.verify_webhook", signature = "rdv.verify_webhook(secret, raw_body, signature) -> boolean",
  value = rdv.verify_webhook,
  summary = "Whether a delivery is RDV's: X-Lapin-Signature is hex(HMAC-SHA256(secret, raw body)), compared\n"
    .. "in constant time. Check the body exactly as received, before decoding it. Deliveries repeat (up to 20 tries)\n"
    .. "and arrive out of order: key them by data.id and meta.timestamp.",
  example = 'if not rdv.verify_webhook(secret, body, headers["x-lapin-signature"]) then return 401 end' }

rdv.participation_statuses = statuses

-------------------------------------------------------------------- objects

local function name_of(person)
  if type(person) ~= "table" then return "?" end
  local function text(value) return type(value) == "string" and value or "" end
  local name = (text(person.first_name) .. " " .. text(person.last_name)):gsub("^%s+", ""):gsub("%s+$", "")
  return name ~= "" and name or tostring(person.email or person.id)
end

-- "2025-01-06T09:00:00.000+01:00" -> "2025-01-06 09:00"
local function short_time(value)
  if type(value) ~= "string" then return "?" end
  local day, time = value:match("^(%d%d%d%d%-%d%d%-%d%d)[T ](%d%d:%d%d)")
  return day and (day .. " " .. time) or value
end

function Rdv.__tostring(r)
  local motif = type(r.motif) == "table" and type(r.motif.name) == "string" and r.motif.name
  return ("<Rdv %s %s · %s%s>"):format(tostring(r.id), short_time(r.starts_at), tostring(r.status),
    motif and (" · motif %q"):format(motif) or "")
end
function User.__tostring(u) return ("<User %s %s>"):format(tostring(u.id), name_of(u)) end
function Agent.__tostring(a) return ("<Agent %s %s>"):format(tostring(a.id), name_of(a)) end
function Organisation.__tostring(o) return ("<Organisation %s %s>"):format(tostring(o.id), tostring(o.name)) end
function Motif.__tostring(m) return ("<Motif %s %q>"):format(tostring(m.id), tostring(m.name)) end
function Webhook.__tostring(w)
  local subs = {}
  for i, name in ipairs(type(w.subscriptions) == "table" and w.subscriptions or {}) do subs[i] = tostring(name) end
  subs = table.concat(subs, ",")
  return ("<Webhook %s %s [%s]>"):format(tostring(w.id), tostring(w.target_url), subs)
end
-- "09:00:00" -> "09:00"
local function hour(value)
  return type(value) == "string" and (value:match("^(%d%d?:%d%d)") or value) or ""
end
function Absence.__tostring(a)
  local who = type(a.agent) == "table" and name_of(a.agent) or "?"
  return ("<Absence %s %q %s %s → %s %s · %s>"):format(tostring(a.id), tostring(a.title), tostring(a.first_day),
    hour(a.start_time), tostring(a.end_day), hour(a.end_time), who)
end
help.type { name = "Rdv", module = "rdv", summary = "an RDV (appointment) of an organisation",
  fields = { { "id, uuid, starts_at, ends_at, duration_in_min", "" }, { "status", "unknown, seen, excused, revoked, noshow" },
    { "motif", "{id, name, ...}" }, { "participations", "{{id, status, user}, ...}" }, { "agents, lieu, organisation", "" } } }
help.type { name = "User", module = "rdv", summary = "a user (usager)",
  fields = { { "id, first_name, last_name, birth_name, birth_date, email, phone_number, address", "" },
    { "user_profiles", "the organisations they belong to" } } }
help.type { name = "Agent", module = "rdv", summary = "an agent", fields = { { "id, email, first_name, last_name", "" } } }
help.type { name = "Organisation", module = "rdv", summary = "an organisation (from rdv.organisation(id) or rdv.organisations())",
  fields = { { "id, name, email, phone_number", "" } } }
help.type { name = "Motif", module = "rdv", summary = "a motif of RDV",
  fields = { { "id, name, location_type, bookable_publicly, service_id, motif_category", "" } } }
help.type { name = "Absence", module = "rdv", summary = "an agent's absence",
  fields = { { "id, title, first_day, start_time, end_day, end_time", "" }, { "agent", "{id, email, first_name, last_name}" } } }
help.type { name = "Webhook", module = "rdv", summary = "a webhook endpoint (its secret is not kept in the object)",
  fields = { { "id, target_url, subscriptions, organisation_id", "" } } }

-- What --sandbox adds to the `sandbox` module for RDV.
help.fn { name = "sandbox.evict_rdv_session", signature = "sandbox.evict_rdv_session([email])",
  summary = "The agent signs in elsewhere: the session guichet holds is dead (the next call signs in again)." }
help.fn { name = "sandbox.rdv_webhook_deliveries",
  signature = "sandbox.rdv_webhook_deliveries() -> {deliveries = {{webhook_id=, target_url=, model=, event=, body=, signature=}, ...}}",
  summary = "What the fake RDV would have sent to the webhook endpoints after each change (body raw, signature as\n"
    .. "X-Lapin-Signature): feed them to rdv.verify_webhook or to a receiver." }
help.fn { name = "sandbox.rdv_stats", signature = "sandbox.rdv_stats() -> {sign_ins=, sign_outs=, failed_sign_ins=}",
  types = { sign_ins = "integer", sign_outs = "integer", failed_sign_ins = "integer" },
  summary = "How many sign-ins and sign-outs the fake RDV served." }

return rdv
