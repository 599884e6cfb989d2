-- Tests for stdlib/pp.lua. Run from the repository root:
--   lua5.4 -e 'package.path="Tests/lua/?.lua;stdlib/?.lua;"..package.path' Tests/lua/pp_test.lua
-- Prints "ok <n> tests", or raises an error listing the failures.

local pp = require "pp"

local t = require "testing"
local test, eq, contains, raises, show = t.test, t.eq, t.contains, t.raises, t.show

-- Runs fn with the global `guichet` replaced by `value` (nil: no host).
local function with_guichet(value, fn)
  local saved = rawget(_G, "guichet")
  rawset(_G, "guichet", value)
  local ok, err = pcall(fn)
  rawset(_G, "guichet", saved)
  if not ok then error(err, 0) end
end

local function plain(v, opts)
  opts = opts or {}
  opts.color = false
  return pp.format(v, opts)
end

---------------------------------------------------------------------------
-- Scalars

test("nil and booleans", function()
  eq(plain(nil), "nil")
  eq(plain(true), "true")
  eq(plain(false), "false")
end)

test("integers and floats", function()
  eq(plain(1), "1")
  eq(plain(-42), "-42")
  eq(plain(1.0), "1.0")
  eq(plain(0.1), "0.1")
  eq(plain(-0.0), "-0.0")
  eq(plain(1e300), "1e+300")
  eq(plain(math.maxinteger), tostring(math.maxinteger))
end)

test("inf and nan", function()
  eq(plain(math.huge), "math.huge")
  eq(plain(-math.huge), "-math.huge")
  eq(plain(0 / 0), "0/0")
end)

test("strings are quoted and escaped", function()
  eq(plain("hello"), '"hello"')
  eq(plain('say "hi"'), '"say \\"hi\\""')
  eq(plain("back\\slash"), '"back\\\\slash"')
  eq(plain("a\nb\tc\rd\0e"), '"a\\nb\\tc\\rd\\0e"')
  eq(plain("\1" .. "2"), '"\\0012"', "a digit after a decimal escape")
  eq(plain("\27[31m"), '"\\27[31m"', "escape sequences are neutralised")
  eq(plain("del\127"), '"del\\127"')
end)

test("UTF-8 is printed as is", function()
  eq(plain("Élodie «€» ñ 日本"), '"Élodie «€» ñ 日本"')
end)

test("invalid UTF-8 and C1 controls are escaped", function()
  eq(plain("a\255b"), '"a\\255b"')
  eq(plain("\195"), '"\\195"', "truncated sequence")
  eq(plain("\192\128"), '"\\192\\128"', "overlong encoding")
  eq(plain("x\194\133y"), '"x\\u{85}y"', "U+0085 NEL")
end)

test("functions, threads and userdata get numbers per type", function()
  local f, g = function() end, function() end
  local co = coroutine.create(f)
  eq(plain({ f, g, f, co }), "{ <function 1>, <function 2>, <function 1>, <thread 1> }")
  eq(plain(print), "<function 1>", "numbers restart on each call")
end)

test("userdata with __tostring is shown with tostring", function()
  local text = plain(io.stdout)
  assert(text:match("^file %("), "expected tostring(io.stdout), got " .. show(text))
end)

test("a __tostring metamethod on non-table values is used, safely", function()
  if not (debug and debug.setmetatable) then return end
  local saved = debug.getmetatable(print)
  debug.setmetatable(print, { __tostring = function() return "null" end })
  local ok, text = pcall(plain, { print })
  debug.setmetatable(print, { __tostring = function() error("boom") end })
  local ok2, text2 = pcall(plain, print)
  debug.setmetatable(print, saved)
  assert(ok, text)
  eq(text, "{ null }")
  assert(ok2, text2)
  eq(text2, "<function 1>", "a failing __tostring falls back")
end)

---------------------------------------------------------------------------
-- Tables

test("empty table", function()
  eq(plain({}), "{}")
end)

test("array, then sorted keys", function()
  eq(plain({ 1, 2, "three", name = "Élodie", ["with space"] = true, [10] = 5 }),
    '{ 1, 2, "three", [10] = 5, name = "Élodie", ["with space"] = true }')
end)

