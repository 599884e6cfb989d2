-- Calls every public function of guichet's Lua modules, and every method of
-- the objects they return, with random arguments (every Lua type, extreme
-- numbers, long and non-UTF-8 strings, tables with raising metamethods,
-- coroutines, userdata). Run by Tests/fuzz/functions_driver.py as
--   guichet --sandbox --dry-run Tests/fuzz/functions.lua <seed> <calls> <report>
-- in a scratch folder (files the functions write land there).
--
-- A call may fail, but only with a clear error: one that is not a raw Lua
-- runtime error ("attempt to index ...") and whose position is not inside
-- guichet's stdlib (chunks named "=stdlib/<name>.lua", shown "stdlib/<name>.lua:").
-- Before each call the report gets "call <i> <target>", so that when the
-- process dies or hangs the driver can say which call it was; at the end it
-- gets "done <calls>" and one "internal ..." line per bad error.

local seed, total, report_path = tonumber(arg[1]) or 1, tonumber(arg[2]) or 1000, arg[3] or "/dev/null"
math.randomseed(seed)
local R = math.random
local report = assert(io.open(report_path, "w"))
report:setvbuf("line")

local MARK = "FUZZ-RAISED"  -- errors raised by the fuzzer's own values

---------------------------------------------------------------------------
-- Sandbox values, so that some calls get past argument checks

local function try(f, ...) local ok, v = pcall(f, ...) if ok then return v end end

