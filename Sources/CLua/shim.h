// Debian installs the Lua 5.4 headers under /usr/include/lua5.4.
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
#include <lua5.4/lauxlib.h>
