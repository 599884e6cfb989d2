-- JSON conformance: valid and invalid documents, types, sentinels, errors.
local t = require "testing"
local test, eq, raises = t.test, t.eq, t.raises

local function roundtrip(text, expected)
  return json.encode(json.decode(text), { sort_keys = true }), expected or text
end

test("scalars keep their Lua types", function()
  eq(json.decode("0"), 0)
  eq(json.decode("-0"), 0)
  eq(json.decode("42"), 42)
  eq(json.decode("-17"), -17)
  eq(json.decode("9223372036854775807"), math.maxinteger)
  eq(json.decode("-9223372036854775808"), math.mininteger)
  eq(json.decode("9223372036854775808"), 9223372036854775808.0, "too large: a float, as Lua reads it")
  eq(json.decode("1.5"), 1.5)
  eq(json.decode("1.0"), 1.0)
  eq(json.decode("-2.5e3"), -2500.0)
  eq(json.decode("1E2"), 100.0)
  eq(json.decode("1e-2"), 0.01)
  eq(json.decode("true"), true)
  eq(json.decode("false"), false)
  eq(json.decode("null"), json.null)
  eq(json.decode('"x"'), "x")
  eq(json.decode("  \t\r\n 7 \n"), 7)
end)

test("strings: escapes, \\u, surrogate pairs, UTF-8 as is", function()
  eq(json.decode([["a\"b\\c\/d\be\ff\ng\rh\ti"]]), "a\"b\\c/d\be\ff\ng\rh\ti")
  eq(json.decode([["\u00e9\u20ac"]]), "é€")
  eq(json.decode([["\ud83d\ude00"]]), "😀")
  eq(json.decode([["\uD83D\uDE00"]]), "😀")
  eq(json.decode([["\ud83d"]]), "\u{FFFD}", "lone high surrogate")
  eq(json.decode([["\ude00x"]]), "\u{FFFD}x", "lone low surrogate")
  eq(json.decode([["\u0000"]]), "\0")
  eq(json.decode('"Élodie « Lefèvre » — 12 500 €"'), "Élodie « Lefèvre » — 12 500 €")
  eq(json.decode('""'), "")
end)