test("key order: numbers, strings, booleans, others", function()
  local t = {
    "x", [true] = 1, [false] = 2, b = 3, a = 4, [2.5] = 5, [10] = 6, [-1] = 7,
    ["with space"] = 8, B = 9, [print] = 10,
  }
  eq(plain(t, { width = math.huge }),
    '{ "x", [-1] = 7, [2.5] = 5, [10] = 6, B = 9, a = 4, b = 3, ["with space"] = 8,'
    .. ' [false] = 2, [true] = 1, [<function 1>] = 10 }')
end)

test("holes end the array part", function()
  eq(plain({ 1, 2, nil, 4 }), "{ 1, 2, [4] = 4 }")
end)

test("keywords and odd strings are bracketed keys", function()
  eq(plain({ ["end"] = 1, _ok = 2, ["1a"] = 3, [""] = 4 }),
    '{ [""] = 4, ["1a"] = 3, _ok = 2, ["end"] = 1 }')
end)

test("table keys", function()
  eq(plain({ [{ 1 }] = true }), "{ [{ 1 }] = true }")
end)

test("nested tables", function()
  eq(plain({ a = { b = { 1, 2 } }, c = {} }), "{ a = { b = { 1, 2 } }, c = {} }")
end)

test("cycles", function()
  local t = { name = "root" }
  t.self = t
  eq(plain(t), '<1>{ name = "root", self = <table 1> }')
end)

test("shared tables", function()
  local shared = { 1 }
  eq(plain({ a = shared, b = shared, c = { shared } }),
    "{ a = <1>{ 1 }, b = <table 1>, c = { <table 1> } }")
end)

test("shared tables are numbered in display order", function()
  local x, y = { "x" }, { "y" }
  eq(plain({ x, y, y, x }), '{ <1>{ "x" }, <2>{ "y" }, <table 2>, <table 1> }')
end)

test("__name prefix", function()
  local dossier = setmetatable({ number = 12345 }, { __name = "Dossier" })
  eq(plain(dossier), "Dossier { number = 12345 }")
  eq(plain({ setmetatable({}, { __name = "Empty" }) }), "{ Empty {} }")
  eq(plain(setmetatable({}, { __name = 42 })), "{}", "a non-string __name is ignored")
end)

test("metatables option", function()
  local mt = { __index = {} }
  local t = setmetatable({ a = 1 }, mt)
  eq(plain(t), "{ a = 1 }", "hidden by default")
  eq(plain(t, { metatables = true }), "{ a = 1, <metatable> = { __index = {} } }")
end)

test("metamethods are never called", function()
  local function boom() error("a metamethod was called") end
  local mt = {
    __index = boom, __newindex = boom, __pairs = boom, __len = boom,
    __tostring = boom, __eq = boom, __lt = boom, __le = boom, __concat = boom,
    __call = boom, __name = "Trap",
  }
  local t = setmetatable({ 1, 2, x = "y" }, mt)
  eq(plain(t), 'Trap { 1, 2, x = "y" }')
  eq(plain({ [t] = t }), "{ [<1>Trap { 1, 2, x = \"y\" }] = <table 1> }")
  eq(plain(t, { metatables = true, width = math.huge }):match("^Trap { 1, 2, x = \"y\", <metatable> = {") ~= nil, true)
  eq(pp.summary(t, { color = false }), 'Trap { 1, 2, x = "y" }')
end)

test("a protected metatable is still read", function()
  if not (debug and debug.getmetatable) then return end
  local t = setmetatable({}, { __name = "Locked", __metatable = "no" })
  eq(plain(t), "Locked {}")
end)

---------------------------------------------------------------------------
-- Limits

test("depth limit with a hint", function()
  local t = { a = { b = { c = { d = { e = 1 } } } } }
  eq(plain(t), "{ a = { b = { c = { d = {… 1 key} } } } }", "default depth 4")
  eq(plain(t, { depth = 2 }), "{ a = { b = {… 1 key} } }")
  eq(plain({ { 1, 2, 3 } }, { depth = 1 }), "{ {… 3 keys} }")
  eq(plain({ 1 }, { depth = 0 }), "{… 1 key}")
  eq(plain({ {} }, { depth = 1 }), "{ {} }", "empty tables are shown")
  eq(plain({ setmetatable({ 1 }, { __name = "Dossier" }) }, { depth = 1 }), "{ Dossier {… 1 key} }")
end)

