-- parallel: run a function over many items at once, in coroutines that
-- guichet schedules. Host calls (HTTP requests, guichet.sleep) inside `fn`
-- overlap; plain Lua code still runs one piece at a time, so `fn` needs no
-- locks. Errors: the first error raised by `fn` stops new items from
-- starting, waits for the calls already in flight (a request that may have
-- reached a server is never abandoned), then is raised again.

local tasks = guichet._tasks
local PENDING, done, await_any, raw_resume = tasks.PENDING, tasks.done, tasks.await_any, tasks.raw_resume
local create, status = coroutine.create, coroutine.status

local parallel = {}

local args = require "guichet.args"
local concurrency_option = args.set("concurrency")

local function raise_usage(message)
  args.raise(message, 2)
end

local function check_arguments(name, list, fn, opts)
  if type(list) ~= "table" then
    raise_usage(("bad argument #1 to '%s' (table expected, got %s)"):format(name, type(list)))
  end
  if type(fn) ~= "function" then
    raise_usage(("bad argument #2 to '%s' (function expected, got %s)"):format(name, type(fn)))
  end
  opts = args.options(name, 3, opts, concurrency_option)  -- read raw: a proxy's __pairs is not run
  local concurrency = opts.concurrency
  if concurrency == nil then return 8 end
  if math.type(concurrency) ~= "integer" or concurrency < 1 then
    raise_usage(("bad argument #3 to '%s' (option 'concurrency' must be an integer ≥ 1)"):format(name))
  end
  return concurrency
end

-- Runs fn(item, index) for every item with at most `concurrency` at once;
-- `store(index, result)` receives each result.
-- The list is read raw (rawlen, rawget): no __len or __index of the caller's
-- runs inside the scheduler.
local function run(list, fn, concurrency, store)
  local count = rawlen(list)
  local next_index = 1
  local failure            -- first error raised by fn, as { value }
  local waiting = {}       -- coroutines waiting for host tasks: { co, handles }

  local function worker()
    while not failure and next_index <= count do
      local index = next_index
      next_index = index + 1
      store(index, fn(rawget(list, index), index))
    end
  end

  -- Resumes a worker until it waits for host tasks or ends.
  local function step(co)
    local ok, first, handles = raw_resume(co)
    if not ok then
      failure = failure or { first }
    elseif status(co) == "suspended" then
      if first == PENDING then
        waiting[#waiting + 1] = { co, handles }
      else
        failure = failure or { "parallel: the function yielded a value; yield only inside a coroutine of your own" }
      end
    end
  end

  for _ = 1, math.min(concurrency, count) do step(create(worker)) end

  while #waiting > 0 do
    local all = {}
    for _, entry in ipairs(waiting) do
      local handles = entry[2]
      if type(handles) == "table" then
        for _, handle in ipairs(handles) do all[#all + 1] = handle end
      else
        all[#all + 1] = handles
      end
    end
    await_any(all)  -- yields to our own scheduler when nested, blocks otherwise
    local still = {}
    local ready = {}
    for _, entry in ipairs(waiting) do
      if done(entry[2]) then ready[#ready + 1] = entry[1] else still[#still + 1] = entry end
    end
    waiting = still
    for _, co in ipairs(ready) do step(co) end
  end

  if failure then error(failure[1], 0) end
end

--- parallel.map(list, fn [, {concurrency = 8}]) -> results
-- Calls fn(item, index) for each item of `list`, with up to `concurrency`
-- calls in flight, and returns the results in the order of `list`.
function parallel.map(list, fn, opts)
  local concurrency = check_arguments("map", list, fn, opts)
  local results = {}
  run(list, fn, concurrency, function(index, value) results[index] = value end)
  return results
end

--- parallel.each(list, fn [, {concurrency = 8}])
-- Like parallel.map, for the effects of fn only.
function parallel.each(list, fn, opts)
  local concurrency = check_arguments("each", list, fn, opts)
  run(list, fn, concurrency, function() end)
end

return parallel
