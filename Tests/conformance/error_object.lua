-- Error values that are not strings.
io.write("start\n")
error(setmetatable({}, { __tostring = function() return "described" end }))
