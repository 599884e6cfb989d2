-- csv.lua: write (and read) RFC 4180 CSV files, in UTF-8.
--
--   local csv = require "csv"
--   local w <close> = csv.writer("out.csv", { columns = { "number", "name" }, sep = ";", bom = true })
--   w:write({ number = 12, name = "Élodie" })
--   w:write_all(rows)                    -- a list, or an iterator function
--   -- closing renames the finished temporary file onto out.csv
--
--   for record in csv.reader("out.csv", { sep = ";", columns = true }) do ... end
--
-- Writing to a path is atomic: rows go to "out.csv.tmp-<unique>" next to the
-- destination, and only close() renames it onto "out.csv". A script that dies
-- halfway leaves the old file untouched.

local csv = {}

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

local BOM = "\239\187\191" -- Excel needs it to read UTF-8 accents

---------------------------------------------------------------------------
-- Options

local WRITER_OPTIONS = { columns = "table", header = "boolean", sep = "string", eol = "string", bom = "boolean" }
local FORMAT_OPTIONS = { columns = "table", sep = "string" }
local READER_OPTIONS = { columns = "boolean", sep = "string" }

local function key_name(k)
  local tk = type(k)
  return (tk == "string" or tk == "number") and tostring(k) or tk
end

-- Checks opts against `allowed` and returns a complete options table,
-- or nil and an error message. Tables are read raw: no metamethod of the
-- caller's (a __pairs, __index or __tostring that raises) runs here.
local function read_options(opts, allowed)
  local problem
  opts, problem = args.read(opts, allowed)
  if not opts then return nil, problem end
  for k, v in next, opts do
    if type(v) ~= allowed[k] then
      return nil, string.format("option '%s' must be a %s, got %s", k, allowed[k], type(v))
    end
  end

  local o = { sep = opts.sep or ",", eol = opts.eol or "\r\n", bom = opts.bom or false }
  if #o.sep ~= 1 or o.sep:find('["\r\n]') then
    return nil, "option 'sep' must be a single character other than a quote or a line break"
  end
  if o.eol ~= "\r\n" and o.eol ~= "\n" then
    return nil, [[option 'eol' must be "\r\n" or "\n"]]
  end
  if allowed.columns == "table" and opts.columns then
    o.columns = {}
    for i = 1, rawlen(opts.columns) do
      local name = rawget(opts.columns, i)
      if type(name) ~= "string" or not utf8.len(name) then
        return nil, "option 'columns' must be a list of UTF-8 strings (item " .. i .. " is not)"
      end
      o.columns[i] = name -- a copy: later changes to the caller's list don't matter
    end
    if #o.columns == 0 then return nil, "option 'columns' is empty" end
  elseif allowed.columns == "boolean" then
    o.columns = opts.columns or false
  end
  if opts.header and not o.columns then return nil, "option 'header' needs 'columns'" end
  o.header = o.columns and opts.header ~= false
  return o
end

---------------------------------------------------------------------------
-- Fields and rows

-- The shortest of %.14g..%.17g that reads back as the same number, so 0.1
-- stays "0.1" and 3.0 becomes "3".
local function format_float(x)
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  local text
  for digits = 14, 17 do
    -- a host that set a French locale would give "0,1": force the dot
    text = string.format("%." .. digits .. "g", x):gsub(",", ".")
    if tonumber(text) == x then break end
  end
  return text
end

local function field_label(name)
  return type(name) == "number" and ("#" .. name) or ("'" .. name .. "'")
end

-- The text of one field, or nil and an error message.
local function field_text(v, name)
  local tv = type(v)
  if v == nil then return "" end
  if tv == "string" then
    local ok, bad_at = utf8.len(v)
    if not ok then
      return nil, string.format("field %s is not valid UTF-8 (byte %d)", field_label(name), bad_at)
    end
    return v
  end
  if tv == "boolean" then return tostring(v) end
  if tv == "number" then
    if math.type(v) == "integer" then return string.format("%d", v) end
    return format_float(v)
  end
  if tv == "table" then
    return nil, "field " .. field_label(name) .. " is a table; flatten it or use json.encode"
  end
  if tv == "userdata" then
    -- json.null and friends: userdata that print as "null" are empty fields
    local mt = getmetatable(v)
    if type(mt) == "table" and rawget(mt, "__tostring") then
      local ok, text = pcall(tostring, v)
      if ok and text == "null" then return "" end
      if ok and type(text) == "string" then return field_text(text, name) end
    end
  end
  return nil, "field " .. field_label(name) .. " is a " .. tv
