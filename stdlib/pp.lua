-- pp.lua: a pretty printer for Lua values, in the style of inspect.lua.
--
--   local pp = require "pp"
--   pp({ 1, 2, name = "Élodie" })        --> { 1, 2, name = "Élodie" }
--   local text = pp.format(value, { depth = 2 })
--   local line = pp.summary(value)       -- one short line, for a REPL
--
-- Printing never runs user code: tables are walked with next/rawget, so
-- __index, __pairs, __len and friends are never called. The only metamethod
-- used is __tostring, and only on values that are not tables (e.g. json.null).
--
-- How it works: `build` turns the value into a small tree of "docs" (leaves
-- of text, groups of docs, tables of items), `measure` numbers shared tables
-- and computes one-line widths, and `emit` lays the tree out, putting a table
-- on one line when it fits and one item per line otherwise.

local pp = {}

-- The shared argument checks: guichet's copy, or the file next to this one
-- when plain lua5.4 runs csv and pp (their tests do).
local found, args = pcall(require, "guichet.args")
if not found then args = require "args" end

-- A usage error under guichet, a plain error under lua5.4 (or when a
-- script removed the guichet global).
local function raise_usage(message, level)
  local g = rawget(_G, "guichet")
  if g and g.raise then g.raise("usage", message, (level or 1) + 1) end
  error(message, (level or 1) + 1)
end

-- debug.getmetatable sees through a __metatable field; the host may not
-- load the debug library, so fall back on getmetatable.
local raw_getmetatable = (debug and debug.getmetatable) or getmetatable

---------------------------------------------------------------------------
-- Options

local OPTION_TYPES = {
  depth = "number", max_items = "number", max_string = "number",
  indent = "string", width = "number", color = "boolean", metatables = "boolean",
}

local FORMAT_DEFAULTS = {
  depth = 4, max_items = 50, max_string = 200, indent = "  ", width = 80,
  metatables = false,
}

-- A summary is one line anyway, so there is no point building a big tree.
local SUMMARY_DEFAULTS = {
  depth = 3, max_items = 20, max_string = 60, indent = "  ", width = 80,
  metatables = false,
}