test("containers", function()
  local v = json.decode('{"a":[1,{"b":null}],"c":{},"d":[]}')
  eq(v.a[1], 1)
  eq(v.a[2].b, json.null)
  eq(next(v.c), nil)
  eq(#v.d, 0)
  eq(json.decode('{"k":1,"k":2}').k, 2, "duplicate keys: last wins")
end)

test("[] and {} survive a round trip", function()
  eq(roundtrip('{"a":[],"b":{},"c":[[]],"d":[{}]}'))
  eq(json.encode(json.decode("[]")), "[]")
  eq(json.encode(json.decode("{}")), "{}")
  eq(json.encode({}), "{}", "an empty Lua table is an object")
  eq(json.encode(json.array()), "[]")
  eq(json.encode(json.array({})), "[]")
  eq(json.encode({ list = json.array() }), '{"list":[]}')
end)

test("round trips of mixed documents", function()
  eq(roundtrip('{"a":1,"b":2.5,"c":"é","d":[true,false,null],"e":{"f":-3}}'))
  eq(roundtrip('[1,2,3]'))
  eq(roundtrip('[0.1,1e+300,-0.0,123456789012]', '[0.1,1e+300,-0.0,123456789012]'))
end)

test("encoding numbers", function()
  eq(json.encode(1), "1")
  eq(json.encode(1.0), "1.0")
  eq(json.encode(0.1), "0.1")
  eq(json.encode(math.maxinteger), "9223372036854775807")
  eq(json.encode(2^53), "9007199254740992.0")
  eq(json.decode(json.encode(1/3)), 1/3, "floats round-trip exactly")
end)

test("encoding strings escapes only what JSON needs", function()
  eq(json.encode("a/b"), '"a/b"')
  eq(json.encode('q"\\'), [["q\"\\"]])
  eq(json.encode("\n\r\t\b\f\1\31"), [["\n\r\t\b\f\u0001\u001f"]])
  eq(json.encode("é€😀"), '"é€😀"')
end)

test("tables: sequences are arrays, others objects", function()
  eq(json.encode({ 1, 2, 3 }), "[1,2,3]")
  eq(json.encode({ [1] = "a", [2] = "b" }), '["a","b"]')
  eq(json.encode({ [2] = "b" }), '{"2":"b"}', "not a sequence: integer keys become strings")
  eq(json.encode({ 1, x = 2 }, { sort_keys = true }), '{"1":1,"x":2}')
  eq(json.encode({ b = 1, a = 2, c = { z = 1, y = 2 } }, { sort_keys = true }), '{"a":2,"b":1,"c":{"y":2,"z":1}}')
end)

test("pretty printing", function()
  eq(json.encode({ a = { 1, 2 }, b = {}, c = json.array() }, { pretty = true, sort_keys = true }),
    '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {},\n  "c": []\n}')
end)

test("json.null is a sentinel distinct from nil", function()
  assert(json.null ~= nil)
  eq(tostring(json.null), "null")
  eq(type(json.null), "userdata")
  eq(json.encode({ json.null, 1 }), "[null,1]")
  eq(json.encode({ a = json.null }), '{"a":null}')
  eq(json.decode("[null]")[1], json.null)
end)

test("malformed input names the byte offset and what was expected", function()
  local cases = {
    { "", "at byte 1 (line 1, column 1): expected a value, found the end of the input" },
    { "[1,2", "at byte 5 (line 1, column 5): expected ',' or ']'" },
    { '{"a" 1}', "at byte 6 (line 1, column 6): expected ':' after the key, found '1'" },
    { '{"a":1,}', "expected a string key, found '}'" },
    { "[1,]", "expected a value, found ']'" },
    { "01", "at byte 2 (line 1, column 2): expected the end of the document, found '1'" },
    { "1.", "expected a digit after '.'" },
    { "1e", "expected a digit in the exponent" },
    { "-", "expected a digit" },
    { "tru", "expected 'true'" },
    { "nul", "expected 'null'" },
    { '"abc', "expected '\"' to close the string" },
    { '"a\nb"', "expected an escaped control character" },
    { [["\x"]], "expected one of" },
    { [["\u12G4"]], "expected a hexadecimal digit" },
    { "[1]\n [2]", "at byte 6 (line 2, column 2): expected the end of the document, found '['" },
    { "{'a':1}", "expected a string key, found" },
    { "NaN", "expected a value, found 'N'" },
    { "[1 2]", "expected ',' or ']', found '2'" },
  }
  for _, case in ipairs(cases) do
    local err = raises(function() json.decode(case[1]) end, case[2], ("decode %q"):format(case[1]))
    eq(err.kind, "json", "kind")
  end
end)

test("nesting is limited, not a crash", function()
  raises(function() json.decode(string.rep("[", 100000)) end, "at most 1000 levels of nesting")
  eq(#json.decode(string.rep("[", 500) .. string.rep("]", 500)), 1)
end)

test("encoding refuses what JSON cannot hold", function()
  local cycle = {}
  cycle.self = cycle
  raises(function() json.encode(cycle) end, "cannot encode a cycle (a table that contains itself) at $.self")
  raises(function() json.encode({ a = { print } }) end, "cannot encode a function value at $.a[1]")
  raises(function() json.encode({ x = 0 / 0 }) end, "cannot encode NaN at $.x")
  raises(function() json.encode(math.huge) end, "cannot encode an infinite number at $")
  raises(function() json.encode({ [true] = 1 }) end, "a table key of type boolean")
  raises(function() json.encode("\255") end, "not valid UTF-8")
  raises(function() json.encode(coroutine.create(print)) end, "cannot encode a thread value")
  raises(function() json.encode({ ["my key"] = io.stdout }) end, 'at $["my key"]')
  -- the same table twice is not a cycle
  local shared = { 1 }
  eq(json.encode({ shared, shared }), "[[1],[1]]")
end)

test("bad arguments read like Lua's own", function()
  raises(function() json.decode({}) end, "bad argument #1 to 'decode' (string expected, got table)")
  raises(function() json.encode() end, "bad argument #1 to 'encode' (value expected, got no value)")
  raises(function() json.encode({}, { pretty = 1 }) end, "option 'pretty' must be a boolean, got number")
  raises(function() json.encode({}, { sortkeys = true }) end, "unknown option 'sortkeys'; did you mean 'sort_keys'?")
end)

test("a large generated document decodes to the same values", function()
  local doc = { data = { dossiers = { nodes = {} } } }
  for i = 1, 2000 do
    doc.data.dossiers.nodes[i] = { number = i, state = "en_instruction", amount = i / 4,
      champs = { { label = "Commentaire", stringValue = ("é"):rep(i % 7) } } }
  end
  local text = json.encode(doc, { sort_keys = true })
  local back = json.decode(text)
  eq(back.data.dossiers.nodes[2000].number, 2000)
  eq(back.data.dossiers.nodes[3].amount, 0.75)
  assert(json.encode(back, { sort_keys = true }) == text, "re-encoding gives the same text")
end)

test("a string that is not UTF-8 is refused, so what decodes can be encoded again", function()
  for _, bad in ipairs({ "\xe9t\xe9", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xff", "a\\n\x80" }) do
    raises(function() json.decode('"' .. bad .. '"') end, "expected valid UTF-8 in a string", bad)
    raises(function() json.decode('{"' .. bad .. '": 1}') end, "expected valid UTF-8 in a string", bad)
  end
  local err = raises(function() json.decode('["ok", "caf\xe9"]') end, "invalid JSON at byte 12")
  eq(json.decode('"\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbf"'), "été 😀 \u{FFFF}")
  eq(json.encode(json.decode('"\\n\xe2\x82\xac"')), '"\\n€"')
end)

test("require 'guichet.json' is the same module as the global", function()
  eq(require("guichet.json"), json)
end)

t.finish()