end

local function quote_field(s, sep)
  if s:find(sep, 1, true) or s:find('["\r\n]') or s:sub(1, 1) == " " or s:sub(-1) == " " then
    return '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

-- The values of a row and their names: by column name, or by position.
local function row_values(row, o)
  if o.columns then
    local values = {}
    for i, name in ipairs(o.columns) do values[i] = rawget(row, name) end
    return values, o.columns, #o.columns
  end
  -- an array row; nils are allowed, so look for the last index ourselves
  local n = rawlen(row)
  for k in next, row do
    if math.type(k) ~= "integer" or k < 1 then
      return nil, "row has key '" .. key_name(k) .. "' but the writer has no columns"
    end
    if k > n then n = k end
  end
  return row, nil, n
end

-- One record without its end of line, or nil and an error message.
local function encode_row(row, o)
  if type(row) ~= "table" then return nil, "table expected, got " .. type(row) end
  local values, names, n = row_values(row, o)
  if not values then return nil, names end
  local fields = {}
  for i = 1, n do
    local text, err = field_text(values[i], names and names[i] or i)
    if not text then return nil, err end
    fields[i] = quote_field(text, o.sep)
  end
  -- a lone empty field would be a blank line, which readers skip
  if n == 1 and fields[1] == "" then return '""' end
  return table.concat(fields, o.sep)
end

---------------------------------------------------------------------------
-- The writer

local Writer = { __name = "csv.writer" }
Writer.__index = Writer

local function is_file(x)
  return io.type(x) == "file" or (type(x) == "table" and type(x.write) == "function")
end

local function put(w, text)
  local ok, err = w.file:write(text)
  if ok == nil and err then
    error("csv: cannot write " .. (w.path or "to file") .. ": " .. tostring(err), 0)
  end
end

-- Opens "<path>.tmp-<unique>" next to path. Returns its name and the file,
-- or nil and an error message.
local temp_counter = 0
local function open_temp(path)
  for _ = 1, 100 do
    temp_counter = temp_counter + 1
    local name = string.format("%s.tmp-%x-%x-%d", path, os.time(), math.random(0, 0xFFFFFF), temp_counter)
    local existing = io.open(name, "rb")
    if existing then
      existing:close()
    else
      local file, err = io.open(name, "wb")
      if not file then return nil, "csv: cannot create " .. name .. ": " .. err end
      return name, file
    end
  end
  return nil, "csv: cannot find a free temporary name next to " .. path
end

-- Returns a writer, or nil, an error message and the number of the bad
-- argument (nil when it is an I/O failure).
local function new_writer(target, opts)
  if type(target) ~= "string" and not is_file(target) then
    return nil, "string or file expected, got " .. (io.type(target) or type(target)), 1
  end
  local o, err = read_options(opts, WRITER_OPTIONS)
  if not o then return nil, err, 2 end

  local w = setmetatable({ count = 0, options = o }, Writer)
  if type(target) == "string" then
    local temp_path, file = open_temp(target)
    if not temp_path then return nil, file end
    w.path, w.temp_path, w.file = target, temp_path, file
  else
    w.file = target -- the caller's handle: written to, never closed
  end
  if o.bom then put(w, BOM) end
  if o.header then put(w, encode_row(o.columns, { sep = o.sep }) .. o.eol) end
  return w
end

local function fail(message, arg_number, fname)
  if not arg_number then error(message, 3) end
  raise_usage(string.format("bad argument #%d to '%s' (%s)", arg_number, fname, message), 3)
end

