-- Tests for stdlib/csv.lua. Run from the repository root:
--   lua5.4 -e 'package.path="Tests/lua/?.lua;stdlib/?.lua;"..package.path' Tests/lua/csv_test.lua
-- Prints "ok <n> tests", or raises an error listing the failures.

local csv = require "csv"

local t = require "testing"
local test, eq, contains, raises = t.test, t.eq, t.contains, t.raises
local error_text, read_file, write_file, exists = t.error_text, t.read_file, t.write_file, t.exists

-- A fresh .csv path in the temp directory (removed by t.finish).
local function temp_path() return t.temp_path(".csv") end

-- Temp files made by the writer itself, removed at the end whatever happens.
local cleanup = {}

-- A file-like sink that collects what is written.
local function sink()
  local parts = {}
  return {
    write = function(_, ...) for _, s in ipairs({ ... }) do parts[#parts + 1] = s end return true end,
    text = function() return table.concat(parts) end,
  }
end

local row = csv.format_row

---------------------------------------------------------------------------
-- Fields

test("plain fields", function()
  eq(row({ "a", "b", "c" }), "a,b,c")
end)

test("quoting: separator, quote, CR, LF", function()
  eq(row({ "a,b" }), '"a,b"')
  eq(row({ 'say "hi"' }), '"say ""hi"""')
  eq(row({ "line\nbreak" }), '"line\nbreak"')
  eq(row({ "cr\rhere" }), '"cr\rhere"')
  eq(row({ "x", '"' }), 'x,""""')
end)

test("quoting: leading and trailing spaces", function()
  eq(row({ " lead", "trail ", "in side" }), '" lead","trail ",in side')
end)

test("empty fields and nil", function()
  eq(row({ "", "x", "" }), ",x,")
  eq(row({ nil, "x", nil }), ",x")
  eq(row({ [1] = "a", [3] = "c" }), "a,,c", "holes are empty fields")
  eq(row({ "" }), '""', "a lone empty field is not a blank line")
  eq(row({}), "")
end)

test("json.null-like userdata is an empty field", function()
  -- io.stdout stands in for a userdata; give it a "null" tostring for a moment
  local mt = getmetatable(io.stdout)
  local saved = mt.__tostring
  mt.__tostring = function() return "null" end
  local ok, text = pcall(row, { "a", io.stdout, "b" })
  mt.__tostring = saved
  assert(ok, text)
  eq(text, "a,,b")
end)

test("booleans and integers", function()
  eq(row({ true, false, 0, -12, 1234567890123, math.mininteger }),
    "true,false,0,-12,1234567890123," .. math.mininteger)
end)

test("floats: shortest form that reads back", function()
  eq(row({ 0.1 }), "0.1")
  eq(row({ 1e300 }), "1e+300")
  eq(row({ 3.0 }), "3", "no .0")
  eq(row({ -2.5 }), "-2.5")
  eq(row({ 0.1 + 0.2 }), "0.30000000000000004")
  eq(row({ 1 / 3 }), "0.3333333333333333")
  eq(tonumber(row({ 1 / 3 })), 1 / 3, "round trip")
  eq(row({ 123456.789 }), "123456.789")
end)

test("UTF-8 accents as is", function()
  eq(row({ "Élodie", "crème brûlée", "«€»" }), "Élodie,crème brûlée,«€»")
end)

test("semicolon separator", function()
  eq(row({ "1,5", "a;b", "c" }, { sep = ";" }), '1,5;"a;b";c')
  eq(row({ "a\tb", "c" }, { sep = "\t" }), '"a\tb"\tc')
end)

test("format_row with columns", function()
  eq(row({ name = "x", n = 1 }, { columns = { "n", "name", "missing" } }), "1,x,")
end)

---------------------------------------------------------------------------
-- Errors

test("table field", function()
  local w = csv.writer(sink(), { columns = { "x" } })
  raises(function() w:write({ x = { 1 } }) end,
    "bad argument #1 to 'write' (field 'x' is a table; flatten it or use json.encode)")
  local plain = csv.writer(sink())
  raises(function() plain:write({ "a", {} }) end, "(field #2 is a table; flatten it or use json.encode)")
  raises(function() row({ {} }) end, "bad argument #1 to 'format_row' (field #1 is a table")
  eq(w.count, 0, "the bad row was not counted")
end)

test("other bad field types", function()
  raises(function() row({ print }) end, "field #1 is a function")
end)

test("invalid UTF-8", function()
  local w = csv.writer(sink(), { columns = { "name" } })
  raises(function() w:write({ name = "ab\255" }) end,
    "bad argument #1 to 'write' (field 'name' is not valid UTF-8 (byte 3))")
  raises(function() w:write_all({ { name = "ok" }, { name = "\192\128" } }) end,
    "bad argument #1 to 'write_all' (row 2: field 'name' is not valid UTF-8")
  raises(function() csv.writer(sink(), { columns = { "bad\255" } }) end, "option 'columns'")
end)

test("unknown option", function()
  raises(function() csv.writer(sink(), { sepp = ";" }) end,
    "bad argument #2 to 'writer' (unknown option 'sepp'; did you mean 'sep'? options are bom, columns, eol, header, sep)")
  raises(function() row({ 1 }, { bom = true }) end, "bad argument #2 to 'format_row' (unknown option 'bom'; options are columns, sep)")
  raises(function() csv.write(sink(), {}, { colums = {} }) end, "bad argument #3 to 'write' (unknown option 'colums'; did you mean 'columns'?")
  raises(function() csv.reader("a\n", { eol = "\n" }) end, "bad argument #2 to 'reader' (unknown option 'eol'; options are columns, sep)")
  raises(function() csv.reader("a\n", { [1] = true }) end, "bad argument #2 to 'reader' (unknown option '1'; options are columns, sep)")
end)

test("bad arguments", function()
  raises(function() csv.writer(42) end, "bad argument #1 to 'writer' (string or file expected, got number)")
  raises(function() csv.writer(sink(), 1) end, "bad argument #2 to 'writer' (table expected, got number)")
  raises(function() csv.writer(sink(), { sep = ";;" }) end, "option 'sep' must be a single character")
  raises(function() csv.writer(sink(), { sep = '"' }) end, "option 'sep' must be a single character")
  raises(function() csv.writer(sink(), { eol = "\r" }) end, "option 'eol'")
  raises(function() csv.writer(sink(), { header = true }) end, "option 'header' needs 'columns'")
  raises(function() csv.writer(sink(), { columns = 1 }) end, "option 'columns' must be a table, got number")
  local w = csv.writer(sink())
  raises(function() w:write("a,b") end, "bad argument #1 to 'write' (table expected, got string)")
  raises(function() w:write({ name = "x" }) end, "row has key 'name' but the writer has no columns")
  raises(function() w.write({ "a" }) end, "calling 'write' on bad self")
  raises(function() w:write_all(5) end, "bad argument #1 to 'write_all' (table or function expected, got number)")
  local closed_file = io.tmpfile()
  closed_file:close()
  raises(function() csv.writer(closed_file) end, "got closed file")
end)

test("errors point at the caller", function()
  local saved = rawget(_G, "guichet")
  rawset(_G, "guichet", nil)
  local ok, err = pcall(function() csv.writer(sink(), { nope = 1 }) end)
  local ok2, err2 = pcall(function() csv.writer(sink()):write({ {} }) end)
  rawset(_G, "guichet", saved)
  assert(not ok and not ok2)
  contains(err, "csv_test.lua:", "writer")
  contains(err2, "csv_test.lua:", "write")
end)

test("writing after close", function()
  local w = csv.writer(sink())
  w:close()
  raises(function() w:write({ 1 }) end, "attempt to use a closed csv writer")
end)

---------------------------------------------------------------------------
-- Writers

test("writing to a file handle", function()
  local file = io.tmpfile()
  local w = csv.writer(file, { columns = { "a", "b" } })
  w:write({ a = 1, b = "x" })
  eq(w:close(), nil, "no path for a handle")
  eq(io.type(file), "file", "the handle is left open")
  file:seek("set")
  eq(file:read("a"), "a,b\r\n1,x\r\n")
  file:close()
end)

test("columns, header and count", function()
  local out = sink()
  local w = csv.writer(out, { columns = { "number", "name" } })
  w:write({ number = 1, name = "Élodie", ignored = "extra keys are ignored" })
  w:write({ number = 2 })
  eq(w.count, 2, "header not counted")
  eq(out.text(), "number,name\r\n1,Élodie\r\n2,\r\n")
end)

test("header = false", function()
  local out = sink()
  csv.writer(out, { columns = { "a" }, header = false }):write({ a = 1 })
  eq(out.text(), "1\r\n")
end)

test("header names are quoted when needed", function()
  local out = sink()
  csv.writer(out, { columns = { "nom; prénom", "n" }, sep = ";" })
  eq(out.text(), '"nom; prénom";n\r\n')
end)

test("bom and eol", function()
  local out = sink()
  local w = csv.writer(out, { bom = true, eol = "\n", sep = ";" })
  w:write({ "é", 1 })
  eq(out.text(), "\239\187\191é;1\n")
end)

test("write_all with a list and an iterator", function()
  local out = sink()
  local w = csv.writer(out)
  w:write_all({ { 1, 2 }, { 3, 4 } })
  local i = 0
  w:write_all(function()
    i = i + 1
    if i <= 2 then return { "it", i } end
  end)
  eq(w.count, 4)
  eq(out.text(), "1,2\r\n3,4\r\nit,1\r\nit,2\r\n")
  eq(w:write({ 5 }), w, "write returns the writer")
end)

test("atomic write to a path", function()
  local path = temp_path()
  local w = csv.writer(path, { columns = { "a" } })
  local temp = w.temp_path
  cleanup[#cleanup + 1] = temp
  eq(temp:sub(1, #path + 5), path .. ".tmp-", "temp file next to the destination")
  eq(exists(path), false, "nothing at the destination before close")
  w:write({ a = "x" })
  eq(w:close(), path)
  eq(exists(temp), false, "temp file gone after close")
  eq(read_file(path), "a\r\nx\r\n")
  eq(w:close(), path, "closing twice is harmless")
end)

test("<close> commits on a normal exit", function()
  local path = temp_path()
  do
    local w <close> = csv.writer(path)
    w:write({ "done" })
  end
  eq(read_file(path), "done\r\n")
end)

test("<close> keeps the destination when the block fails", function()
  local path = temp_path()
  write_file(path, "old content\n")
  local temp
  local ok, err = pcall(function()
    local w <close> = csv.writer(path)
    temp = w.temp_path
    cleanup[#cleanup + 1] = temp
    w:write({ "new" })
    error("boom")
  end)
  assert(not ok and error_text(err):find("boom"), "the error goes through")
  eq(read_file(path), "old content\n", "destination unchanged")
  eq(exists(temp), false, "temp file removed")
end)

test("an unclosed writer never touches the destination", function()
  local path = temp_path()
  write_file(path, "old\n")
  local w = csv.writer(path)
  cleanup[#cleanup + 1] = w.temp_path
  w:write({ "half" })
  eq(read_file(path), "old\n")
  w:abort()
  eq(exists(w.temp_path), false, "abort removes the temp file")
  eq(read_file(path), "old\n")
end)

test("csv.write convenience", function()
  local path = temp_path()
  eq(csv.write(path, { { "a", "b" }, { 1, 2 } }, { sep = ";" }), 2)
  eq(read_file(path), "a;b\r\n1;2\r\n")
end)

test("csv.write leaves nothing behind on error", function()
  local path = temp_path()
  write_file(path, "old\n")
  -- watch os.remove to learn the temp file's name
  local removed, real_remove = {}, os.remove
  os.remove = function(name) removed[#removed + 1] = name; return real_remove(name) end
  local ok, err = pcall(csv.write, path, { { 1 }, { {} } })
  os.remove = real_remove
  eq(ok, false)
  contains(error_text(err), "bad argument #2 to 'write' (row 2: field #1 is a table")
  eq(read_file(path), "old\n")
  eq(#removed, 1, "one temp file removed")
  eq(removed[1]:sub(1, #path + 5), path .. ".tmp-")
  eq(exists(removed[1]), false)
end)

test("cannot create the file", function()
  raises(function() csv.writer("/nonexistent-dir-for-csv-test/x.csv") end, "cannot create")
end)

---------------------------------------------------------------------------
-- Reader

local function read_all(source, opts)
  local records = {}
  for record in csv.reader(source, opts) do records[#records + 1] = record end
  return records
end

test("reader: quoted fields, CRLF and LF, blank lines", function()
  local records = read_all('a,b\r\n"x\r\ny","say ""hi"""\n\n,last,\n')
  eq(#records, 3)
  eq(records[2][1], "x\r\ny")
  eq(records[2][2], 'say "hi"')
  eq(table.concat(records[3], "|"), "|last|")
end)

test("reader: BOM, separator and columns", function()
  local records = read_all("\239\187\191nom;âge\r\nÉlodie;33\r\n", { sep = ";", columns = true })
  eq(#records, 1)
  eq(records[1]["nom"], "Élodie")
  eq(records[1]["âge"], "33")
end)

test("reader: round trip through a file", function()
  local path = temp_path()
  local rows = { { "a,b", 'q"q', "multi\nline", " x ", "", "é" } }
  csv.write(path, rows, { bom = true })
  local back = read_all(path)
  eq(#back, 1)
  for i, v in ipairs(rows[1]) do eq(back[1][i], v, "field " .. i) end
  local file = assert(io.open(path, "rb"))
  eq(#read_all(file), 1, "from a file handle")
  file:close()
end)

test("reader: malformed input", function()
  raises(function() read_all('a,"open\n') end, "unterminated quoted field at line 1")
  raises(function() read_all('ok\n"a"b\n') end, "unexpected character after a quoted field at line 2")
  raises(function() read_all("/nonexistent-dir-for-csv-test/x.csv") end, "No such file")
end)

---------------------------------------------------------------------------

test("csv.write onto a folder fails at the caller's line and leaves no temporary file", function()
  local dir = temp_path()
  assert(os.execute("mkdir -p '" .. dir .. "/target'"))
  local ok, err = pcall(csv.write, dir .. "/target", { { 1 } })
  eq(ok, false)
  contains(error_text(err), "csv: cannot rename", "message")
  eq(error_text(err):find("csv.lua:", 1, true), nil, "position inside csv.lua: " .. error_text(err))
  local listing = io.popen("ls -A '" .. dir .. "'"):read("a")
  eq(listing, "target\n", "only the folder is left")
  os.execute("rm -rf '" .. dir .. "'")
end)

test("a folder given as the file to read is a clear error", function()
  raises(function() csv.reader(".") end, "csv: cannot read .")
end)

test("the module creates no globals", function()
  local before = {}
  for k in pairs(_G) do before[k] = true end
  package.loaded.csv = nil
  local fresh = require "csv"
  fresh.format_row({ 1 })
  for k in pairs(_G) do assert(before[k], "new global: " .. tostring(k)) end
  package.loaded.csv = csv
end)

for _, path in ipairs(cleanup) do os.remove(path) end

t.finish()
