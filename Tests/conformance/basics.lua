-- Plain Lua: guichet must print exactly what lua5.4 prints.
print(1, 2.0, -0.0, 1e100, 2^63, math.maxinteger, 10 // 3, 7 / 2, 3 % -2)
print("é", ("x"):rep(3, ","), string.format("%5.2f|%q", 3.14159, "a\nb"))
local t = setmetatable({}, { __tostring = function() return "custom" end })
print(t, type(print), select("#", nil, nil))
for k, v in ipairs({ "a", "b" }) do io.write(k, "=", v, " ") end
print()
print(pcall(error, { code = 1 }))
print(select(2, pcall(error, "msg", 0)), select(2, pcall(error, "msg")))
print(string.pack and #string.pack("i4", 7), utf8.char(233, 8364), utf8.len("été"))
print(coroutine.wrap(function(...) coroutine.yield(...) end)(1, 2))
local co = coroutine.create(function(a) local b = coroutine.yield(a * 2) return b + 1 end)
print(coroutine.resume(co, 5)); print(coroutine.resume(co, 10)); print(coroutine.resume(co))
print(coroutine.isyieldable(), coroutine.running())
print(pcall(coroutine.wrap(function() error("inside") end)))
print(math.type(1), math.type(1.0), math.type("1"), tostring(nil), tostring(0/0) == tostring(0/0))
print(next({}), rawlen({ 1, 2 }), rawequal("a", "a"), #arg, arg[0] ~= nil)
local ok, err = pcall(string.rep)
print(ok, err)
print(load("return 1 +")) -- syntax error message
print(string.format("%s %d %x", "s", 42, 255), os.time{year=2024, month=1, day=1, hour=12} ~= nil)
goto done
print("skipped")
::done::
print(table.concat({ 1, 2, 3 }, "-"), table.unpack({ 1, 2, 3 }))
