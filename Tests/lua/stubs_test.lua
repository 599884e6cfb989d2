-- The editor annotation files (`guichet stubs`): every file is valid Lua,
-- every documented function, method, option and object type of every
-- module appears with its parameters, and the annotations only name types
-- that exist (what lua-language-server would report as undefined). The
-- functions are read from the README's reference (reference.lua), not from
-- the generator, so that the two are checked against each other.
local t = require "testing"
local reference = require "reference"
local stubs = require "guichet.stubs"
local test, eq, contains = t.test, t.eq, t.contains

local files, by_module = stubs.files(), {}
for _, file in ipairs(files) do by_module[file.module] = file.text end
local ref = reference.load("README.md", {})

local function has_line(text, line)
  return ("\n" .. text .. "\n"):find("\n" .. line:gsub("%p", "%%%0") .. "\n") ~= nil
end

-- The parameter names of a signature: a braces argument is "opts" (a
-- list of items, `{mesure, ...}`, is "list").
local function argument_names(signature)
  local head, rest = signature:match("^([%w_.:]+)(.*)$")
  local names = {}
  if rest:sub(1, 1) == "{" then
    names[1] = rest:match("^%b{}"):find("=") and "opts" or "list"
  elseif rest:sub(1, 1) == "(" then
    for name in rest:match("^%b()"):gsub("%b{}", "opts"):gmatch("[%a_][%w_]*") do names[#names + 1] = name end
  end
  return head, names
end

test("one file per module the help registry knows, each valid Lua", function()
  local names = {}
  for name in pairs(help.registry().modules) do names[#names + 1] = name end
  table.sort(names)
  local made = {}
  for _, file in ipairs(files) do
    made[#made + 1] = file.module
    eq(file.name, file.module .. ".lua", "file name")
    local chunk, err = load(file.text, "=" .. file.name, "t")
    assert(chunk, err)
    contains(file.text, "---@meta guichet." .. file.module .. "\n", file.name)
    contains(file.text, "\n---@class " .. file.module .. "\n", file.name)
    contains(file.text, "\n" .. file.module .. " = {}\n", file.name)
  end
  eq(table.concat(made, ","), table.concat(names, ","), "modules")
  assert(by_module.ds and by_module.emjpm, "ds and emjpm have files")
end)

test("every function and method of the reference appears with its parameters", function()
  assert(#ref.functions > 50, "the reference lists the functions")
  for _, f in ipairs(ref.functions) do
    local text = assert(by_module[f.module], "no file for " .. f.module)
    local head, names = argument_names(f.signature)
    if f.type then
      local variable = f.type:gsub("[^%w_]", "_")
      local line = ("function %s:%s(%s) end"):format(variable, f.method, table.concat(names, ", "))
      assert(has_line(text, line), f.name .. ": expected " .. line)
    elseif head == f.module then
      contains(text, "---@overload fun(", f.name .. " (the module is called)")
    elseif f.signature:match("^[%w_.]+$") then
      contains(text, "---@field " .. f.name:match("%.([%w_]+)$") .. " ", f.name .. " (a value)")
    else
      local line = ("function %s(%s) end"):format(f.name, table.concat(names, ", "))
      assert(has_line(text, line), f.name .. ": expected " .. line)
    end
    for _, name in ipairs(names) do
      if name ~= "..." then assert(text:find("---@param " .. name .. "%??%s"), f.name .. ": no @param " .. name) end
    end
  end
end)

test("every option a signature shows or the help documents is a field of its options class", function()
  for name, entry in pairs(help.registry().entries) do
    local module = name:match("^([%w_]+)[.]") or (help.registry().types[name:match("^(.-):") or ""] or {}).module
    local text = module and by_module[module]
    if text then
      local arguments = (entry.signature or ""):gsub("%s*%->.*$", "")   -- not the results' braces
      for option, value in arguments:gmatch("[{,]%s*([%a_][%w_]*)%s*=%s*([^,}]*)") do
        -- `field = value` is a placeholder, not an option named field
        if value:match("^[%a_][%w_]*$") and value ~= "true" and value ~= "false" then goto next_option end
        assert(text:find("\n---@field " .. option .. "%? "), name .. ": no option field " .. option)
        ::next_option::
      end
      for _, option in ipairs(entry.options or {}) do
        assert(text:find("\n---@field " .. option[1] .. "%? [^\n]*" .. option[2]:sub(1, 20):gsub("%p", "%%%0")),
          name .. ": option " .. option[1] .. " without its documentation")
      end
    end
  end
end)

test("every object type is a class with its fields", function()
  local registry = help.registry()
  for _, rt in ipairs(ref.types) do
    local spec = registry.types[rt.name]
    local class = rt.name:find("^" .. rt.module .. "%.") and rt.name or rt.module .. "." .. rt.name
    local text = by_module[rt.module]
    contains(text, "\n---@class " .. class .. "\n", rt.name)
    for _, field in ipairs(spec.fields or {}) do
      local first = field[1]:match("^[%a_][%w_]*")
      contains(text, "\n---@field " .. first .. " ", rt.name .. "." .. first)
    end
  end
  contains(by_module.ds, "---@return ds.Dossier\nfunction ds.dossier(number) end", "ds.dossier returns a Dossier")
  contains(by_module.emjpm, "---@return self mesure\nfunction Mesure:update(opts) end", "mesure:update returns the mesure")
end)

-- A type expression's names: fun, records and arrays taken apart.
local function type_names(expression, into)
  expression = expression:gsub("%b\"\"", ""):gsub("%[%]", ""):gsub("%[string%]", "")
  expression = expression:gsub("[%a_][%w_]*%??%s*:", "")  -- record keys and fun parameter names
  for name in expression:gmatch("[%a_][%w_.]*%*?") do into[#into + 1] = name end
  return into
end

test("annotations name only declared classes, and @param only real parameters", function()
  local declared = {}
  for _, file in ipairs(files) do
    for class in file.text:gmatch("\n%-%-%-@class ([^\n]+)") do declared[class:gsub("^%(exact%) ", "")] = true end
  end
  for _, file in ipairs(files) do
    local pending = {}
    for line in file.text:gmatch("[^\n]+") do
      local used = {}
      local param, optional, ptype = line:match("^%-%-%-@param (%S-)(%??) (.+)$")
      if param then pending[#pending + 1] = param; type_names(ptype, used) end
      local rtype = line:match("^%-%-%-@return (.+)$")
      if rtype then type_names(rtype:gsub("%s+[%a_][%w_]*$", ""), used) end
      local ftype = line:match("^%-%-%-@field %S+ (%S+)")
      if ftype then type_names(ftype, used) end
      local overload = line:match("^%-%-%-@overload (.+)$")
      if overload then type_names(overload, used) end
      for _, name in ipairs(used) do
        assert(declared[name] or stubs.builtin_types[name], file.name .. ": undeclared type " .. name .. " in " .. line)
      end
      local params = line:match("^function [%w_.:]+%((.*)%) end$")
        or line:match('^[%w_.]+%["%a+"%] = function%((.*)%) end$')   -- a key that is a Lua keyword
      if params then
        local real = {}
        for name in params:gmatch("[^, ]+") do real[name] = true end
        for _, name in ipairs(pending) do assert(real[name], file.name .. ": @param " .. name .. " not in " .. line) end
        pending = {}
      end
      assert(not line:find("^local ") or line:match("^local [%w_]+ = {}$"), file.name .. ": " .. line)
      assert(optional == nil or optional == "" or optional == "?")
    end
    eq(#pending, 0, file.name .. ": @param lines without a function")
  end
end)

test("a module registered later (a new service) gets its file, typed from its help", function()
  help.module { name = "later", summary = "a service registered after this test's start" }
  help.fn { name = "later.rdv", signature = "later.rdv(id) -> Rdv", summary = "One rendez-vous.", types = { id = "integer" } }
  help.fn { name = "later.rdvs", signature = "later.rdvs{status=, after=}", summary = "Iterates rendez-vous.",
    options = { { "status", "unknown, seen or excused" } }, types = { returns = "fun(): Rdv?" } }
  help.type { name = "Rdv", module = "later", summary = "a rendez-vous", fields = { { "id, starts_at", "" } } }
  help.fn { name = "Rdv:cancel", signature = "rdv:cancel{reason=} -> rdv", summary = "Cancels it." }
  local text
  for _, file in ipairs(stubs.files()) do if file.module == "later" then text = file.text end end
  assert(text, "no file for a module registered later")
  contains(text, "---@param id integer\n---@return later.Rdv\nfunction later.rdv(id) end")
  contains(text, "---@field status? any unknown, seen or excused")
  contains(text, "---@return fun(): later.Rdv?\nfunction later.rdvs(opts) end")
  contains(text, "---@class later.Rdv\n---@field id any\n---@field starts_at any\nlocal Rdv = {}")
  contains(text, "---@param opts? later.Rdv.cancel.options\n---@return self rdv\nfunction Rdv:cancel(opts) end")
end)

test("signatures are read as help writes them", function()
  local function shown(signature)
    local parsed = stubs.parse(signature)
    local params = {}
    for _, p in ipairs(parsed.params) do params[#params + 1] = p.name .. (p.optional and "?" or "") end
    return parsed.head .. "(" .. table.concat(params, ", ") .. ")" .. (parsed.callable and "" or " value")
      .. (#parsed.results > 0 and " -> " .. table.concat(parsed.results, " | ") or "")
  end
  eq(shown("ds.query(document [, variables [, operation_name]]) -> data"), "ds.query(document, variables?, operation_name?) -> data")
  eq(shown("parallel.map(list, fn [, {concurrency = 8}]) -> results"), "parallel.map(list, fn, opts?) -> results")
  eq(shown("file:download([path]) -> path, status"), "file:download(path?) -> path | status")
  eq(shown("ds.config{endpoint=, token=} -> settings"), "ds.config(opts?) -> settings")
  eq(shown("emjpm.create_mesures{mesure, ...} -> {Mesure, ...}"), "emjpm.create_mesures(list) -> {Mesure, ...}")
  eq(shown('dossier:annotate{["Annotation"] = value, ..., as=}'), "dossier:annotate(opts?)")
  eq(shown("dossier:download{dir=} -> {{path=, status=, origin=}, ...}"), "dossier:download(opts?) -> {{path=, status=, origin=}, ...}")
  eq(shown("json.null"), "json.null() value")
  eq(shown("pp(value [, {depth=, width=}])"), "pp(value, opts?)")
end)

test("whatever a script registers, every file is still made and parses", function()
  help.module { name = "junk", summary = {} }
  help.fn { name = "junk.a", signature = 42, options = { "x", { 1, 2 } }, types = "bad", summary = print }
  help.fn { name = "junk.b", signature = "junk.b(((", types = { x = 1, returns = {} } }
  help.fn { name = "junk.b", signature = "junk.b(y) -> z" }
  help.fn { name = "junk.end", signature = "junk.end(x)" }
  help.type { name = "J", module = "junk", fields = { { "a" }, 3, { {}, "x" } },
    types = setmetatable({}, { __pairs = function() error("run") end, __index = function() error("run") end }) }
  help.fn { name = "J:m", signature = "j:m{a=, [1] = 2, ...} -> j" }
  local text
  for _, file in ipairs(stubs.files()) do
    assert(load(file.text, "=" .. file.name, "t"))
    if file.module == "junk" then text = file.text end
  end
  contains(text, "---@param y any\n---@return any z\nfunction junk.b(y) end", "registered twice: the last one, once")
  contains(text, 'junk["end"] = function(x) end')
  contains(text, "---@return self j\nfunction J:m(opts) end")
end)

test("help() shows none of the types metadata", function()
  local text = help.text("csv.reader")
  assert(not text:find("fun%(") and not text:find("types"), text)
end)

t.finish()
