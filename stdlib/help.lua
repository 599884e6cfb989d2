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

-- A registration needs a table with a string name; anything else is the
-- caller's mistake, reported at the caller's line.
local function check_spec(fname, spec)
  if type(spec) ~= "table" or type(rawget(spec, "name")) ~= "string" then
    error(string.format("bad argument #1 to '%s' (table with a string name expected, got %s)", fname,
      type(spec) == "table" and "no name" or type(spec)), 3)
  end
end

--- help.module{name=, summary=, value=} registers a module.
function help.module(spec)
  check_spec("module", spec)
  modules[spec.name] = spec
  if spec.value then by_value[spec.value] = spec.name end
  entries[spec.name] = spec
  order[#order + 1] = spec.name
end

--- help.type{name=, summary=, fields={...}, types=} registers an object type (a metatable __name).
function help.type(spec)
  check_spec("type", spec)
  types[spec.name] = spec
end

--- help.fn{name=, signature=, summary=, options=, returns=, example=, api=, types=, value=}
-- registers a function; `value` lets help(f) find it. help() does not show
-- `types`: it gives editors (`guichet stubs`, see stubs.lua) the LuaCATS
-- type of a parameter, option, result or field the signature names, where
-- the name alone says too little (`types = {id = "integer"}`), and
-- `types.returns` the whole result (`"fun(): Dossier?"` for an iterator).
function help.fn(spec)
  check_spec("fn", spec)
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

-- The entries named prefix.x or prefix:x (not prefix.x:y, a method of a
-- type named after a function, such as csv.writer:write).
local function functions_of(prefix)
  local names = {}
  for _, name in ipairs(order) do
    local e = entries[name]
    local head, rest = name:sub(1, #prefix + 1), name:sub(#prefix + 2)
    if (head == prefix .. "." or head == prefix .. ":") and not rest:find("[.:]") then
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

-- Modules whose documentation lives in their own file, loaded on demand:
-- the services the host binds (`guichet.services`), so that a service
-- registered later is in help() and in the editor annotations (stubs.lua)
-- without being named here.
local function lazily_documented()
  local ok, host = pcall(require, "guichet.guichet")
  local services = ok and type(host) == "table" and rawget(host, "services")
  return type(services) == "table" and services or {}
end

-- Modules documented at the end of this file: their values (tables made by
-- the host or by another stdlib file) are bound on first use, so that
-- help(json) and help(json.decode) find them as help("json") does.
local bound_here = { "json", "guichet", "pp", "csv", "parallel", "help", "sandbox" }
local bound = false

local function bind(name, module)
  if type(module) ~= "table" then return end
  by_value[module] = name
  for _, entry_name in ipairs(order) do
    local entry = entries[entry_name]
    local key = entry_name:match("^" .. name:gsub("%p", "%%%0") .. "[.:]([%w_]+)$")
    local value = key and rawget(module, key)
    local kind = type(value)
    if (kind == "function" or kind == "table" or kind == "userdata") and by_value[value] == nil then
      by_value[value] = entry_name
      entry.value = entry.value or value
    end
  end
end

local function load_all()
  for _, name in ipairs(lazily_documented()) do
    if not modules[name] then pcall(require, "guichet." .. name) end
  end
  local loaded = package.loaded
  for _, name in ipairs(bound_here) do
    local module = loaded["guichet." .. name]
    if module == nil and not bound then
      local ok, value = pcall(require, "guichet." .. name)
      module = ok and value or nil
    end
    if module ~= nil and by_value[module] == nil then
      modules[name].value = modules[name].value or module
      bind(name, module)
    end
    -- `require "pp"` (without the prefix) loads a copy of its own
    local copy = loaded[name]
    if copy ~= nil and copy ~= module and by_value[copy] == nil then bind(name, copy) end
  end
  if bound then return end
  bound = true
  -- The csv writer's methods, from a writer on a handle that writes nowhere.
  local csv_ok, csv = pcall(require, "guichet.csv")
  local ok, w = pcall(csv_ok and csv.writer, { write = function() return true end })
  local mt = ok and getmetatable(w)
  if type(mt) == "table" then bind("csv.writer", mt) end
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
  if name and entries[name] then
    -- csv.writer is both a function and the type of what it returns
    local same_type = type(x) == "string" and types[x]
    return describe_function(entries[name]) .. (same_type and "\n\n" .. describe_type(same_type) or "")
  end
  if type(x) == "string" and types[x] then return describe_type(types[x]) end
  local mt = (type(x) == "table" or type(x) == "userdata") and getmetatable(x)
  local type_name = type(mt) == "table" and rawget(mt, "__name")
  if type_name and types[type_name] then return describe_type(types[type_name]) end
  local what = type(x) == "string" and x or type(x)  -- tostring could run a raising __tostring
  return "no help for " .. what .. " (help() lists the modules)"
end

--- help.registry() -> {modules=, entries=, order=, types=}: everything
-- registered, once the modules documented on demand are loaded; what
-- `guichet stubs` writes editor annotations from (read it, do not change it).
function help.registry()
  load_all()
  return { modules = modules, entries = entries, order = order, types = types }
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
  summary = "Waits 0 to 86400 seconds (one day; more, NaN or negative is a usage error); inside parallel.map other calls go on meanwhile." }
help.fn { name = "guichet.error", signature = "guichet.error(kind, message [, {status=, retryable=}]) -> err",
  summary = "An error value of the common shape (kind, message, ...), not raised." }
help.fn { name = "guichet.raise", signature = "guichet.raise(kind, message [, level])",
  summary = "Raises an error value of the common shape; level as for error()." }
help.fn { name = "guichet.isatty", signature = "guichet.isatty(fd) -> boolean", summary = "Whether 0, 1 or 2 is a terminal." }
help.fn { name = "guichet.stats", signature = "guichet.stats() -> {in_flight=, max_in_flight=, started=}",
  types = { in_flight = "integer", max_in_flight = "integer", started = "integer" },
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
help.fn { name = "pp.summary", signature = "pp.summary(value [, opts]) -> text", summary = "A one-line rendering, at most opts.width (80) characters." }

help.module { name = "csv", summary = "RFC 4180 CSV in UTF-8: an atomic writer, a reader" }
help.fn { name = "csv.writer", signature = "csv.writer(path_or_file [, {columns=, header=, sep=, eol=, bom=}]) -> w",
  summary = "w:write(row), w:write_all(rows), w:close(): the file appears whole on close (temp file + rename).\n"
    .. "French Excel wants sep = \";\" and bom = true.",
  example = 'local w = csv.writer("export.csv", {columns = {"number", "state"}, sep = ";", bom = true})' }
help.fn { name = "csv.write", signature = "csv.write(path_or_file, rows [, opts]) -> count", summary = "Writes every row at once." }
help.fn { name = "csv.format_row", signature = "csv.format_row(fields [, opts]) -> text", summary = "One record, quoted as needed." }
help.fn { name = "csv.reader", signature = "csv.reader(path_or_text_or_file [, {sep=, columns=}]) -> iterator",
  types = { returns = "fun(): table?" },
  summary = "Iterates records: lists of strings, or tables keyed by the header with columns = true." }
help.type { name = "csv.writer", module = "csv", summary = "a writer from csv.writer(path_or_file, opts)",
  fields = { { "count", "data rows written so far" }, { "path", "the destination (nil for a file handle)" } },
  types = { path = "string?" } }
help.fn { name = "csv.writer:write", signature = "w:write(row) -> w",
  summary = "Writes one row: a list, or a table keyed by the columns (read raw, metamethods are not run)." }
help.fn { name = "csv.writer:write_all", signature = "w:write_all(rows) -> w", summary = "Writes a list of rows, or every row an iterator returns." }
help.fn { name = "csv.writer:close", signature = "w:close() -> path",
  summary = "Finishes the file: renames the temporary file onto the destination (a handle is flushed, left open)." }
help.fn { name = "csv.writer:abort", signature = "w:abort()", summary = "Gives up: removes the temporary file, leaves the destination alone." }

help.module { name = "sandbox", summary = "with --sandbox only: the fake servers' address, injected faults, the requests they received" }
help.fn { name = "sandbox.url", signature = "sandbox.url() -> text", summary = "The sandbox's base address (http://127.0.0.1:<port>)." }
help.fn { name = "sandbox.fault", signature = "sandbox.fault{kind=, status=, retry_after=, seconds=, count=, path=, body=}",
  summary = "Queues a fault for the next requests to `path` (by default the first service's main endpoint).\n"
    .. "kind: status (503 unless `status`), rate_limit (429 with `retry_after`), reset, truncate, short, slow and trickle (`seconds`),\n"
    .. "not_json, graphql_timeout, corrupt, answer (a 200 whose JSON is `body`: a shape the contract does not promise);\n"
    .. "`count` answers get it (1).",
  options = { { "kind", "what goes wrong (status)" }, { "status", "the HTTP status of kind status" },
    { "retry_after", "seconds, for rate_limit" }, { "seconds", "for slow and trickle" }, { "count", "how many answers (1)" },
    { "path", "the endpoint it aims at" }, { "body", "the JSON text, for answer" } },
  types = { status = "integer", retry_after = "integer", seconds = "number", count = "integer", body = "string" },
  example = 'sandbox.fault{kind = "status", status = 503}   -- the next call fails once; guichet retries a read' }
help.fn { name = "sandbox.requests", signature = "sandbox.requests() -> {{method=, path=, operation=, authorization=, ...}, ...}",
  types = { returns = "table[]" },
  summary = "What the fakes received since the start or the last clear_requests(), oldest first (never a credential's value)." }
help.fn { name = "sandbox.clear_requests", signature = "sandbox.clear_requests()", summary = "Empties the request log." }
help.fn { name = "sandbox.clear_faults", signature = "sandbox.clear_faults()", summary = "Drops the faults still queued (sandbox.fault)." }

help.module { name = "help", summary = "the documentation of guichet's modules, functions and objects" }
help.fn { name = "help.help", signature = "help([value_or_name])",
  summary = "Prints the help of a module, function or object (help(ds), help(ds.dossier), help(d), help(\"ds.dossier\"));\n"
    .. "help() lists the modules." }
help.fn { name = "help.text", signature = "help.text([value_or_name]) -> text", summary = "What help prints, as a string." }
help.fn { name = "help.markdown", signature = "help.markdown() -> text", summary = "The README's reference section, in Markdown." }
help.fn { name = "help.module", signature = "help.module{name=, summary=, value=}", summary = "Registers a module's help (your own modules too)." }
help.fn { name = "help.fn", signature = "help.fn{name=, signature=, summary=, options=, example=, api=, types=, value=} -> value",
  summary = "Registers a function's help; value lets help(f) find it. types (not shown by help) gives editors the type of a name\n"
    .. "the signature uses, e.g. {id = \"integer\", returns = \"fun(): Dossier?\"} (see guichet stubs).",
  types = { name = "string", signature = "string", summary = "string", example = "string", api = "string",
    options = "string[][]", types = "table<string, string>" } }
help.fn { name = "help.type", signature = "help.type{name=, module=, summary=, fields=, types=}",
  summary = "Registers an object type's help: help(x) finds it by the __name of x's metatable.",
  types = { name = "string", module = "string", summary = "string", fields = "string[][]", types = "table<string, string>" } }
help.fn { name = "help.registry", signature = "help.registry() -> {modules=, entries=, order=, types=}",
  summary = "Everything registered, by name (entries in order), once every module is loaded: what guichet stubs reads." }

return setmetatable(help, {
  __call = function(_, x) print(help.text(x)) end,
})
