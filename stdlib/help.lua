-- help: the documentation of guichet's modules, functions and objects,
-- shown by help() in scripts and the REPL, and written into the README's
-- reference section (help.markdown()), so the two never drift.
--
--   help()            lists the modules
--   help(ds)          a module: what it is for and its functions
--   help(ds.dossier)  a function: signature, options, example, API call
--   help(d)           an object: its fields and methods
--   help("ds.dossier") the same, by name

local help = {}

local entries = {}       -- name -> entry
local order = {}         -- names in registration order
local by_value = setmetatable({}, { __mode = "k" })  -- function/table -> name
local types = {}         -- type name (metatable __name) -> type entry
local modules = {}       -- module name -> module entry

--- help.module{name=, summary=, value=} registers a module.
function help.module(spec)
  modules[spec.name] = spec
  if spec.value then by_value[spec.value] = spec.name end
  entries[spec.name] = spec
  order[#order + 1] = spec.name
end

--- help.type{name=, summary=, fields={...}} registers an object type (a metatable __name).
function help.type(spec)
  types[spec.name] = spec
end

--- help.fn{name=, signature=, summary=, options=, returns=, example=, api=, value=}
-- registers a function; `value` lets help(f) find it.
function help.fn(spec)
  entries[spec.name] = spec
  order[#order + 1] = spec.name
  if spec.value then by_value[spec.value] = spec.name end
  return spec.value
end

local function wrap(text, indent)
  return indent .. tostring(text):gsub("\n", "\n" .. indent)
end

local function describe_function(e)
  local lines = { e.signature or e.name }
  if e.summary then lines[#lines + 1] = wrap(e.summary, "  ") end
  if e.options then
    lines[#lines + 1] = "  options:"
    for _, option in ipairs(e.options) do
      lines[#lines + 1] = ("    %-14s %s"):format(option[1], option[2])
    end
  end
  if e.returns then lines[#lines + 1] = "  returns: " .. e.returns end
  if e.api then lines[#lines + 1] = "  API: " .. e.api end
  if e.example then lines[#lines + 1] = "  example:\n" .. wrap(e.example, "    ") end
  return table.concat(lines, "\n")
end

local function functions_of(prefix)
  local names = {}
  for _, name in ipairs(order) do
    local e = entries[name]
    if name:sub(1, #prefix + 1) == prefix .. "." or name:sub(1, #prefix + 1) == prefix .. ":" then
      names[#names + 1] = e
    end
  end
  return names
end

local function describe_module(m)
  local lines = { m.name .. ": " .. (m.summary or "") }
  for _, e in ipairs(functions_of(m.name)) do
    lines[#lines + 1] = ("  %-44s %s"):format(e.signature or e.name, (e.summary or ""):match("^[^\n]*"))
  end
  return table.concat(lines, "\n")
end

local function describe_type(t)
  local lines = { t.name .. ": " .. (t.summary or "") }
  if t.fields then
    lines[#lines + 1] = "  fields:"
    for _, field in ipairs(t.fields) do lines[#lines + 1] = ("    %-22s %s"):format(field[1], field[2]) end
  end
  local methods = functions_of(t.name)
  if #methods > 0 then
    lines[#lines + 1] = "  methods:"
    for _, e in ipairs(methods) do
      lines[#lines + 1] = ("    %-40s %s"):format(e.signature or e.name, (e.summary or ""):match("^[^\n]*"))
    end
  end
  return table.concat(lines, "\n")
end

-- Modules whose documentation lives in their own file: loaded on demand.
local lazily_documented = { "ds", "emjpm" }

local function load_all()
  for _, name in ipairs(lazily_documented) do
    if not modules[name] then pcall(require, "guichet." .. name) end
  end
end

--- help.text(x) -> the help text for x (what help(x) prints).
function help.text(x)
  load_all()
  if x == nil then
    local names = {}
    for name in pairs(modules) do names[#names + 1] = name end
    table.sort(names)
    local lines = { "guichet modules (help(module) for more, help(object) for an object's methods):" }
    for _, name in ipairs(names) do lines[#lines + 1] = ("  %-10s %s"):format(name, modules[name].summary or "") end
    return table.concat(lines, "\n")
  end
  local name = type(x) == "string" and x or by_value[x]
  if name and modules[name] then return describe_module(modules[name]) end
  if name and entries[name] then return describe_function(entries[name]) end
  if type(x) == "string" and types[x] then return describe_type(types[x]) end
  local mt = (type(x) == "table" or type(x) == "userdata") and getmetatable(x)
  local type_name = type(mt) == "table" and rawget(mt, "__name")
  if type_name and types[type_name] then return describe_type(types[type_name]) end
  return "no help for " .. tostring(x) .. " (help() lists the modules)"
end

local function markdown_function(out, e)
  out[#out + 1] = "- `" .. (e.signature or e.name) .. "`: " .. (e.summary or ""):gsub("\n", " ")
  for _, option in ipairs(e.options or {}) do out[#out + 1] = "  - `" .. option[1] .. "`: " .. option[2] end
  if e.api then out[#out + 1] = "  - API: " .. e.api end
end

--- help.markdown() -> the reference section of the README, in Markdown.
function help.markdown()
  load_all()
  local out = {}
  local names = {}
  for name in pairs(modules) do names[#names + 1] = name end
  table.sort(names)
  for _, module_name in ipairs(names) do
    local m = modules[module_name]
    out[#out + 1] = "### `" .. module_name .. "`\n\n" .. (m.summary or "") .. "\n"
    for _, e in ipairs(functions_of(module_name)) do markdown_function(out, e) end
    local type_names = {}
    for name, t in pairs(types) do
      if t.module == module_name then type_names[#type_names + 1] = name end
    end
    table.sort(type_names)
    for _, type_name in ipairs(type_names) do
      local t = types[type_name]
      out[#out + 1] = "\n**" .. t.name .. "**: " .. (t.summary or "")
      for _, field in ipairs(t.fields or {}) do out[#out + 1] = "- `" .. field[1] .. "`: " .. field[2] end
      for _, e in ipairs(functions_of(t.name)) do markdown_function(out, e) end
    end
    out[#out + 1] = ""
  end
  return table.concat(out, "\n")
end

---------------------------------------------------------------------------
-- The built-in modules (the Swift ones document themselves here).

help.module { name = "json", summary = "JSON in one pass: integers stay integers, json.null, [] vs {}" }
help.fn { name = "json.decode", signature = "json.decode(text) -> value",
  summary = "Decodes a JSON document; malformed input is an error naming the byte, line, column and what was expected." }
help.fn { name = "json.encode", signature = "json.encode(value [, {pretty=, sort_keys=}]) -> text",
  summary = "Encodes a value; cycles, functions, NaN and non-UTF-8 strings are errors naming their path.",
  options = { { "pretty", "indent with two spaces" }, { "sort_keys", "sort object keys" } } }
help.fn { name = "json.null", signature = "json.null", summary = "The JSON null, a value distinct from nil." }
help.fn { name = "json.array", signature = "json.array([t]) -> t", summary = "Marks a table to encode as an array, even when empty." }

help.module { name = "guichet", summary = "the host: version, errors, sleep, terminal" }
help.fn { name = "guichet.version", signature = "guichet.version", summary = "guichet's version string." }
help.fn { name = "guichet.sleep", signature = "guichet.sleep(seconds)",
  summary = "Waits; inside parallel.map other calls go on meanwhile." }
help.fn { name = "guichet.error", signature = "guichet.error(kind, message [, {status=, retryable=}]) -> err",
  summary = "An error value of the common shape (kind, message, ...), not raised." }
help.fn { name = "guichet.raise", signature = "guichet.raise(kind, message [, level])",
  summary = "Raises an error value of the common shape; level as for error()." }
help.fn { name = "guichet.isatty", signature = "guichet.isatty(fd) -> boolean", summary = "Whether 0, 1 or 2 is a terminal." }
help.fn { name = "guichet.stats", signature = "guichet.stats() -> {in_flight=, max_in_flight=, started=}",
  summary = "Counters of host calls (HTTP requests, sleeps)." }

help.module { name = "parallel", summary = "run a function over many items at once (host calls overlap)" }
help.fn { name = "parallel.map", signature = "parallel.map(list, fn [, {concurrency = 8}]) -> results",
  summary = "Calls fn(item, index) for each item with up to `concurrency` in flight; results keep the list's order.\n"
    .. "The first error stops new items, waits for those in flight, then is raised.",
  example = "local dossiers = parallel.map(numbers, ds.dossier, {concurrency = 8})" }
help.fn { name = "parallel.each", signature = "parallel.each(list, fn [, {concurrency = 8}])", summary = "Like parallel.map, for effects only." }

help.module { name = "pp", summary = "pretty printer: sorted keys, cycles shown, depth and width limits, colours on a terminal" }
help.fn { name = "pp.pp", signature = "pp(value [, {depth=, max_items=, max_string=, width=, color=, metatables=}])",
  summary = "Prints a value readably." }
help.fn { name = "pp.format", signature = "pp.format(value [, opts]) -> text", summary = "What pp prints, as a string." }
help.fn { name = "pp.summary", signature = "pp.summary(value) -> text", summary = "A one-line rendering." }

help.module { name = "csv", summary = "RFC 4180 CSV in UTF-8: an atomic writer, a reader" }
help.fn { name = "csv.writer", signature = "csv.writer(path_or_file [, {columns=, header=, sep=, eol=, bom=}]) -> w",
  summary = "w:write(row), w:write_all(rows), w:close(): the file appears whole on close (temp file + rename).\n"
    .. "French Excel wants sep = \";\" and bom = true.",
  example = 'local w = csv.writer("export.csv", {columns = {"number", "state"}, sep = ";", bom = true})' }
help.fn { name = "csv.write", signature = "csv.write(path_or_file, rows [, opts]) -> count", summary = "Writes every row at once." }
help.fn { name = "csv.format_row", signature = "csv.format_row(fields [, opts]) -> text", summary = "One record, quoted as needed." }
help.fn { name = "csv.reader", signature = "csv.reader(path_or_text [, {sep=, columns=true}]) -> iterator", summary = "Iterates records." }

return setmetatable(help, {
  __call = function(_, x) print(help.text(x)) end,
})