function csv.writer(target, opts)
  local w, err, arg_number = new_writer(target, opts)
  if not w then fail(err, arg_number, "writer") end
  return w
end

local function check_self(self, method)
  if getmetatable(self) ~= Writer then
    raise_usage(string.format("calling '%s' on bad self (csv writer expected, got %s)", method, type(self)), 3)
  end
  if self.closed then raise_usage("attempt to use a closed csv writer", 3) end
end

local function write_row(w, row)
  local line, err = encode_row(row, w.options)
  if not line then return nil, err end
  put(w, line .. w.options.eol)
  w.count = w.count + 1
  return true
end

-- rows: a list, or a function called until it returns nil.
local function write_rows(w, rows)
  local ok, err
  if type(rows) == "table" then
    for i = 1, rawlen(rows) do  -- raw: no __len or __index of the caller's runs here
      ok, err = write_row(w, rawget(rows, i))
      if not ok then return nil, "row " .. i .. ": " .. err end
    end
  elseif type(rows) == "function" then
    local i = 0
    for row in rows do
      i = i + 1
      ok, err = write_row(w, row)
      if not ok then return nil, "row " .. i .. ": " .. err end
    end
  else
    return nil, "table or function expected, got " .. type(rows)
  end
  return true
end

function Writer:write(row)
  check_self(self, "write")
  local ok, err = write_row(self, row)
  if not ok then raise_usage("bad argument #1 to 'write' (" .. err .. ")", 2) end
  return self
end

function Writer:write_all(rows)
  check_self(self, "write_all")
  local ok, err = write_rows(self, rows)
  if not ok then raise_usage("bad argument #1 to 'write_all' (" .. err .. ")", 2) end
  return self
end

-- Finishes the file: flush, close and rename the temporary file onto the
-- destination. A handle given by the caller is flushed and left open.
-- Returns the destination path (nil for a handle). Closing twice is harmless.
-- The work of close: true, or nil and a message (the temporary file is
-- then removed), so that each caller raises at its own caller's line.
local function commit(self)
  self.closed = true
  if not self.temp_path then
    if self.file.flush then self.file:flush() end
    return true
  end
  local flushed, err = self.file:flush()
  local closed, close_err = self.file:close()
  if not (flushed and closed) then
    os.remove(self.temp_path) -- half written: useless
    return nil, "csv: cannot write " .. self.path .. ": " .. tostring(err or close_err)
  end
  local renamed, rename_err = os.rename(self.temp_path, self.path)
  if not renamed then
    os.remove(self.temp_path)
    return nil, "csv: cannot rename " .. self.temp_path .. " to " .. self.path .. ": " .. tostring(rename_err)
  end
  return true
end

function Writer:close()
  if getmetatable(self) ~= Writer then
    raise_usage("calling 'close' on bad self (csv writer expected, got " .. type(self) .. ")", 2)
  end
  if self.closed then return self.path end
  local ok, err = commit(self)
  if not ok then error(err, 2) end
  if not self.temp_path then return nil end
  return self.path
end

-- Gives up: removes the temporary file and leaves the destination alone.
function Writer:abort()
  if getmetatable(self) ~= Writer then
    raise_usage("calling 'abort' on bad self (csv writer expected, got " .. type(self) .. ")", 2)
  end
  if self.closed then return end
  self.closed = true
  if self.temp_path then
    self.file:close()
    os.remove(self.temp_path)
  elseif self.file.flush then
    self.file:flush()
  end
end

-- `local w <close> = csv.writer(...)`: commit on a normal exit, abort when
-- the block is left by an error (Lua passes the error object as `err`).
function Writer:__close(err)
  if err ~= nil then self:abort() else self:close() end
end

function csv.format_row(fields, opts)
  local o, err = read_options(opts, FORMAT_OPTIONS)
  if not o then raise_usage("bad argument #2 to 'format_row' (" .. err .. ")", 2) end
  local line, row_err = encode_row(fields, o)
  if not line then raise_usage("bad argument #1 to 'format_row' (" .. row_err .. ")", 2) end
  return line