test("max_items with a trailing hint", function()
  local t = {}
  for i = 1, 60 do t[i] = i end
  t.extra = true
  local text = plain(t, { max_items = 3 })
  eq(text, "{ 1, 2, 3, … 58 more }")
  eq(plain({ a = 1, b = 2, c = 3 }, { max_items = 2 }), "{ a = 1, b = 2, … 1 more }")
  local default = plain(t, { width = math.huge })
  contains(default, "49, 50, … 11 more }", "default max_items is 50")
end)

test("max_string cuts on a character boundary", function()
  eq(plain("abcdef", { max_string = 3 }), '"abc"… (6 chars)')
  eq(plain("éèêë", { max_string = 2 }), '"éè"… (4 chars)', "never half a character")
  eq(plain("日本語テキスト", { max_string = 3 }), '"日本語"… (7 chars)')
  eq(plain("abc", { max_string = 3 }), '"abc"', "exactly at the limit")
  eq(plain("a\255bcd", { max_string = 2 }), '"a\\255"… (5 bytes)', "invalid UTF-8 counts bytes")
  local long = string.rep("x", 250)
  eq(plain(long), '"' .. string.rep("x", 200) .. '"… (250 chars)', "default 200")
end)

---------------------------------------------------------------------------
-- Layout

test("one line when it fits", function()
  eq(plain({ a = 1, b = { 1, 2 } }), "{ a = 1, b = { 1, 2 } }")
end)

test("one item per line when it does not fit", function()
  local t = { alpha = "aaaaaaaaaa", beta = "bbbbbbbbbb", gamma = { 1, 2, 3 } }
  eq(plain(t, { width = 30 }), table.concat({
    "{",
    '  alpha = "aaaaaaaaaa",',
    '  beta = "bbbbbbbbbb",',
    "  gamma = { 1, 2, 3 }",
    "}",
  }, "\n"))
end)

test("nested layout uses the remaining width", function()
  local t = { outer = { first = "1234567890", second = "1234567890" } }
  local one_line = '{ outer = { first = "1234567890", second = "1234567890" } }'
  eq(plain(t, { width = 59 }), one_line, "59 characters fit in 59")
  -- the inner line is 57 characters
  eq(plain(t, { width = 58 }), table.concat({
    "{",
    '  outer = { first = "1234567890", second = "1234567890" }',
    "}",
  }, "\n"))
  eq(plain(t, { width = 56 }), table.concat({
    "{",
    "  outer = {",
    '    first = "1234567890",',
    '    second = "1234567890"',
    "  }",
    "}",
  }, "\n"))
end)

test("the trailing comma counts toward the width", function()
  -- '  a = { 1, 2 }' is 14 characters, 15 with its comma
  eq(plain({ a = { 1, 2 }, b = 1 }, { width = 14 }), table.concat({
    "{", "  a = {", "    1,", "    2", "  },", "  b = 1", "}",
  }, "\n"))
end)

test("custom indent", function()
  eq(plain({ a = 1, b = 2 }, { width = 5, indent = "\t" }), "{\n\ta = 1,\n\tb = 2\n}")
end)

test("width counts code points, not bytes", function()
  -- '{ name = "' + 67 characters + '" }' is exactly 80 characters
  local fits = { name = string.rep("é", 67) }
  eq(plain(fits), '{ name = "' .. string.rep("é", 67) .. '" }')
  local too_long = { name = string.rep("é", 68) }
  eq(plain(too_long), '{\n  name = "' .. string.rep("é", 68) .. '"\n}')
end)

---------------------------------------------------------------------------
-- Colour

test("colour on", function()
  local text = pp.format({ 1, "a", true }, { color = true })
  eq(text, "{ \27[36m1\27[0m, \27[32m\"a\"\27[0m, \27[33mtrue\27[0m }")
  eq(pp.format(nil, { color = true }), "\27[33mnil\27[0m")
end)

test("colour: keys default, hints dim, names bold", function()
  local shared = {}
  local t = setmetatable({ x = shared, y = shared }, { __name = "Obj" })
  eq(pp.format(t, { color = true }),
    "\27[1mObj\27[0m { x = \27[2m<1>\27[0m{}, y = \27[2m<table 1>\27[0m }")
  eq(pp.format({ ["a b"] = 1 }, { color = true }), '{ ["a b"] = \27[36m1\27[0m }')
  eq(pp.format({ { 1 } }, { color = true, depth = 1 }), "{ \27[2m{… 1 key}\27[0m }")
end)

test("colour does not change the layout", function()
  local t = { name = string.rep("é", 67) }
  local colored = pp.format(t, { color = true })
  eq(colored:find("\n"), nil, "still one line")
end)

