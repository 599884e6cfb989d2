-- stubs: LuaCATS annotation files for lua-language-server, generated from
-- the help metadata that help() and the README's reference show, so that
-- an editor completes and checks guichet's modules (`guichet stubs DIR`).
--
--   local stubs = require "guichet.stubs"
--   for _, file in ipairs(stubs.files()) do print(file.name, #file.text) end
--
-- One file per module the help registry knows (`ds.lua`, `emjpm.lua`, ...,
-- and any service registered later): `---@meta guichet.<module>`, a class
-- for the module (a global), one for each object type of the module, one
-- for each options table, and every function with its parameters and
-- results, documented with the help text.
--
-- Types come from the signatures as help writes them (`ds.dossier(number)
-- -> Dossier`, `demarche:dossiers{state=, ...}`, `[, opts]` for optional
-- arguments), from the names the signatures use (`conventional_types`
-- below), and from a help entry's `types` where a name alone says too
-- little: `types = {id = "integer", returns = "fun(): Dossier?"}`.

local help = require "guichet.help"

local stubs = {}

-- What a parameter, option, result or field name means wherever the
-- signatures use it. Names not here (nor in an entry's `types`) are `any`:
-- an editor then completes them without claiming a wrong type.
local conventional_types = {
  number = "integer", count = "integer", size = "integer", fd = "integer", level = "integer",
  seconds = "number",
  text = "string", document = "string", s = "string", kind = "string", name = "string", label = "string",
  path = "string", dir = "string", operation_name = "string", version = "string",
  file = "file*", fn = "function", iterator = "function",
  boolean = "boolean", string = "string", integer = "integer", table = "table",
  list = "table", rows = "table", row = "table", fields = "table", variables = "table", t = "table", opts = "table",
}

---------------------------------------------------------------------------
-- Reading signatures

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local closing = { ["("] = ")", ["{"] = "}", ["["] = "]" }

-- The position of the bracket that closes the one at position i.
local function matching(s, i)
  local depth = 0
  for j = i, #s do
    local c = s:sub(j, j)
    if closing[c] then depth = depth + 1
    elseif c == ")" or c == "}" or c == "]" then
      depth = depth - 1
      if depth == 0 then return j end
    end
  end
  return #s
end

-- Splits at the commas outside any bracket.
local function split_top(s)
  local parts, depth, start = {}, 0, 1
  for j = 1, #s do
    local c = s:sub(j, j)
    if closing[c] then depth = depth + 1
    elseif c == ")" or c == "}" or c == "]" then depth = depth - 1
    elseif c == "," and depth == 0 then
      parts[#parts + 1] = trim(s:sub(start, j - 1))
      start = j + 1
    end
  end
  parts[#parts + 1] = trim(s:sub(start))
  local kept = {}
  for _, part in ipairs(parts) do if part ~= "" then kept[#kept + 1] = part end end
  return kept
end

-- The literal an option shows (`concurrency = 8`) tells its type.
local function literal_type(value)
  if value:match("^%-?%d+$") then return "integer" end
  if value:match("^%-?%d*%.%d+$") then return "number" end
  if value == "true" or value == "false" then return "boolean" end
  if value:match('^".*"$') or value:match("^'.*'$") then return "string" end
end

-- `{endpoint=, token=}`, `{concurrency = 8}`, `{mesure, ...}`,
-- `{field = value, ...}`: the options it names, whether other keys are
-- welcome (`...`, a placeholder such as `["Annotation"] = value`), or,
-- for a list, the word naming its items.
local function parse_table(text)
  local shape = { options = {}, open = false }
  for _, item in ipairs(split_top(text:sub(2, -2))) do
    local name, value = item:match("^([%a_][%w_]*)%s*=%s*(.-)$")
    if item == "..." then
      shape.open = true
    elseif name and value == "" then
      shape.options[#shape.options + 1] = { name = name }
    elseif name and literal_type(value) then
      shape.options[#shape.options + 1] = { name = name, type = literal_type(value), literal = value }
    elseif name or item:sub(1, 1) == "[" then
      shape.open = true   -- a placeholder key: `field = value`, `["Label"] = value`
    elseif item:sub(1, 1) == "{" then
      shape.list = parse_table(item)
    elseif item:match("^[%a_][%w_]*$") then
      shape.list = item
    end
  end
  return shape
end

-- The arguments between parentheses: `document [, variables [, operation_name]]`.
-- A `[` outside braces makes every argument after it optional.
local function parse_arguments(text)
  local params, depth, optional, current, current_optional = {}, 0, false, {}, false
  local function finish()
    local piece = trim(table.concat(current))
    if piece == "..." then
      params[#params + 1] = { name = "...", optional = true }
    elseif piece:sub(1, 1) == "{" then
      params[#params + 1] = { name = "opts", optional = current_optional, shape = parse_table(piece) }
    elseif piece:match("^[%a_][%w_]*$") then
      params[#params + 1] = { name = piece, optional = current_optional }
    end
    current = {}
  end
  for j = 1, #text do
    local c = text:sub(j, j)
    if c == "{" or c == "(" then depth = depth + 1 elseif c == "}" or c == ")" then depth = depth - 1 end
    if depth == 0 and c == "[" then
      optional = true
    elseif depth == 0 and c == "," then
      finish()
    elseif depth > 0 or c ~= "]" then   -- a `]` at depth 0 only closes an optional part
      if #current == 0 and c:match("%S") then current_optional = optional end
      if #current > 0 or c:match("%S") then current[#current + 1] = c end
    end
  end
  finish()
  return params
end

--- stubs.parse(signature) -> {head=, receiver=, callable=, params=, results=}
-- `head` is what is called (`ds.config`, `dossier:accept`, `pp`); a
-- signature without arguments (`json.null`) is a value: callable = false.
function stubs.parse(signature)
  local head, rest = signature:match("^([%w_.:]+)(.*)$")
  local parsed = { head = head or signature, params = {}, results = {}, callable = false }
  rest = rest or ""
  local first = rest:sub(1, 1)
  if first == "(" then
    local close = matching(rest, 1)
    parsed.params = parse_arguments(rest:sub(2, close - 1))
    parsed.callable, rest = true, rest:sub(close + 1)
  elseif first == "{" then
    local close = matching(rest, 1)
    local shape = parse_table(rest:sub(1, close))
    -- `{endpoint=, ...}` may be left out; a list (`{mesure, ...}`) is the point of the call.
    parsed.params = { { name = shape.list and "list" or "opts", optional = not shape.list, shape = shape } }
    parsed.callable, rest = true, rest:sub(close + 1)
  end
  local results = rest:match("^%s*%->%s*(.-)%s*$")
  if results then parsed.results = split_top(results) end
  parsed.receiver = parsed.head:match("^([%w_]+):")
  return parsed
end

---------------------------------------------------------------------------
-- Types

local builtin = {
  ["nil"] = true, any = true, boolean = true, string = true, number = true, integer = true, ["function"] = true,
  table = true, thread = true, userdata = true, lightuserdata = true, self = true, ["file*"] = true, fun = true,
  ["true"] = true, ["false"] = true,
}
stubs.builtin_types = builtin

-- The LuaCATS class of a help type: qualified by its module (`ds.Dossier`)
-- unless its name already is (`csv.writer`).
local function class_of(type_spec)
  local module = type_spec.module
  if not module or type_spec.name:sub(1, #module + 1) == module .. "." then return type_spec.name end
  return module .. "." .. type_spec.name
end

local function identifier(name) return (name:gsub("[^%w_]", "_")) end

local reserved = {}
for word in ("and break do else elseif end false for function goto if in local nil not or repeat return then true until while")
    :gmatch("%a+") do reserved[word] = true end

-- What one file is built from: the registry, and the module it is about.
local Context = {}
Context.__index = Context

-- A type expression written with help's type names (`fun(): Dossier?`),
-- with those names made LuaCATS classes (`fun(): ds.Dossier?`).
function Context:qualify(expression)
  return (expression:gsub("[%a_][%w_.]*", function(word)
    local spec = self.registry.types[word]
    return spec and class_of(spec) or word
  end))
end

-- The type of a name used in a signature of `entry`.
function Context:type_of(word, entry, as_result)
  local explicit = entry and entry.types and entry.types[word]
  if explicit then return self:qualify(explicit) end
  if as_result then
    local receiver = entry and entry.parsed.receiver
    if receiver and word == receiver then return "self" end
    local spec = self.registry.types[word] or self.receivers[word]
    if spec then return class_of(spec) end
  end
  if conventional_types[word] then return conventional_types[word] end
  if word:find("_or_") then  -- path_or_file: string|file*
    local union, seen = {}, {}
    for part in (word .. "_or_"):gmatch("(.-)_or_") do
      local t = conventional_types[part]
      if not t then return "any" end
      if not seen[t] then seen[t], union[#union + 1] = true, t end
    end
    return table.concat(union, "|")
  end
  return "any"
end

-- A result: a word (`Dossier`, `text`), a list (`{Mesure, ...}`) or a
-- record (`{in_flight=, started=}`).
function Context:result_type(text, entry)
  if text:sub(1, 1) ~= "{" then return self:type_of(text, entry, true), text:match("^[%a_][%w_]*$") end
  local shape = parse_table(text)
  if shape.list then
    local item = type(shape.list) == "table" and self:record_type(shape.list, entry) or self:type_of(shape.list, entry, true)
    return (item:find("[|?]") and "(" .. item .. ")" or item) .. "[]"
  end
  return self:record_type(shape, entry)
end

function Context:record_type(shape, entry)
  if shape.open or #shape.options == 0 then return "table" end
  local fields = {}
  for _, option in ipairs(shape.options) do
    fields[#fields + 1] = option.name .. ": " .. (option.type or self:type_of(option.name, entry, false))
  end
  return "{ " .. table.concat(fields, ", ") .. " }"
end

---------------------------------------------------------------------------
-- Writing

local function comment(out, text)
  for line in (tostring(text) .. "\n"):gmatch("(.-)\n") do out[#out + 1] = ("---" .. line):gsub("%s+$", "") end
end

local function one_line(text) return (tostring(text or ""):gsub("%s*\n%s*", " ")) end

-- The documentation above a function: help's summary, signature, API call and example.
local function function_doc(out, entry)
  if entry.summary then comment(out, entry.summary); out[#out + 1] = "---" end
  out[#out + 1] = "---`" .. one_line(entry.signature or entry.name) .. "`"
  if entry.api then out[#out + 1] = "---"; out[#out + 1] = "---API: " .. one_line(entry.api) end
  if entry.example then
    out[#out + 1] = "---"
    out[#out + 1] = "---```lua"
    comment(out, entry.example)
    out[#out + 1] = "---```"
  end
end

-- The class of an options table; returns its name (or a plain type for a list).
function Context:options_class(out, class_name, shape, entry)
  if shape.list then
    local item = type(shape.list) == "table" and self:record_type(shape.list, entry) or "table"
    return item .. "[]"
  end
  local documented = {}
  for _, option in ipairs(entry.options or {}) do documented[option[1]] = option[2] end
  local fields, seen = {}, {}
  for _, option in ipairs(shape.options) do
    seen[option.name] = true
    fields[#fields + 1] = { option.name, option.type or self:type_of(option.name, entry, false),
      documented[option.name] or (option.literal and "`" .. option.name .. " = " .. option.literal .. "`") }
  end
  for _, option in ipairs(entry.options or {}) do  -- documented without appearing in the signature
    if not seen[option[1]] and option[1]:match("^[%a_][%w_]*$") then
      fields[#fields + 1] = { option[1], self:type_of(option[1], entry, false), option[2] }
    end
  end
  out[#out + 1] = ""
  out[#out + 1] = "---Options of `" .. one_line(entry.signature or entry.name) .. "`."
  out[#out + 1] = "---@class " .. (shape.open and "" or "(exact) ") .. class_name
  for _, field in ipairs(fields) do
    out[#out + 1] = ("---@field %s? %s%s"):format(field[1], field[2], field[3] and " " .. one_line(field[3]) or "")
  end
  if shape.open then out[#out + 1] = "---@field [string] any" end
  return class_name
end

-- The parameters ({name=, optional=, type=}) and results ({type=, name=})
-- of an entry; the classes of its options tables go to `classes`.
function Context:signature(entry, options_name, classes)
  local params, results = {}, {}
  for _, param in ipairs(entry.parsed.params) do
    local t = param.shape and self:options_class(classes, options_name, param.shape, entry)
      or self:type_of(param.name, entry, false)
    params[#params + 1] = { name = param.name, optional = param.optional and param.name ~= "...", type = t }
  end
  local returns = entry.types and entry.types.returns
  if returns then
    results[1] = { type = self:qualify(returns) }
  else
    for _, text in ipairs(entry.parsed.results) do
      local t, name = self:result_type(text, entry)
      -- A word that is not its type names the result (`-> settings`); a type name does not (`-> Dossier`).
      results[#results + 1] = { type = t, name = name ~= t and not self.registry.types[name] and name or nil }
    end
  end
  return params, results
end

-- One function (`function ds.dossier(number) end`, `function Dossier:accept(opts) end`).
function Context:write_function(out, entry, owner, separator, options_name)
  local classes = {}
  local params, results = self:signature(entry, options_name, classes)
  for _, line in ipairs(classes) do out[#out + 1] = line end
  out[#out + 1] = ""
  function_doc(out, entry)
  local names = {}
  for _, param in ipairs(params) do
    out[#out + 1] = ("---@param %s%s %s"):format(param.name, param.optional and "?" or "", param.type)
    names[#names + 1] = param.name
  end
  for _, result in ipairs(results) do
    out[#out + 1] = "---@return " .. result.type .. (result.name and " " .. result.name or "")
  end
  local key = entry.name:match("[.:]([%w_]+)$")
  if reserved[key] then  -- `function ds.end()` would not parse
    if separator == ":" then table.insert(names, 1, "self") end
    out[#out + 1] = ("%s[%q] = function(%s) end"):format(owner, key, table.concat(names, ", "))
  else
    out[#out + 1] = ("function %s%s%s(%s) end"):format(owner, separator, key, table.concat(names, ", "))
  end
end

-- The key of an entry under its owner, if it is `owner.key` or `owner:key`.
local function key_under(owner, name)
  local head, key = name:sub(1, #owner + 1), name:sub(#owner + 2)
  if (head == owner .. "." or head == owner .. ":") and key:match("^[%w_]+$") then return key end
end

function Context:write_type(out, spec)
  local class = class_of(spec)
  local variable = identifier(spec.name)
  out[#out + 1] = ""
  if spec.summary then comment(out, spec.summary) end
  out[#out + 1] = "---@class " .. class
  local seen = {}
  for _, field in ipairs(spec.fields or {}) do
    for part in (field[1] .. ","):gmatch("(.-),") do
      local name = trim(part):match("^[%a_][%w_]*")
      if name and not seen[name] then
        seen[name] = true
        local t = spec.types and spec.types[name] and self:qualify(spec.types[name]) or self:type_of(name, nil, false)
        out[#out + 1] = ("---@field %s %s %s"):format(name, t, one_line(field[2])):gsub("%s+$", "")
      end
    end
  end
  -- A table inside the module with functions of its own
  -- (apidae.referentiel.communes): a field of the module's global, its
  -- functions written with a dot.
  local nested = false
  if spec.module and spec.name:sub(1, #spec.module + 1) == spec.module .. "."
      and spec.name:sub(#spec.module + 2):match("^[%a_][%w_]*$") then
    for _, name in ipairs(self.registry.order) do
      if not name:find(":", 1, true) and key_under(spec.name, name) then nested = true end
    end
  end
  out[#out + 1] = nested and (spec.name .. " = {}") or ("local " .. variable .. " = {}")
  for _, name in ipairs(self.registry.order) do
    local entry = self.entries[name]
    if name:find(":", 1, true) and key_under(spec.name, name) then
      self:write_function(out, entry, variable, ":", class .. "." .. key_under(spec.name, name) .. ".options")
    elseif nested and key_under(spec.name, name) then
      self:write_function(out, entry, spec.name, ".", class .. "." .. key_under(spec.name, name) .. ".options")
    end
  end
end

-- The whole file of one module.
function Context:module_text()
  local module = self.module
  local out = { "---@meta guichet." .. module, "",
    "-- guichet's `" .. module .. "` module, for lua-language-server: written by `guichet stubs`",
    "-- from the help that help(" .. module .. ") shows (do not edit; run `guichet stubs` again).", "" }
  local spec = self.registry.modules[module]
  local functions, values, calls = {}, {}, {}
  for _, name in ipairs(self.registry.order) do
    local entry = self.entries[name]
    if name:sub(1, #module + 1) == module .. "." and not name:find(":", 1, true) and key_under(module, name) then
      if entry.parsed.head == module and entry.parsed.callable then
        calls[#calls + 1] = entry           -- pp(value): the module is called
      elseif entry.parsed.callable then
        functions[#functions + 1] = entry
      else
        values[#values + 1] = entry         -- json.null, guichet.version
      end
    end
  end
  local classes, overloads = {}, {}
  for _, entry in ipairs(calls) do
    local params, results = self:signature(entry, module .. ".options", classes)
    local typed, returned = {}, {}
    for _, param in ipairs(params) do typed[#typed + 1] = param.name .. (param.optional and "?" or "") .. ": " .. param.type end
    for _, result in ipairs(results) do returned[#returned + 1] = result.type end
    overloads[#overloads + 1] = "---@overload fun(" .. table.concat(typed, ", ") .. ")"
      .. (#returned > 0 and ": " .. table.concat(returned, ", ") or "")
  end
  for _, line in ipairs(classes) do out[#out + 1] = line end
  if #classes > 0 then out[#out + 1] = "" end
  comment(out, spec.summary or module)
  for _, entry in ipairs(calls) do
    out[#out + 1] = "---"
    out[#out + 1] = "---`" .. one_line(entry.signature) .. "`: " .. one_line(entry.summary)
  end
  out[#out + 1] = "---@class " .. module
  for _, entry in ipairs(values) do
    local key = key_under(module, entry.name)
    local t = entry.types and entry.types.returns and self:qualify(entry.types.returns) or self:type_of(key, entry, false)
    out[#out + 1] = ("---@field %s %s %s"):format(key, t, one_line(entry.summary)):gsub("%s+$", "")
  end
  for _, line in ipairs(overloads) do out[#out + 1] = line end
  out[#out + 1] = module .. " = {}"
  for _, entry in ipairs(functions) do
    self:write_function(out, entry, module, ".", entry.name .. ".options")
  end
  local type_names = {}
  for name, t in pairs(self.registry.types) do
    if t.module == module then type_names[#type_names + 1] = name end
  end
  table.sort(type_names)
  for _, name in ipairs(type_names) do self:write_type(out, self.registry.types[name]) end
  out[#out + 1] = ""
  out[#out + 1] = "return " .. module
  out[#out + 1] = ""
  return (table.concat(out, "\n"):gsub("\n\n\n+", "\n\n"))
end

-- The registry as plain data, read raw: what a help entry should hold
-- (strings, lists of {name, text} pairs, a types map), whatever a script
-- registered, and each signature read once. A name registered twice keeps
-- its last registration.
local function plain_registry(registry)
  local function text(t, key)
    local value = type(t) == "table" and rawget(t, key) or nil
    return type(value) == "string" and value or nil
  end
  local function pairs_of(t, key)
    local list, kept = type(t) == "table" and rawget(t, key), {}
    if type(list) ~= "table" then return kept end
    for i = 1, math.huge do
      local item = rawget(list, i)
      if item == nil then break end
      if text(item, 1) then kept[#kept + 1] = { item[1], text(item, 2) or "" } end
    end
    return kept
  end
  local function types_of(t)
    local map, kept = type(t) == "table" and rawget(t, "types"), {}
    if type(map) ~= "table" then return kept end
    for name, value in next, map do
      if type(name) == "string" and type(value) == "string" then kept[name] = value end
    end
    return kept
  end
  local plain = { modules = {}, entries = {}, order = {}, types = {} }
  for name, spec in next, registry.modules do plain.modules[name] = { name = name, summary = text(spec, "summary") } end
  for name, spec in next, registry.types do
    plain.types[name] = { name = name, module = text(spec, "module"), summary = text(spec, "summary"),
      fields = pairs_of(spec, "fields"), types = types_of(spec) }
  end
  for _, name in ipairs(registry.order) do
    local spec = registry.entries[name]
    if spec and not plain.entries[name] then
      plain.order[#plain.order + 1] = name
      local signature = text(spec, "signature") or name
      plain.entries[name] = { name = name, signature = signature, summary = text(spec, "summary"), api = text(spec, "api"),
        example = text(spec, "example"), options = pairs_of(spec, "options"), types = types_of(spec),
        parsed = stubs.parse(signature) }
    end
  end
  return plain
end

--- stubs.files() -> {{name=, module=, text=}, ...}: one annotation file per
-- module the help registry knows, sorted by name.
function stubs.files()
  local registry = plain_registry(help.registry())
  local entries = registry.entries
  local names = {}
  for name in pairs(registry.modules) do
    -- A module name becomes a file name and a global: only plain names.
    if name:match("^[%a_][%w_]*$") and not reserved[name] then names[#names + 1] = name end
  end
  table.sort(names)
  local files = {}
  for _, module in ipairs(names) do
    -- The words a module's method signatures use for their object
    -- (`dossier:accept`, `w:write`) name its types in results.
    local receivers = {}
    for name, entry in pairs(entries) do
      local type_name = name:match("^(.-):[%w_]+$")
      local spec = type_name and registry.types[type_name]
      if spec and spec.module == module and entry.parsed.receiver then receivers[entry.parsed.receiver] = spec end
    end
    local context = setmetatable({ registry = registry, entries = entries, module = module, receivers = receivers }, Context)
    files[#files + 1] = { name = module .. ".lua", module = module, text = context:module_text() }
  end
  return files
end

return stubs
