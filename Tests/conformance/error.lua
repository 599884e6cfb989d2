-- An uncaught error: message, traceback and exit status as lua5.4's.
local function inner(x)
  return x.field.missing
end
local function outer()
  inner({})
end
print("before")
outer()