test("colour off", function()
  local text = pp.format({ 1, "a", true }, { color = false })
  eq(text:find("\27", 1, true), nil)
end)

test("default: no colour without a host", function()
  with_guichet(nil, function()
    eq(pp.format({ 1, "a" }), '{ 1, "a" }')
    eq(pp.summary({ 1, "a" }), '{ 1, "a" }')
  end)
end)

test("default: colour on a terminal unless NO_COLOR", function()
  local no_color = os.getenv("NO_COLOR")
  local expect_color = no_color == nil or no_color == ""
  with_guichet({ isatty = function(fd) return fd == 1 end }, function()
    local text = pp.format("a")
    eq(text:find("\27", 1, true) ~= nil, expect_color, "colour with NO_COLOR=" .. tostring(no_color))
    eq(pp.format("a", { color = false }), '"a"', "color=false wins")
  end)
  with_guichet({ isatty = function() return false end }, function()
    eq(pp.format("a"), '"a"', "not a terminal")
  end)
  eq(pp.format("a", { color = true }), '\27[32m"a"\27[0m', "color=true wins")
end)

---------------------------------------------------------------------------
-- summary and printing

test("summary is one line", function()
  local t = { a = { b = { c = 1 } }, list = { 1, 2, 3 } }
  eq(pp.summary(t, { color = false }), "{ a = { b = { c = 1 } }, list = { 1, 2, 3 } }")
  local text = pp.summary({ s = "multi\nline" }, { color = false })
  eq(text:find("\n"), nil)
end)

test("summary truncates past 80 characters", function()
  local t = {}
  for i = 1, 100 do t[i] = i end
  local text = pp.summary(t, { color = false })
  eq(utf8.len(text), 80)
  eq(text:sub(-3), "…", "ends with an ellipsis")
  eq(text:sub(1, 12), "{ 1, 2, 3, 4")
  local accents = pp.summary(string.rep("é", 100), { color = false, max_string = 1000 })
  eq(utf8.len(accents), 80, "counts characters")
  assert(utf8.len(accents), "still valid UTF-8")
  eq(pp.summary(42, { color = false }), "42")
end)

test("summary keeps colour when asked", function()
  local text = pp.summary({ 1 }, { color = true })
  eq(text, "{ \27[36m1\27[0m }")
end)

test("pp prints format and a newline", function()
  local written = {}
  local saved = io.stdout
  io.stdout = { write = function(_, ...) for _, s in ipairs({ ... }) do written[#written + 1] = s end end }
  local ok, result = pcall(pp, { 1, 2 }, { color = false })
  io.stdout = saved
  assert(ok, result)
  eq(result, nil, "returns nothing")
  eq(table.concat(written), "{ 1, 2 }\n")
end)

---------------------------------------------------------------------------
-- Errors

test("unknown option", function()
  raises(function() pp.format(1, { depht = 2 }) end, "bad argument #2 to 'format' (unknown option 'depht'; did you mean 'depth'? options are color,")
  raises(function() pp(1, { colour = true }) end, "bad argument #2 to 'pp' (unknown option 'colour'; did you mean 'color'?")
  raises(function() pp.summary(1, { x = 1 }) end,
    "bad argument #2 to 'summary' (unknown option 'x'; options are color, depth, indent, max_items, max_string, metatables, width)")
end)

test("bad option values", function()
  raises(function() pp.format(1, 5) end, "bad argument #2 to 'format' (table expected, got number)")
  raises(function() pp.format(1, { depth = "2" }) end, "option 'depth' must be a number, got string")
  raises(function() pp.format(1, { width = -1 }) end, "option 'width' must not be negative")
  raises(function() pp.format(1, { color = 1 }) end, "option 'color' must be a boolean, got number")
end)

test("errors point at the caller", function()
  with_guichet(nil, function()
    local ok, err = pcall(function() pp.format(1, { nope = 1 }) end)
    assert(not ok)
    contains(err, "pp_test.lua:", "position of the bad call")
  end)
end)

test("the module creates no globals", function()
  local before = {}
  for k in pairs(_G) do before[k] = true end
  package.loaded.pp = nil
  local fresh = require "pp"
  fresh.format({ 1 })
  for k in pairs(_G) do assert(before[k], "new global: " .. tostring(k)) end
  package.loaded.pp = pp
end)

---------------------------------------------------------------------------

t.finish()
