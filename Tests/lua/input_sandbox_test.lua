-- Careless and hostile input to every documented function gives a clear
-- error blamed on the caller, never an error inside guichet's stdlib; and
-- every module, function and type of the README's reference answers help.
-- The lists come from the README itself (see reference.lua).

local t = require "testing"
local reference = require "reference"

local SCRIPT = "Tests/lua/input_sandbox_test.lua"
ds.config { dry_run = true }  -- mutations below are printed, never applied
local objects = reference.objects()
local ref = reference.load("README.md", objects)

-- Calls f from a line of this file (not a tail call: the error is blamed here).
local function call(f, ...)
  local args = table.pack(...)
  return pcall(function()
    local result = f(table.unpack(args, 1, args.n))
    return result
  end)
end

local function expect_clean(label, ok, err)
  if ok then return end
  local clean, why = reference.clean_error(err, SCRIPT)
  if not clean then error(label .. ": " .. why, 2) end
end

t.test("the reference lists every module and type", function()
  local names = {}
  for _, m in ipairs(ref.modules) do names[#names + 1] = m.name end
  local expected = { "csv", "guichet", "help", "json", "parallel", "pp", "sandbox" }
  for _, service in ipairs(guichet.services) do expected[#expected + 1] = service end
  table.sort(expected)
  t.eq(table.concat(names, ","), table.concat(expected, ","), "modules")
  t.eq(#ref.types >= 6, true, "types")
  t.eq(#ref.functions > 60, true, "functions")
end)

t.test("help(value) and help(\"name\") answer for every module of the reference", function()
  for _, m in ipairs(ref.modules) do
    t.eq(help.text(m.value):sub(1, #m.name + 1), m.name .. ":", "help(" .. m.name .. ")")
    t.eq(help.text(m.name):sub(1, #m.name + 1), m.name .. ":", "help(\"" .. m.name .. "\")")
  end
end)

t.test("help(value) and help(\"name\") answer for every function of the reference", function()
  for _, f in ipairs(ref.functions) do
    local by_name = help.text(f.name)
    if by_name:find("^no help") then error("help(\"" .. f.name .. "\") has no help") end
    local kind = type(f.value)
    if kind == "function" or kind == "userdata" or (kind == "table" and f.name:find("[.:]")) then
      t.eq(help.text(f.value):match("^[^\n]*"), f.signature, "help(" .. f.name .. ")")
    elseif kind == "table" then
      t.eq(help.text(f.value):sub(1, #f.name + 1), f.name .. ":", "help(" .. f.name .. ")")
    end
  end
end)

t.test("help(object) and help(\"Type\") answer for every type of the reference", function()
  for _, ty in ipairs(ref.types) do
    local text = "\n" .. help.text(ty.name)
    t.eq(text:find("\n" .. ty.name .. ":", 1, true) ~= nil, true, "help(\"" .. ty.name .. "\")")
    t.eq(ty.object ~= nil, true, "a live " .. ty.name)
    t.eq(help.text(ty.object):sub(1, #ty.name + 1), ty.name .. ":", "help(<" .. ty.name .. ">)")
  end
end)

t.test("every function of every module and every method of every type has help, so the walks above see it", function()
  local missing = {}
  local function check(label, value)
    if help.text(value):find("^no help") then missing[#missing + 1] = label end
  end
  for _, m in ipairs(ref.modules) do
    for key, value in next, m.value do
      if type(value) == "function" and type(key) == "string" and not key:find("^_") then check(m.name .. "." .. key, value) end
    end
  end
  for name, object in pairs(objects) do
    for key, value in next, getmetatable(object) do
      if type(value) == "function" and not key:find("^__") then check(name .. ":" .. key, value) end
    end
  end
  table.sort(missing)
  t.eq(table.concat(missing, ", "), "", "undocumented")
end)

-- Arguments a function needs before its options table.
local required = {
  ["csv.writer"] = { { write = function() return true end } }, ["csv.write"] = { { write = function() return true end }, {} },
  ["csv.format_row"] = { { "a" } }, ["csv.reader"] = { "a,b\n" }, ["json.encode"] = { {} },
  ["parallel.map"] = { {}, print }, ["parallel.each"] = { {}, print }, pp = { "x" }, ["pp.format"] = { 1 },
  ["pp.summary"] = { 1 }, ["guichet.error"] = { "usage", "m" },
}
local function exists(path) local f = io.open(path .. "/.") if f then f:close() return true end return false end
local had_dossier_folder = exists(tostring(objects.Dossier.number))
-- Downloads given a raising value after their path write into a scratch folder.
local scratch = os.tmpname()
os.remove(scratch)
required["File:download"] = { scratch .. "/" }
required["Dossier:download"] = { { dir = scratch } }
-- pp prints: send what it prints nowhere while the walks run.
local real_stdout = io.stdout
local function quiet(fn)
  return function()
    io.stdout = { write = function(self) return self end }
    local ok, err = pcall(fn)
    io.stdout = real_stdout
    if not ok then error(err, 0) end
  end
end

-- Downloads without a table write into the current folder: remove them
-- (and the dossier's folder, once empty) so the walk leaves nothing behind.
local function remove_downloaded(result)
  local paths = type(result) == "string" and { result } or {}
  if type(result) == "table" then
    for _, entry in ipairs(result) do paths[#paths + 1] = entry.path end
  end
  for _, path in ipairs(paths) do
    os.remove(path)
    local folder = path:match("^(.*)/[^/]+$")
    if folder and folder ~= "." then os.remove(folder) end
  end
end

t.test("every options table shown in braces may be left out", quiet(function()
  local count = 0
  for _, f in ipairs(ref.functions) do
    if f.takes_options and type(f.value) == "function" or (f.takes_options and f.name == "pp") then
      count = count + 1
      local ok, err
      if f.self then
        ok, err = call(f.value, f.self)
      else
        ok, err = call(f.value, table.unpack(required[f.name] or {}))
      end
      expect_clean(f.signature .. " without its table", ok, err)
      if ok and f.name:match("download$") then remove_downloaded(err) end
    end
  end
  t.eq(count > 30, true, "functions with an options table: " .. count)
end))

t.test("demarche:dossiers() and groupe:dossiers() iterate without a table", function()
  local n = 0
  for _ in objects.Demarche:dossiers() do n = n + 1 end
  t.eq(n > 0, true, "dossiers of the démarche")
  local page = objects.Demarche:pages()()
  t.eq(type(page.nodes), "table", "pages()")
  t.eq(type(objects.Groupe:dossiers()), "function", "groupe:dossiers()")
  t.eq(type(objects.Demarche:deleted_dossiers()), "function", "deleted_dossiers()")
end)

-- A value whose every metamethod raises: guichet must not run them where
-- it reads options or lists, and must never let them surface as an error
-- inside the stdlib.
local touched = {}
local current = "?"
local function evil_metatable()
  local mt = {}
  for _, event in ipairs { "__index", "__newindex", "__tostring", "__pairs", "__len", "__eq", "__lt", "__le",
    "__concat", "__call", "__close", "__unm", "__add" } do
    mt[event] = function() touched[event] = current; error("evil " .. event) end
  end
  return mt
end
-- Fresh values for each call: json.array(t), for one, marks t with a metatable of its own.
local function evil() return setmetatable({}, evil_metatable()) end
local function evil_key() return { [evil()] = 1 } end

-- What must not receive evil values: deletions (they would apply) and
-- the REPL-only or printing helpers.
-- The sandbox's controls that act when called with no argument would
-- change the fakes (a token expired, the log emptied) under the tests after.
local skip = { ["Mesure:delete"] = true, ["emjpm.delete_all_mesures"] = true, ["guichet.sleep"] = false,
  ["sandbox.expire_token"] = true, ["sandbox.expire_urls"] = true, ["sandbox.clear_requests"] = true,
  ["sandbox.expire_emjpm_session"] = true, ["sandbox.hostile"] = true, ["sandbox.fault"] = true }

t.test("values with raising metamethods give an error blamed on the caller", quiet(function()
  for _, f in ipairs(ref.functions) do
    if type(f.value) == "function" or f.name == "pp" then
      if not skip[f.name] then
        for position = 1, 3 do
          for _, make in ipairs { evil, evil_key } do
            local bad = make()
            current = f.name
            local args = {}
            for i = 1, position - 1 do args[i] = (required[f.name] or {})[i] end
            args[position] = bad
            local ok, err
            if f.self then
              ok, err = call(f.value, f.self, table.unpack(args, 1, position))
            else
              ok, err = call(f.value, table.unpack(args, 1, position))
            end
            expect_clean(("%s with a raising value as argument #%d"):format(f.name, position), ok, err)
          end
        end
      end
    end
  end
  -- (json and guichet, written in Swift, name a bad value through a
  -- protected tostring: a raising __tostring cannot escape from there)
  for _, event in ipairs { "__tostring", "__pairs", "__len" } do
    local by = touched[event]
    if by and not by:find("^json%.") and not by:find("^guichet%.") then
      error(event .. " of a caller's value was run by " .. by)
    end
  end
end))

t.test("csv.reader on a file not open for reading, with a table that cannot be printed", function()
  local err = t.raises(function()
    local r = csv.reader(io.stdout, setmetatable({}, { __tostring = function() error("no") end }))
    return r
  end, "csv: cannot read the file")
  expect_clean("csv.reader(io.stdout)", false, err)
  t.contains(tostring(err), SCRIPT .. ":", "blamed on this line")
end)

t.test("ds.query: several operations need operation_name; an unknown one is a usage error", function()
  local document = "query A { demarche(number: 1001) { number } }\r\nquery B { demarche(number: 1001) { title } }"
  t.raises(function() local x = ds.query(document) return x end, "several operations (A, B)")
  t.raises(function() local x = ds.query(document, nil, "C") return x end, "no operation named 'C'")
  t.eq(ds.query(document, nil, "A").demarche.number, 1001, "operation A")
  t.raises(function() local x = ds.query(document, nil, 3) return x end, "bad argument #3 to 'query'")
end)

t.test("sandbox.fault with an unknown kind is a usage error listing the kinds; nothing is queued", function()
  local ok, err = pcall(sandbox.fault, { kind = "nope" })
  t.eq(ok, false, "refused")
  t.eq(err.kind, "usage", "kind")
  t.contains(err.message, "unknown fault kind 'nope'; kinds are status, rate_limit", "message")
  t.eq(ds.demarche(1001).number, 1001, "no fault was queued")
end)

os.execute("rm -rf '" .. scratch .. "'")
-- dossier:download{} with a table holding no dir writes ./<number>/ (as documented).
if not had_dossier_folder then os.execute("rm -rf './" .. objects.Dossier.number .. "'") end
t.finish()