-- Colour only on a terminal, and never by default when NO_COLOR is set
-- (https://no-color.org); an explicit `color = true` still wins.
local function default_color()
  local no_color = os.getenv and os.getenv("NO_COLOR")
  if no_color and no_color ~= "" then return false end
  local g = rawget(_G, "guichet")
  return (g and g.isatty and g.isatty(1)) and true or false
end

-- Returns a complete options table, or nil and an error message.
local function read_options(opts, defaults)
  local o, problem = args.read(opts, OPTION_TYPES)
  if not o then return nil, problem end
  for k, v in next, o do
    local expected = OPTION_TYPES[k]
    if type(v) ~= expected then
      return nil, string.format("option '%s' must be a %s, got %s", k, expected, type(v))
    end
    if expected == "number" and not (v >= 0) then
      return nil, string.format("option '%s' must not be negative", k)
    end
  end
  for k, v in next, defaults do
    if o[k] == nil then o[k] = v end
  end
  if o.color == nil then o.color = default_color() end
  return o
end

---------------------------------------------------------------------------
-- Text helpers

-- Widths are in code points; invalid UTF-8 falls back to bytes.
local function text_width(s)
  return utf8.len(s) or #s
end

local NAMED_ESCAPES = {
  ["\a"] = "\\a", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
  ["\r"] = "\\r", ["\t"] = "\\t", ["\v"] = "\\v",
  ['"'] = '\\"', ["\\"] = "\\\\",
}

-- "\1" followed by "2" must be written "\0012", as %q does.
local function decimal_escape(byte, next_byte)
  if next_byte and next_byte >= 48 and next_byte <= 57 then
    return string.format("\\%03d", byte)
  end
  return "\\" .. byte
end

-- Byte length of the valid UTF-8 character starting at byte i, or nil.
local function char_length(s, i)
  local c = s:byte(i)
  local n = c < 0x80 and 1 or c >= 0xF0 and 4 or c >= 0xE0 and 3 or c >= 0xC2 and 2
  if n and utf8.len(s, i, i) == 1 then return n end
  return nil
end

-- Escapes s for display between double quotes, keeping at most `limit`
-- characters. UTF-8 text is kept as is; control characters and invalid
-- bytes are escaped so they cannot upset the terminal.
-- Returns the escaped text and whether it was cut.
local function escape_string(s, limit)
  if #s <= limit and not s:find('[%c"\\\128-\255]') then
    return s, false -- the common case: plain ASCII
  end
  local out, count, i = {}, 0, 1
  while i <= #s do
    if count >= limit then return table.concat(out), true end
    local c, len = s:byte(i), char_length(s, i)
    local piece
    if len == 1 then
      local ch = string.char(c)
      if NAMED_ESCAPES[ch] then
        piece = NAMED_ESCAPES[ch]
      elseif c < 32 or c == 127 then
        piece = decimal_escape(c, s:byte(i + 1))
      else
        piece = ch
      end
    elseif len then
      local code = utf8.codepoint(s, i)
      if code <= 0x9F then -- C1 control characters, U+0080..U+009F
        piece = string.format("\\u{%X}", code)
      else
        piece = s:sub(i, i + len - 1)
      end
    else
      len, piece = 1, decimal_escape(c, s:byte(i + 1)) -- not UTF-8
    end
    out[#out + 1] = piece
    count, i = count + 1, i + len
  end
  return table.concat(out), false
end

local function format_number(x)
  if math.type(x) == "integer" then return string.format("%d", x) end
  if x ~= x then return "0/0" end
  if x == math.huge then return "math.huge" end
  if x == -math.huge then return "-math.huge" end
  return tostring(x) -- Lua's own form: 1.0, 0.1, 1e+300
end

local KEYWORDS = {}
for word in ([[and break do else elseif end false for function goto if in
  local nil not or repeat return then true until while]]):gmatch("%a+") do
  KEYWORDS[word] = true
end

local function is_identifier(s)
  return s:match("^[%a_][%w_]*$") ~= nil and not KEYWORDS[s]
end

---------------------------------------------------------------------------
-- Tables, read without metamethods

-- Length of the array part: 1..n with no holes.
local function array_length(t)
  local n = 0
  while rawget(t, n + 1) ~= nil do n = n + 1 end
  return n
end

local function count_entries(t)
  local n = 0
  for _ in next, t do n = n + 1 end
  return n
end

-- Key order: numbers ascending, then strings (byte order), then booleans
-- (false first), then everything else grouped by type, in the order `next`
-- found them (tostring could run a __tostring metamethod).
local TYPE_RANK = { number = 1, string = 2, boolean = 3 }

-- The keys of t that are not in its array part, sorted.
local function sorted_keys(t, length)
  local keys, found_at = {}, {}
  for k in next, t do
    if not (math.type(k) == "integer" and k >= 1 and k <= length) then
      keys[#keys + 1] = k
      found_at[k] = #keys
    end
  end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    local ra, rb = TYPE_RANK[ta] or 4, TYPE_RANK[tb] or 4
    if ra ~= rb then return ra < rb end
    if ta == "number" or ta == "string" then return a < b end
    if ta == "boolean" then return b and not a end
    if ta ~= tb then return ta < tb end
    return found_at[a] < found_at[b]
  end)
  return keys
end

-- The __name of t's metatable, read with rawget, if it is a string.
local function metatable_name(t)
  local mt = raw_getmetatable(t)
  local name = type(mt) == "table" and rawget(mt, "__name")
  return type(name) == "string" and name or nil
end

-- tostring for userdata and friends that ask for it with __tostring.
local function custom_tostring(v)
  local mt = raw_getmetatable(v)
  if type(mt) ~= "table" or rawget(mt, "__tostring") == nil then return nil end
  local ok, s = pcall(tostring, v)
  if not ok or type(s) ~= "string" then return nil end
  return (s:gsub("%c", function(c) return NAMED_ESCAPES[c] or decimal_escape(c:byte()) end))
end

---------------------------------------------------------------------------
-- Building the doc tree
--
--   { text = "...", style = "string" }          a leaf
--   { parts = { doc, doc, ... } }                docs side by side
--   { ref = record }                             "<table 1>", a table seen before
--   { table = record, name = "Dossier", items = { { key = doc, value = doc } } }

local function leaf(text, style)
  return { text = text, style = style }
end

local build -- defined below; build_key and build_table call it

local function build_string(s, st)
  local body, cut = escape_string(s, st.o.max_string)
  local quoted = leaf('"' .. body .. '"', "string")
  if not cut then return quoted end
  local chars = utf8.len(s)
  local size = chars and (chars .. " chars") or (#s .. " bytes")
  return { parts = { quoted, leaf("… (" .. size .. ")", "hint") } }
end

local function build_key(k, level, st)
  if type(k) == "string" and is_identifier(k) then return leaf(k) end
  return { parts = { leaf("["), build(k, level, st), leaf("]") } }
end

local function build_table(t, level, st)
  local record = st.records[t]
  if record then -- seen before: a cycle or a shared table
    record.shared = true
    return { ref = record }
  end

  local name = metatable_name(t)
  if level >= st.o.depth and next(t) ~= nil then
    local n = count_entries(t)
    local hint = leaf("{… " .. n .. (n == 1 and " key}" or " keys}"), "hint")
    if not name then return hint end
    return { parts = { leaf(name, "name"), leaf(" "), hint } }
  end

  record = {}
  st.records[t] = record
  local items = {}
  local length = array_length(t)
  local keys = sorted_keys(t, length)
  local total = length + #keys
  local shown = math.min(total, st.o.max_items)

  -- Build in display order: `measure` numbers shared tables in that order.
  for i = 1, math.min(length, shown) do
    items[#items + 1] = { value = build(rawget(t, i), level + 1, st) }
  end
  for j = 1, shown - length do
    local k = keys[j]
    items[#items + 1] = { key = build_key(k, level + 1, st), value = build(rawget(t, k), level + 1, st) }
  end
  if total > shown then
    items[#items + 1] = { value = leaf("… " .. (total - shown) .. " more", "hint") }
  end
  local mt = st.o.metatables and raw_getmetatable(t)
  if mt ~= nil and mt ~= false then
    items[#items + 1] = { key = leaf("<metatable>"), value = build(mt, level + 1, st) }
  end
  return { table = record, name = name, items = items }
end

function build(v, level, st)
  local tv = type(v)
  if tv == "string" then return build_string(v, st)
  elseif tv == "number" then return leaf(format_number(v), "number")
  elseif tv == "boolean" or tv == "nil" then return leaf(tostring(v), "boolean")
  elseif tv == "table" then return build_table(v, level, st)
  end
  local text = custom_tostring(v)
  if text then return leaf(text) end
  -- functions, threads, userdata: numbered per type, like inspect.lua
  local ids = st.ids[tv]
  if not ids then ids = {}; st.ids[tv] = ids end
  if not ids[v] then
    st.counts[tv] = (st.counts[tv] or 0) + 1
    ids[v] = st.counts[tv]
  end
  return leaf("<" .. tv .. " " .. ids[v] .. ">", "hint")
end

---------------------------------------------------------------------------
-- Measuring: give shared tables their number, compute one-line widths

local function measure(doc, st)
  local w = 0
  if doc.ref then
    doc.text, doc.style = "<table " .. doc.ref.id .. ">", "hint"
  end
  if doc.text then
    w = text_width(doc.text)
  elseif doc.parts then
    for _, part in ipairs(doc.parts) do w = w + measure(part, st) end
  else
    local record, head = doc.table, {}
    if record.shared then
      st.last_id = st.last_id + 1
      record.id = st.last_id
      head[#head + 1] = leaf("<" .. record.id .. ">", "hint")
    end
    if doc.name then
      head[#head + 1] = leaf(doc.name, "name")
      head[#head + 1] = leaf(" ")
    end
    doc.head = { parts = head }
    -- "{}", or "{ " .. items joined by ", " .. " }"
    w = measure(doc.head, st) + 2
    for i, item in ipairs(doc.items) do
      -- the key first: it is printed first, so it may hold the first occurrence
      item.w = item.key and measure(item.key, st) + 3 or 0 -- " = "
      item.w = item.w + measure(item.value, st)
      w = w + item.w + 2
    end
  end
  doc.w = w
  return w
end

---------------------------------------------------------------------------
-- Emitting: a list of { text, style } segments, coloured at the very end

local function put(out, text, style)
  out[#out + 1] = { text = text, style = style }
end

-- Keys are emitted `plain`: they keep the default colour.
local function emit_flat(doc, out, plain)
  if doc.text then
    put(out, doc.text, not plain and doc.style or nil)
  elseif doc.parts then
    for _, part in ipairs(doc.parts) do emit_flat(part, out, plain) end
  else
    emit_flat(doc.head, out, plain)
    if #doc.items == 0 then return put(out, "{}") end
    put(out, "{ ")
    for i, item in ipairs(doc.items) do
      if i > 1 then put(out, ", ") end
      if item.key then
        emit_flat(item.key, out, true)
        put(out, " = ")
      end
      emit_flat(item.value, out, plain)
    end
    put(out, " }")
  end
end

-- col: the column where doc starts; trailing: room needed after it (",").
local function emit(doc, out, o, col, level, trailing)
  if not doc.items or #doc.items == 0 or col + doc.w + trailing <= o.width then
    return emit_flat(doc, out, false)
  end
  emit_flat(doc.head, out, false)
  put(out, "{")
  local inner = string.rep(o.indent, level + 1)
  for i, item in ipairs(doc.items) do
    put(out, "\n" .. inner)
    local item_col = text_width(inner)
    if item.key then
      emit_flat(item.key, out, true)
      put(out, " = ")
      item_col = item_col + item.key.w + 3
    end
    local last = i == #doc.items
    emit(item.value, out, o, item_col, level + 1, last and 0 or 1)
    if not last then put(out, ",") end
  end
  put(out, "\n" .. string.rep(o.indent, level) .. "}")
end

local RESET = "\27[0m"
local COLORS = {
  string = "\27[32m", number = "\27[36m", boolean = "\27[33m",
  hint = "\27[2m", name = "\27[1m",
}

local function join(out, color)
  local buffer = {}
  for i, seg in ipairs(out) do
    local code = color and seg.style and COLORS[seg.style]
    buffer[i] = code and (code .. seg.text .. RESET) or seg.text
  end
  return table.concat(buffer)
end

-- Cuts the segments to `limit` characters, the last one being "…".
local function truncate(out, limit)
  local used = 0
  for i, seg in ipairs(out) do
    local w = text_width(seg.text)
    if used + w > limit then
      local keep = math.max(limit - used - 1, 0)
      local stop = utf8.len(seg.text) and utf8.offset(seg.text, keep + 1) or keep + 1
      seg.text = seg.text:sub(1, stop - 1)
      out[i + 1] = { text = "…", style = "hint" }
      for j = #out, i + 2, -1 do out[j] = nil end
      return
    end
    used = used + w
  end
end

local function new_state(o)
  return { o = o, records = {}, ids = {}, counts = {}, last_id = 0 }
end

---------------------------------------------------------------------------
-- Public API

function pp.format(v, opts)
  local o, err = read_options(opts, FORMAT_DEFAULTS)
  if not o then raise_usage("bad argument #2 to 'format' (" .. err .. ")", 2) end
  local st = new_state(o)
  local doc = build(v, 0, st)
  measure(doc, st)
  local out = {}
  emit(doc, out, o, 0, 0, 0)
  return join(out, o.color)
end

-- One line, at most opts.width (default 80) characters.
function pp.summary(v, opts)
  local o, err = read_options(opts, SUMMARY_DEFAULTS)
  if not o then raise_usage("bad argument #2 to 'summary' (" .. err .. ")", 2) end
  local st = new_state(o)
  local doc = build(v, 0, st)
  measure(doc, st)
  local out = {}
  emit_flat(doc, out, false)
  truncate(out, o.width)
  return join(out, o.color)
end

-- pp(v, opts) prints; io.stdout is looked up on each call so it can be swapped.
setmetatable(pp, {
  __call = function(_, v, opts)
    local o, err = read_options(opts, FORMAT_DEFAULTS)
    if not o then raise_usage("bad argument #2 to 'pp' (" .. err .. ")", 2) end
    io.stdout:write(pp.format(v, o), "\n")
  end,
})

return pp
