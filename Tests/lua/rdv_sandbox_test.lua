-- The rdv module against the sandbox's RDV-Solidarités (guichet --sandbox).
local t = require "testing"
local test, eq, raises, contains = t.test, t.eq, t.raises, t.contains
local core = require "guichet.rdv_core"
local S = sandbox.rdv

-- What the fake received on the RDV API since the last drain.
local function drain()
  local out = {}
  for _, r in ipairs(sandbox.requests()) do
    if r.path:find("^/api/v1") then out[#out + 1] = r end
  end
  sandbox.clear_requests()
  return out
end
local function count(records, method, pattern)
  local n = 0
  for _, r in ipairs(records) do
    if r.method == method and r.path:find(pattern) then n = n + 1 end
  end
  return n
end
local function all(iterator)
  local list = {}
  for x in iterator do list[#list + 1] = x end
  return list
end

test("the agent, signed in once", function()
  local me = rdv.me()
  eq(me.id, S.agent_id)
  eq(me.email, S.email)
  eq(getmetatable(me).__name, "Agent")
  contains(tostring(me), "<Agent " .. S.agent_id)
  rdv.me()
  eq(sandbox.rdv_stats().sign_ins, 1, "one sign-in for every call")
end)

test("organisations: iterator, one by id, update", function()
  local orgs = all(rdv.organisations())
  assert(#orgs >= 2)
  eq(getmetatable(orgs[1]).__name, "Organisation")
  local org = rdv.organisation(S.organisation)
  eq(org.id, S.organisation)
  contains(tostring(org), "<Organisation " .. S.organisation)
  local renamed = org:update { phone_number = "0102030405" }
  eq(renamed, org, "updated in place")
  eq(rdv.organisation(S.organisation).phone_number, "0102030405")
  raises(function() org:update { nom = "x" } end, "unknown field 'nom'")
  raises(function() rdv.organisations { departement_numbr = "75" } end, "did you mean 'departement_number'?")
  raises(function() rdv.organisation("abc") end, "integer id expected")
end)

test("rdvs of a month follow meta.next_page over several pages", function()
  local org = rdv.organisation(S.organisation)
  drain()
  local rdvs = all(org:rdvs())
  eq(#rdvs, S.rdv_count)
  eq(count(drain(), "GET", "/rdvs$"), math.ceil(S.rdv_count / 100), "one request per page")
  local first = rdvs[1]
  eq(getmetatable(first).__name, "Rdv")
  t.eq(tostring(first):match("^<Rdv %d+ %d%d%d%d%-%d%d%-%d%d %d%d:%d%d · %a+ · motif \".+\">$") ~= nil, true, tostring(first))
  local week = all(org:rdvs { starts_after = S.first_rdv_day, starts_before = "2025-01-13" })
  assert(#week > 0 and #week < #rdvs)
  for _, r in ipairs(week) do assert(r.starts_at >= S.first_rdv_day and r.starts_at < "2025-01-13", r.starts_at) end
  raises(function() org:rdvs { starts_after = "06/01/2025" } end, "starts_after must be a date")
end)

test("iterators inside parallel share the one session", function()
  rdv.me()
  local before = sandbox.rdv_stats().sign_ins
  local counts = parallel.map({ S.organisation, S.other_organisation }, function(id)
    local n = 0
    for _ in rdv.organisation(id):rdvs() do n = n + 1 end
    return n
  end)
  eq(counts[1], S.rdv_count)
  eq(counts[2] > 0, true)
  eq(sandbox.rdv_stats().sign_ins, before, "no sign-in")
  -- Evicted, then several calls at once: still one sign-in.
  sandbox.evict_rdv_session()
  local evicted = sandbox.rdv_stats().sign_ins
  local ids = parallel.map({ 1, 2, 3, 4 }, function() return rdv.me().id end)
  eq(table.concat(ids, ","), "1,1,1,1")
  eq(sandbox.rdv_stats().sign_ins, evicted + 1, "one re-sign-in for four refused calls")
end)

test("users: list, ids, one, create, update, invitation, organisations, referents", function()
  local users = all(rdv.users())
  assert(#users >= S.user_count)
  local some = all(rdv.users { ids = { S.first_user_id, S.first_user_id + 1 } })
  eq(#some, 2)
  local org = rdv.organisation(S.organisation)
  eq(#all(org:users()), S.user_count)
  local one = org:user(S.first_user_id)
  eq(one.id, S.first_user_id)
  eq(rdv.user(S.first_user_id).id, S.first_user_id)
  contains(tostring(one), "<User " .. S.first_user_id)

  local u = rdv.create_user { organisation_ids = { S.organisation }, first_name = "Test", last_name = "Usager",
    email = "test.usager@example.fr", referent_agent_ids = { S.agent_id } }
  eq(getmetatable(u).__name, "User")
  eq(u.first_name, "Test")
  u:update { phone_number = "0612345678" }
  eq(rdv.user(u.id).first_name, "Test")
  local token = u:invitation_token()
  eq(#token, 8)
  eq(rdv.add_to_organisation(u, S.other_organisation) ~= nil, true)
  eq(rdv.remove_from_organisation(u.id, S.other_organisation), true)
  eq(rdv.unassign_referent(S.agent_id, u), true)
  eq(rdv.assign_referent(S.other_agent_id, u) ~= nil, true)

  local err = raises(function()
    rdv.create_user { organisation_ids = { S.organisation }, first_name = "Dup", last_name = "Mail", email = S.taken_email }
  end, "email")
  eq(err.kind, "validation")
  eq(err.status, 422)
  eq(err.details.email[1].error, "taken")
  raises(function() rdv.create_user { first_name = "Sans", last_name = "Orga" } end, "organisation_ids is required")
  raises(function() rdv.create_user { organisation_ids = { S.organisation }, prenom = "x" } end, "unknown field 'prenom'")
end)

test("motifs, agents, webhooks", function()
  local org = rdv.organisation(S.organisation)
  local motifs = all(org:motifs())
  eq(#motifs, S.motif_count)
  contains(tostring(motifs[1]), "<Motif ")
  for m in org:motifs { active = true } do eq(getmetatable(m).__name, "Motif") end
  raises(function() org:motifs { active = "yes" } end, "active must be true or false")
  local agents = all(org:agents())
  assert(#agents >= 2)
  assert(#all(rdv.agents()) >= #agents)
  local hooks = all(org:webhooks())
  assert(#hooks >= 1)
  eq(hooks[1].secret, nil, "the secret is not kept")
  local hook = org:create_webhook { target_url = "https://example.fr/hook", secret = "s3cr3t-webhook", subscriptions = { "rdv", "user" },
    trigger = false }
  eq(getmetatable(hook).__name, "Webhook")
  eq(hook.target_url, "https://example.fr/hook")
  eq(hook.secret, nil)
  hook:update { subscriptions = { "rdv" }, trigger = false }
  eq(#hook.subscriptions, 1)
  eq(#all(org:webhooks { target_url = "https://example.fr/hook" }), 1)
  raises(function() org:create_webhook { target_url = "https://x.fr", secret = "s", subscriptions = { "rendezvous" } } end,
    "unknown subscription 'rendezvous'")
end)

test("absences: list, create, update, delete; validation and not found", function()
  local list = all(rdv.absences())
  eq(#list, S.absence_count)
  local one = rdv.absence(S.first_absence_id)
  eq(getmetatable(one).__name, "Absence")
  local a = rdv.create_absence { agent_email = S.email, title = "Formation test", first_day = "2025-03-03", start_time = "09:00",
    end_day = "2025-03-03", end_time = "12:00" }
  eq(a.title, "Formation test")
  a:update { title = "Formation (modifiée)" }
  eq(rdv.absence(a.id).title, "Formation (modifiée)")
  eq(a:delete(), true)
  local err = raises(function() rdv.absence(a.id) end, "absence not found")
  eq(err.kind, "not_found")
  eq(err.status, 404)
  err = raises(function()
    rdv.create_absence { agent_email = "personne@example.fr", title = "x", first_day = "2025-03-03", end_day = "2025-03-03" }
  end, "agent not found")
  eq(err.kind, "not_found")
  err = raises(function()
    rdv.create_absence { agent_id = S.agent_id, title = "À l'envers", first_day = "2025-03-05", start_time = "09:00",
      end_day = "2025-03-03", end_time = "10:00" }
  end, "doit être après le début")
  eq(err.kind, "validation")
  eq(type(err.details), "table")
  raises(function() rdv.create_absence { title = "x" } end, "agent_id or agent_email is required")
  raises(function() rdv.create_absence { agent_id = 1, first_day = "03/03/2025" } end, "first_day must be a date")
end)

test("participation status: checked here, set there", function()
  raises(function() rdv.set_participation_status(S.participation, "vu") end,
    "status must be one of unknown, seen, excused, revoked, noshow")
  local r = rdv.set_participation_status(S.participation, "noshow")
  eq(getmetatable(r).__name, "Rdv")
  local found
  for _, p in ipairs(r.participations) do if p.id == S.participation then found = p end end
  if found then eq(found.status, "noshow") end
end)

test("public links need no session; a missing parameter is a usage error", function()
  local links = rdv.public_links { territory = S.territory }
  assert(#links >= 1)
  assert(links[1].public_link:find("^https://"))
  raises(function() rdv.public_links {} end, "territory is required")
  local err = raises(function() core.request("GET", "/api/v1/public_links", {}, nil, true) end, "missing parameter territory")
  eq(err.kind, "usage")
  eq(err.status, 400)
end)

test("404 of both shapes", function()
  local err = raises(function() rdv.user(999999) end, "not found")
  eq(err.kind, "not_found")
  contains(err.message, "Couldn't find User")
  err = raises(function() rdv.absence(999999) end, "absence not found")
  eq(err.kind, "not_found")
end)

test("an evicted session: one re-sign-in, the read replayed", function()
  rdv.me()
  local before = sandbox.rdv_stats().sign_ins
  sandbox.evict_rdv_session()
  local evicted = sandbox.rdv_stats().sign_ins
  drain()
  eq(rdv.me().id, S.agent_id)
  eq(sandbox.rdv_stats().sign_ins, evicted + 1, "exactly one sign-in")
  local records = drain()
  eq(count(records, "GET", "validate_token$"), 2, "the read, refused, then replayed")
  eq(count(records, "POST", "sign_in$"), 1)
  assert(evicted >= before)
  rdv.me()
  eq(sandbox.rdv_stats().sign_ins, evicted + 1, "and no more after")
end)

test("a mutation is never replayed once it may have landed", function()
  drain()
  sandbox.fault { kind = "reset", path = "/api/v1/absences" }
  local err = raises(function()
    rdv.create_absence { agent_id = S.agent_id, title = "Une fois", first_day = "2025-03-10", start_time = "09:00",
      end_day = "2025-03-10", end_time = "10:00" }
  end, "read the object back")
  eq(err.may_have_landed, true)
  eq(err.retryable, false)
  eq(count(drain(), "POST", "/api/v1/absences$"), 1, "sent once")
  sandbox.fault { kind = "status", status = 503, path = "/api/v1/absences" }
  err = raises(function()
    rdv.create_absence { agent_id = S.agent_id, title = "Une fois", first_day = "2025-03-11", end_day = "2025-03-11" }
  end, "503")
  eq(err.may_have_landed, true)
  eq(count(drain(), "POST", "/api/v1/absences$"), 1, "a 503 on a mutation is not retried")
end)

test("a sign-in whose answer was cut is sent again: it is no change of the user's, and the read goes on", function()
  sandbox.evict_rdv_session()
  drain()
  local before = sandbox.rdv_stats().sign_ins
  sandbox.fault { kind = "truncate", path = "/api/v1/auth/sign_in" }
  eq(rdv.me().id, S.agent_id)
  eq(count(drain(), "POST", "sign_in$"), 2, "the cut sign-in, then one more")
  eq(sandbox.rdv_stats().sign_ins, before + 2, "the server ran both")
end)

test("reads are retried on 503 and after a 429's Retry-After", function()
  drain()
  sandbox.fault { kind = "status", status = 503, path = "/api/v1/absences" }
  eq(#all(rdv.absences()) >= S.absence_count, true)
  sandbox.fault { kind = "rate_limit", retry_after = 1, path = "/api/v1/absences" }
  eq(#all(rdv.absences()) >= S.absence_count, true)
  eq(count(drain(), "GET", "/api/v1/absences$"), 4)
end)

test("verify_webhook: HMAC-SHA256 hex of the raw body", function()
  local body = '{"data":{"id":1},"meta":{"model":"Rdv","event":"created"}}'
  -- hex(HMAC-SHA256("secret", body)), computed independently (Python's hmac)
  local good = "ae669f91e86c558fdc8a34a04bf8f662355dcb5db46e5adc3f291f1fb5eacc19"
  eq(rdv.verify_webhook("secret", body, good), true)
  eq(rdv.verify_webhook("secret", body, good:upper()), true, "hex of either case")
  eq(rdv.verify_webhook("secret", body .. " ", good), false, "another body")
  eq(rdv.verify_webhook("other", body, good), false, "another secret")
  eq(rdv.verify_webhook("secret", body, good:sub(1, -2) .. "0"), false, "a wrong signature")
  eq(rdv.verify_webhook("secret", body, nil), false, "no signature")
  eq(rdv.verify_webhook("secret", body, "zz"), false, "not even hex")
  raises(function() rdv.verify_webhook(nil, body, good) end, "secret expected")
end)

test("a change made through the API reaches a webhook signed as RDV signs it", function()
  local org = rdv.organisation(S.organisation)
  local hook = org:create_webhook { target_url = "https://example.fr/deliveries", secret = "s3cr3t-webhook",
    subscriptions = { "absence" }, trigger = false }
  local a = rdv.create_absence { agent_id = S.agent_id, title = "Signée", first_day = "2025-03-12", start_time = "09:00",
    end_day = "2025-03-12", end_time = "10:00" }
  local mine = {}
  for _, d in ipairs(sandbox.rdv_webhook_deliveries().deliveries) do
    if d.webhook_id == hook.id then mine[#mine + 1] = d end
  end
  assert(#mine >= 1, "a delivery for the new endpoint")
  local delivery = mine[#mine]
  eq(rdv.verify_webhook("s3cr3t-webhook", delivery.body, delivery.signature), true)
  eq(rdv.verify_webhook("another-secret", delivery.body, delivery.signature), false)
  local decoded = json.decode(delivery.body)
  eq(decoded.meta.model, "Absence")
  eq(decoded.meta.event, "created")
  eq(decoded.data.id, a.id)
end)

test("help covers every function and method", function()
  local missing = {}
  for name, f in pairs(rdv) do
    if type(f) == "function" and help.text(f):find("^no help") then missing[#missing + 1] = "rdv." .. name end
  end
  local org = rdv.organisation(S.organisation)
  local objects = { Organisation = org, Absence = rdv.absence(S.first_absence_id), User = rdv.user(S.first_user_id),
    Webhook = all(org:webhooks())[1] }
  for name, object in pairs(objects) do
    for key, f in pairs(getmetatable(object)) do
      if type(f) == "function" and not key:find("^__") and help.text(f):find("^no help") then missing[#missing + 1] = name .. ":" .. key end
    end
  end
  table.sort(missing)
  eq(table.concat(missing, ","), "")
end)

t.finish()
