-- Host tasks and their scheduling: overlap proven by counting calls in
-- flight (never by wall-clock time), waits that pass through user
-- coroutines, blocking where a yield is impossible.
local t = require "testing"
local test, eq, raises = t.test, t.eq, t.raises

-- Wraps guichet.sleep to count how many calls are in flight at once.
local function counting_sleep()
  local counter = { now = 0, max = 0 }
  function counter.sleep(seconds)
    counter.now = counter.now + 1
    if counter.now > counter.max then counter.max = counter.now end
    guichet.sleep(seconds)
    counter.now = counter.now - 1
  end
  return counter
end

local function range(n)
  local list = {}
  for i = 1, n do list[i] = i end
  return list
end

test("ten sleeps at concurrency 10 are all in flight together", function()
  local counter = counting_sleep()
  local before = guichet.stats().started
  local results = parallel.map(range(10), function(x)
    counter.sleep(0.1)
    return x * x
  end, { concurrency = 10 })
  eq(counter.max, 10, "calls in flight at once (Lua side)")
  eq(guichet.stats().started - before, 10, "host tasks started")
  eq(guichet.stats().max_in_flight >= 10, true, "host tasks in flight at once")
  eq(guichet.stats().in_flight, 0, "nothing left in flight")
  for i = 1, 10 do eq(results[i], i * i) end
end)

test("concurrency bounds the calls in flight", function()
  local counter = counting_sleep()
  parallel.each(range(9), function() counter.sleep(0.01) end, { concurrency = 3 })
  eq(counter.max, 3)
end)

test("a user's coroutine.wrap iterator around a host call still works", function()
  local counter = counting_sleep()
  local results = parallel.map(range(4), function(x)
    local numbers = coroutine.wrap(function()
      for i = 1, 3 do
        counter.sleep(0.02)
        coroutine.yield(i * x)
      end
    end)
    return numbers() + numbers() + numbers()
  end, { concurrency = 4 })
  eq(results[1], 6)
  eq(results[4], 24)
  eq(counter.max, 4, "waits inside user coroutines still overlap")
end)

test("coroutine.resume passes host waits through and returns values as usual", function()
  local co = coroutine.create(function(a)
    guichet.sleep(0.001)
    local b = coroutine.yield(a + 1)
    guichet.sleep(0.001)
    return b * 2
  end)
  local ok, v = coroutine.resume(co, 1)
  eq(ok, true); eq(v, 2)
  ok, v = coroutine.resume(co, 5)
  eq(ok, true); eq(v, 10)
  eq(coroutine.status(co), "dead")
  local ok2, err = coroutine.resume(co)
  eq(ok2, false); eq(err, "cannot resume dead coroutine")
end)

test("coroutine.wrap errors keep Lua's wording", function()
  local f = coroutine.wrap(function() guichet.sleep(0) error("boom") end)
  local ok, err = pcall(f)
  eq(ok, false)
  t.contains(err, "boom")
end)

test("where a yield is impossible, host calls block instead of failing", function()
  parallel.each(range(2), function()
    local list = { 3, 1, 2 }
    table.sort(list, function(a, b) guichet.sleep(0) return a < b end)
    eq(table.concat(list, ","), "1,2,3")
    eq((("abc"):gsub("%w", function(c) guichet.sleep(0) return c:upper() end)), "ABC")
    local lazy = setmetatable({}, { __index = function(_, k) guichet.sleep(0) return k end })
    eq(lazy.key, "key")
    eq(tostring(setmetatable({}, { __tostring = function() guichet.sleep(0) return "shown" end })), "shown")
  end)
end)

test("a required chunk may call the host at its top level", function()
  local path = t.temp_path(".lua")
  t.write_file(path, "guichet.sleep(0.001) return 'loaded'")
  local dir, name = path:match("^(.*)/([^/]+)%.lua$")
  local saved = package.path
  package.path = dir .. "/?.lua;" .. saved
  local value = parallel.map({ 1 }, function() return require(name) end)[1]
  package.path = saved
  eq(value, "loaded")
end)

test("pcall inside a worker still yields", function()
  local counter = counting_sleep()
  parallel.each(range(5), function()
    local ok = pcall(counter.sleep, 0.02)
    assert(ok)
  end, { concurrency = 5 })
  eq(counter.max, 5)
end)

test("nested parallel.map", function()
  local counter = counting_sleep()
  local results = parallel.map(range(3), function(x)
    local inner = parallel.map(range(3), function(y) counter.sleep(0.02) return x * 10 + y end, { concurrency = 3 })
    return inner[3]
  end, { concurrency = 3 })
  eq(results[2], 23)
  eq(counter.max, 9, "inner and outer calls overlap")
end)

test("the first error is raised after the calls in flight finish", function()
  local finished = 0
  local err = raises(function()
    parallel.each(range(6), function(x)
      guichet.sleep(0.01 * x)
      if x == 1 then error("first failure", 0) end
      finished = finished + 1
    end, { concurrency = 3 })
  end, "first failure")
  eq(err, "first failure")
  eq(finished, 2, "the two calls already in flight were not abandoned")
  eq(guichet.stats().in_flight, 0)
end)

test("structured errors from host calls pass through parallel.map", function()
  local err = raises(function()
    parallel.map({ -1 }, function(s) guichet.sleep(s) end)
  end, "bad argument #1 to 'sleep'")
  eq(err.kind, "usage")
end)

test("bad arguments", function()
  raises(function() parallel.map(5, print) end, "bad argument #1 to 'map' (table expected, got number)")
  raises(function() parallel.map({}, 5) end, "bad argument #2 to 'map' (function expected, got number)")
  raises(function() parallel.each({}, print, { concurency = 2 }) end,
    "bad argument #3 to 'each' (unknown option 'concurency'; did you mean 'concurrency'? options are concurrency)")
  raises(function() parallel.each({}, print, { concurrency = 0 }) end, "option 'concurrency' must be an integer")
  raises(function() guichet.sleep("x") end, "bad argument #1 to 'sleep' (number expected, got string)")
end)

test("a worker yielding a plain value is an error, not a hang", function()
  raises(function() parallel.each({ 1 }, function() coroutine.yield(1) end) end, "yielded a value")
end)

t.finish()