local demarche = try(ds.demarche, sandbox.demarche)
local dossiers = {}
if demarche then
  local ok = pcall(function()
    for d in demarche:dossiers() do
      dossiers[#dossiers + 1] = d
      if #dossiers >= 5 then break end
    end
  end)
  if not ok then dossiers = {} end
end
local dossier = dossiers[1]
local file
for _, d in ipairs(dossiers) do if d.files and d.files[1] then file = d.files[1] break end end
local groupe = demarche and demarche.groupes and demarche.groupes[1]
local mesures = try(emjpm.mesures) or {}
local mesure = mesures[1]
local known_numbers, known_strings = { sandbox.demarche or 1001 }, {}
for _, d in ipairs(dossiers) do known_numbers[#known_numbers + 1] = d.number end
if groupe then known_numbers[#known_numbers + 1] = groupe.number end
if mesure then
  known_numbers[#known_numbers + 1] = mesure.id
  known_strings[#known_strings + 1] = mesure.numero_rg
end
if dossier then
  for _, l in ipairs(dossier.labels or {}) do known_strings[#known_strings + 1] = l.name end
  for _, i in ipairs(dossier.instructeurs or {}) do known_strings[#known_strings + 1] = i.email end
end
local ds_settings = try(ds.config, {})

---------------------------------------------------------------------------
-- Random values

local function raiser(what)
  return function() error(MARK .. " from " .. what, 2) end
end

local hostile_mt = { __name = "fuzz.hostile" }
for _, event in ipairs { "__index", "__newindex", "__len", "__tostring", "__eq", "__lt", "__le", "__concat",
  "__call", "__pairs", "__add", "__sub", "__unm", "__mod", "__div", "__idiv", "__band", "__shl", "__close" } do
  hostile_mt[event] = raiser(event)
end
local liar_mt = {  -- metamethods that answer, but with nonsense
  __index = function(_, k) return k end, __len = function() return -1 end,
  __tostring = function() return {} end, __pairs = function() return function() return nil end end,
  __name = 42,
}

local NUMBERS = { 0, 1, -1, 2, 3, 7, 8, 100, 255, 256, 1000, 1001, 100001, 999999, 2 ^ 31, 2 ^ 53, 2 ^ 63, -2 ^ 63,
  math.maxinteger, math.mininteger, math.maxinteger - 1, math.mininteger + 1, 1e308, -1e308, 1e-308, 5e-324,
  math.huge, -math.huge, 0 / 0, -(0 / 0), 0.5, -0.5, -0.0, 1.5, 0.001, 86400, 86401, 2e10, math.pi, 65535, 0x7fffffff }
local STRINGS = { "", "a", "x", "0", "1", "-1", "1e3", "0x10", " 12 ", "nan", "inf", "true", "nil", "null",
  "\0", "a\0b", "\xff\xfe", "\xc3\x28", "\xed\xa0\x80", "été", "😀", "\u{10FFFF}", "%s%d%n", "%", "\\", "\"", "'",
  "\r\n", "\n", "\t", ";", ",", "../x", "../../escaped.txt", "./out.csv", "dir/file.csv", "nonexistent/dir/x.csv",
  "/dev/null", ".", "..", ".bashrc", "out.csv", "x.json", "en_construction", "en_instruction", "accepte", "refuse",
  "sans_suite", "2024-01-01", "2024-13-45", "2024-01-01T00:00:00Z", "camille.martin@sandbox.gouv.fr", "a@b",
  "18/A/3245", "018A3245", "query { demarche(number: 1001) { id } }", "mutation { dossierArchiver(input: {}) { errors { message } } }",
  "# c\r\nmutation M { x }", "{", "}", "[]", "{}", "[1,2]", "{\"a\":1}", "query", "mutation", "ds", "json", "csv",
  "ds.dossier", "help", "pp", "Dossier", "Demarche", "Mesure", "guichet", "usage", "network", "internal", "sep",
  "columns", "bom", "concurrency", "depth", "width", "color", "state", "after", "since", "dir", "path", "token",
  "endpoint", "instructeur", "dry_run", "confirm", "pj", "body", "motivation", "id", "number" }
for _, s in ipairs(known_strings) do STRINGS[#STRINGS + 1] = s end
for _, n in ipairs(known_numbers) do NUMBERS[#NUMBERS + 1] = n end
local KEYS = { "concurrency", "depth", "max_items", "max_string", "width", "color", "metatables", "sep", "bom",
  "columns", "header", "headers", "dir", "path", "state", "states", "since", "updated_since", "created_since",
  "after", "first", "page_size", "order", "archived", "revision", "confirm", "force_awaiting", "motivation", "pj",
  "body", "dry_run", "endpoint", "token", "instructeur", "pretty", "sort_keys", "name", "value", "summary",
  "signature", "fields", "options", "example", "methods", "kind", "message", "status", "retryable", "details",
  "numero_rg", "civilite", "annee_naissance", "date_nomination", "tribunal_siret", "ressources", "etats",
  "id", "number", "text", "checked", "label", "title", "filename", "overwrite", "progress", "limit", "1", 1, 2 }

local gen

local function random_string()
  local k = R(10)
  if k <= 6 then return STRINGS[R(#STRINGS)] end
  if k == 7 then return string.rep(STRINGS[R(#STRINGS)], R(1, 5000)) end
  if k == 8 then
    local b = {}
    for i = 1, R(0, 40) do
      local c = R(0, 255)
      if c == 47 then c = 95 end  -- no "/": random bytes never name a path outside the scratch folder
      b[i] = string.char(c)
    end
    return table.concat(b)
  end
  if k == 9 then return string.rep("x", R(60000, 300000)) end
  return tostring(R(-1000, 100000))
end

local function random_number()
  local k = R(4)
  if k <= 2 then return NUMBERS[R(#NUMBERS)] end
  if k == 3 then return R(-10, 200000) end
  return (R() - 0.5) * 10 ^ R(-10, 20)
end

local function random_function()
  local k = R(8)
  if k == 1 then return function() end end
  if k == 2 then return raiser("a callback") end
  if k == 3 then return function(...) return ... end end
  if k == 4 then return function() return gen(2) end end
  if k == 5 then return function() error({ MARK }) end end
  if k == 6 then return function() guichet.sleep(0.001) return 1 end end
  if k == 7 then return print end
  return function(x) return tostring(x) end
end

local function random_table(depth)
  local k = R(12)
  if k == 1 then return {} end
  if k == 2 then return setmetatable({}, hostile_mt) end
  if k == 3 then return setmetatable({ gen(depth + 1) }, liar_mt) end
  if k == 4 then local t = {} t[1] = t t.self = t return t end  -- a cycle
  if k == 5 then return { [1] = 1, [3] = 3, [1e9] = 1, [-1] = 0, [0.5] = "half" } end
  if k == 6 then return json.array() end
  if k == 7 then return setmetatable({}, { __metatable = false, __index = hostile_mt.__index }) end
  local t = {}
  if R(2) == 1 then
    for i = 1, R(0, 5) do t[i] = gen(depth + 1) end
  end
  for _ = 1, R(0, 4) do
    local key = R(3) == 1 and gen(depth + 1) or KEYS[R(#KEYS)]
    if key ~= nil and key == key then t[key] = gen(depth + 1) end
  end
  if R(8) == 1 then setmetatable(t, R(2) == 1 and hostile_mt or liar_mt) end
  return t
end

local dead = coroutine.create(function() end)
coroutine.resume(dead)
local closed_file = io.open("/dev/null") closed_file:close()
local OTHERS = { io.stdout, io.stderr, closed_file, json.null, dead, coroutine.running(),
  coroutine.create(function() coroutine.yield() end), print, string, _G, package.loaded }

function gen(depth)
  depth = depth or 0
  local k = R(depth >= 3 and 7 or 10)
  if k == 1 then return nil end
  if k == 2 then return R(2) == 1 end
  if k <= 4 then return random_number() end
  if k <= 6 then return random_string() end
  if k == 7 then return OTHERS[R(#OTHERS)] end
  if k == 8 then return random_function() end
  return random_table(depth)
end

---------------------------------------------------------------------------
-- Targets

local targets = {}
local function add(name, fn, self) targets[#targets + 1] = { name = name, fn = fn, self = self } end

local function methods_of(prefix, object)
  local seen = {}
  local function collect(t)
    if type(t) ~= "table" or seen[t] then return end
    seen[t] = true
    for k, v in pairs(t) do
      -- metamethods are Lua's to call (tostring, <close>...), with the right object
      if type(v) == "function" and not tostring(k):find("^__") then add(prefix .. ":" .. tostring(k), v, object) end
    end
  end
  local mt = getmetatable(object)
  if type(mt) == "table" then collect(mt) collect(rawget(mt, "__index")) end
end

for _, name in ipairs { "ds", "emjpm", "apidae", "rdv", "json", "csv", "pp", "parallel", "help", "guichet" } do
  local module = _G[name]
  for k, v in pairs(module) do
    if type(v) == "function" then add(name .. "." .. k, v) end
  end
  local mt = getmetatable(module)
  if type(mt) == "table" and mt.__call then add(name .. "()", function(...) return module(...) end) end
end
if demarche then methods_of("Demarche", demarche) end
if dossier then
  methods_of("Dossier", dossier)
  if dossier.champs then methods_of("Champs", dossier.champs) end
end
if groupe then methods_of("Groupe", groupe) end
if file then methods_of("File", file) end
if mesure then methods_of("Mesure", mesure) end
for k, v in pairs(apidae.referentiel) do
  if type(v) == "function" then add("apidae.referentiel." .. k, v) end
end
local recherche = try(apidae.recherche, { selectionIds = { 64001 }, count = 5 })
if recherche then methods_of("Recherche", recherche) end
local rdv_org = try(rdv.organisation, sandbox.rdv.organisation)
if rdv_org then
  methods_of("Organisation", rdv_org)
  local hook = try(function() return rdv_org:webhooks()() end)
  if hook then methods_of("Webhook", hook) end
end
local rdv_user = try(rdv.user, sandbox.rdv.first_user_id)
if rdv_user then methods_of("User", rdv_user) end
local rdv_absence = try(rdv.absence, sandbox.rdv.first_absence_id)
if rdv_absence then methods_of("Absence", rdv_absence) end
local writer = try(csv.writer, "fuzz-writer.csv")
if writer then methods_of("csv.writer", writer) end
local reader = try(csv.reader, "a;b\n1;2\n")
if type(reader) == "function" then add("csv.reader()", reader)
elseif reader then methods_of("csv.reader", reader) end
table.sort(targets, function(a, b) return a.name < b.name end)

-- What a call must not be given: values that legitimately block (a long
-- sleep) or undo the sandbox settings are replaced.
local function tame(target, args, n)
  if target.name == "guichet.sleep" then
    local s = tonumber(args[1])  -- "75524" is a number too
    if s and s > 0.01 and s <= 86400 then args[1] = 0.001 end
  end
  if target.name:find("^parallel%.") then
    for i = 1, n do  -- lists stay short
      if type(args[i]) == "table" and rawlen(args[i]) > 8 then args[i] = { 1, 2 } end
    end
  end
end

local function restore()
  -- ds.config and emjpm.config may point guichet elsewhere: put the
  -- sandbox back after each call so that no call leaves loopback.
  if ds_settings then
    pcall(ds.config, { endpoint = ds_settings.endpoint, token = sandbox.ds_token, dry_run = true,
      instructeur = ds_settings.instructeur })
  end
end

---------------------------------------------------------------------------
-- The verdict on an error

local RAW = { "attempt to index", "attempt to call", "attempt to perform arithmetic", "attempt to compare",
  "attempt to concatenate", "attempt to get length", "attempt to unpack", "table index is", "invalid key to 'next'",
  "number has no integer representation", "invalid value %(at index", "stack overflow", "string length overflow",
  "wrong number of arguments", "bad 'for'", "attempt to yield", "cannot resume", "C stack overflow", "not enough memory" }

local function short_name(name)
  name = name:gsub("%(%)$", "")
  return name:match("[%.:]([^%.:]+)$") or name
end

local function text_of(err)
  if type(err) == "string" then return err end
  if type(err) == "table" then
    if err[1] == MARK then return MARK end
    local message, where, kind = rawget(err, "message"), rawget(err, "where"), rawget(err, "kind")
    if type(message) == "string" then return (type(where) == "string" and where or "") .. message, kind end
    return "(error table without a message)"
  end
  return "(error value of type " .. type(err) .. ")"
end

local function verdict(target, err)
  local text, kind = text_of(err)
  if text:find(MARK, 1, true) then return nil end  -- the fuzzer's own value raised it
  local fname = text:match("^[^\n]-bad argument #%d+ to '([^']+)'")
  local own = fname and (fname == short_name(target.name) or fname:match("[%.:]([^%.:]+)$") == short_name(target.name))
  if kind == "internal" and target.name ~= "guichet.raise" and target.name ~= "guichet.error" then
    return "internal error: " .. text
  end
  -- "stdlib/ds.lua:12:" at the start, or after the position coroutine.wrap adds
  if text:find("^[^\n]-stdlib/[%w_]+%.lua:%d+:") or text:find("%[string \"stdlib") then
    return "position inside the stdlib: " .. text
  end
  if own then return nil end  -- a usage error about the call itself
  for _, raw in ipairs(RAW) do
    if text:find(raw) then return "raw runtime error: " .. text end
  end
  if fname then return "bad argument raised inside: " .. text end
  if type(err) == "table" and kind == nil and err[1] ~= MARK then
    return "error value without kind: " .. text
  end
  return nil
end

local function describe(v, deep)
  local t = type(v)
  if t == "string" then
    if #v > 40 then return string.format("string(%d bytes)", #v) end
    return (string.format("%q", v):gsub("\n", "n"))
  end
  if t == "table" then
    local mt = getmetatable(v)
    local text = "table" .. (mt == hostile_mt and "<hostile>" or mt == liar_mt and "<liar>" or mt and "<mt>" or "")
    if deep then  -- one level of contents, to reproduce a finding
      local items = {}
      for k, x in next, v do
        if #items == 8 then items[#items + 1] = "..." break end
        items[#items + 1] = "[" .. describe(k) .. "]=" .. describe(x)
      end
      text = text .. "{" .. table.concat(items, ", ") .. "}"
    end
    return text
  end
  if t == "number" then return string.format(math.type(v) == "integer" and "%d" or "%.17g", v) end
  return t
end

---------------------------------------------------------------------------
-- The run

-- Objects the calls returned (a dry-run mesure, a reloaded dossier...), by
-- metatable: methods are also called on them, whatever state they are in.
local returned = {}
local function keep(value)
  local mt = type(value) == "table" and getmetatable(value)
  if type(mt) ~= "table" or type(rawget(mt, "__name")) ~= "string" then return end
  local list = returned[mt] or {}
  returned[mt] = list
  if #list < 30 then list[#list + 1] = value else list[R(#list)] = value end
end

local internal, made = 0, 0
for i = 1, total do
  local target = targets[R(#targets)]
  local n = R(0, 4)
  local args = {}
  for j = 1, n do args[j] = gen(0) end
  tame(target, args, n)
  local self = target.self
  local pooled = self ~= nil and returned[getmetatable(self)]
  if self ~= nil and R(6) == 1 then self = gen(0) end  -- a method called on something else
  if pooled and R(4) == 1 then self = pooled[R(#pooled)] end
  local shown = {}
  if not rawequal(self, target.self) then shown[1] = "self=" .. describe(self, true) end
  for j = 1, n do shown[#shown + 1] = describe(args[j]) end
  report:write("call ", i, " ", target.name, "(", table.concat(shown, ", "), ")\n")
  local ok, err
  local call = target.fn
  if target.self ~= nil then
    call = function(...) return target.fn(self, ...) end
  end
  local mode = R(6)
  if mode == 1 then  -- inside a coroutine.wrap (host waits pass through guichet's own wrap)
    ok, err = pcall(coroutine.wrap(call), table.unpack(args, 1, n))
  elseif mode == 2 then  -- inside a coroutine.resume
    local co = coroutine.create(call)
    local results = table.pack(coroutine.resume(co, table.unpack(args, 1, n)))
    ok, err = results[1], results[2]
  else
    ok, err = pcall(call, table.unpack(args, 1, n))
  end
  made = made + 1
  if target.name:find("config", 1, true) then restore() end
  if ok then
    keep(err)
    if type(err) == "table" and getmetatable(err) == nil then keep(rawget(err, 1)) end
  end
  if not ok then
    local bad = verdict(target, err)
    if bad then
      internal = internal + 1
      for j = 1, n do shown[#shown - n + j] = describe(args[j], true) end
      report:write("internal ", i, " ", target.name, "(", table.concat(shown, ", "), "): ",
        (bad:gsub("\n", "\\n"):sub(1, 400)), "\n")
    end
  elseif type(err) == "function" and R(2) == 1 then
    -- an iterator (dossiers(), reader ...): one step with random arguments
    local ok2, err2 = pcall(err, gen(0), gen(0))
    if not ok2 then
      local bad = verdict({ name = target.name .. "->iterator" }, err2)
      if bad then
        internal = internal + 1
        report:write("internal ", i, " ", target.name, "->iterator: ", (bad:gsub("\n", "\\n"):sub(1, 400)), "\n")
      end
    end
  end
  if i % 200 == 0 then collectgarbage() end
end
report:write("targets ", #targets, "\n")
report:write("done ", made, " ", internal, "\n")
report:close()