end

-- Writes all rows and closes; returns the number of data rows written.
-- On any error the destination is left untouched.
function csv.write(target, rows, opts)
  local w, err, arg_number = new_writer(target, opts)
  if not w then fail(err, arg_number and (arg_number == 2 and 3 or 1), "write") end
  local writer <close> = w -- aborts if anything below raises
  local ok, rows_err = write_rows(writer, rows)
  if not ok then raise_usage("bad argument #2 to 'write' (" .. rows_err .. ")", 2) end
  local committed, commit_err = commit(writer)
  if not committed then error(commit_err, 2) end
  return writer.count
end

---------------------------------------------------------------------------
-- The reader: reads the whole input, then yields one record at a time.

local function line_at(text, pos)
  local _, newlines = text:sub(1, pos - 1):gsub("\n", "")
  return newlines + 1
end

-- source: a path, CSV text (any string containing a line break), or an open
-- file. Records are arrays of strings; with columns = true the first record
-- is the header and the others are tables keyed by it. Blank lines are skipped.
function csv.reader(source, opts)
  local o, err = read_options(opts, READER_OPTIONS)
  if not o then raise_usage("bad argument #2 to 'reader' (" .. err .. ")", 2) end

  local text
  if type(source) == "string" and source:find("[\r\n]") then
    text = source
  elseif type(source) == "string" then
    local file, open_err = io.open(source, "rb")
    if not file then error("csv: " .. open_err, 2) end
    local read_err
    text, read_err = file:read("a")
    file:close()
    -- a folder opens, but cannot be read
    if not text then error("csv: cannot read " .. source .. ": " .. tostring(read_err), 2) end
  elseif io.type(source) == "file" then
    local read_err
    text, read_err = source:read("a")
    if not text then error("csv: cannot read the file: " .. tostring(read_err or "not open for reading"), 2) end
  else
    raise_usage("bad argument #1 to 'reader' (string or file expected, got "
      .. (io.type(source) or type(source)) .. ")", 2)
  end

  local sep = o.sep
  local field_end = "[" .. sep:gsub("%p", "%%%0") .. "\r\n]"
  local pos = text:sub(1, 3) == BOM and 4 or 1

  -- Returns the next record, nil at the end, or false and a message.
  local function next_record()
    while true do -- skip blank lines
      local after = text:match("^\r?\n()", pos) or text:match("^\r()", pos)
      if not after then break end
      pos = after
    end
    if pos > #text then return nil end
    local fields = {}
    while true do
      local field
      if text:sub(pos, pos) == '"' then
        local parts, p = {}, pos + 1
        while true do
          local quote = text:find('"', p, true)
          if not quote then
            return false, "csv: unterminated quoted field at line " .. line_at(text, pos)
          end
          parts[#parts + 1] = text:sub(p, quote - 1)
          if text:sub(quote + 1, quote + 1) == '"' then -- "" is an escaped quote
            parts[#parts + 1] = '"'
            p = quote + 2
          else
            p = quote + 1
            break
          end
        end
        field, pos = table.concat(parts), p
      else
        local stop = text:find(field_end, pos) or #text + 1
        field, pos = text:sub(pos, stop - 1), stop
      end
      fields[#fields + 1] = field

      local c = text:sub(pos, pos)
      if c == sep then
        pos = pos + 1
      elseif c == "\n" or c == "" then
        pos = pos + 1
        return fields
      elseif c == "\r" then
        pos = pos + (text:sub(pos + 1, pos + 1) == "\n" and 2 or 1)
        return fields
      else
        return false, "csv: unexpected character after a quoted field at line " .. line_at(text, pos)
      end
    end
  end

  local header
  if o.columns then
    local first, header_err = next_record()
    if first == false then error(header_err, 2) end
    header = first or {}
  end

  return function()
    local fields, record_err = next_record()
    if fields == false then error(record_err, 2) end
    if not fields or not header then return fields end
    local row = {}
    for i, name in ipairs(header) do row[name] = fields[i] end
    return row
  end
end

return csv
