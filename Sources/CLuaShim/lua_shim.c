#include "lua_shim.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

static guichet_swift_hooks swift;

void guichet_set_swift_hooks(guichet_swift_hooks hooks) { swift = hooks; }

// Its address is the sentinel; the value is never read.
static char pending_sentinel;

void *guichet_pending_sentinel(void) { return &pending_sentinel; }

// ---- Waiting for host tasks ----

static int await_continue(lua_State *L, int status, lua_KContext ctx);

// Waits for task `handle` then returns its results. Inside a coroutine that
// can yield, it yields (PENDING, handle) to whoever resumed it, which waits
// and resumes it; elsewhere (main chunk, metamethod, sort comparator,
// require) it blocks, because a yield there would fail.
static int await_handle(lua_State *L, lua_Integer handle) {
    for (;;) {
        lua_pushinteger(L, handle);
        if (swift.task_done(L, lua_gettop(L))) {
            lua_pop(L, 1);
            break;
        }
        if (lua_isyieldable(L)) {
            lua_pushlightuserdata(L, &pending_sentinel);
            lua_insert(L, -2);
            return lua_yieldk(L, 2, (lua_KContext)handle, await_continue);
        }
        if (swift.task_wait(L, lua_gettop(L)) == GUICHET_RAISE) return lua_error(L);
        lua_pop(L, 1);
    }
    int n = swift.task_finish(L, handle);
    if (n == GUICHET_RAISE) return lua_error(L);
    return n;
}

static int await_continue(lua_State *L, int status, lua_KContext ctx) {
    (void)status;
    return await_handle(L, (lua_Integer)ctx);
}

// Every host function runs through here. Swift has returned by the time
// lua_error or lua_yieldk runs, so no Swift frame is ever unwound.
static int trampoline(lua_State *L) {
    int status = swift.call(L);
    if (status == GUICHET_RAISE) return lua_error(L);
    if (status == GUICHET_AWAIT) {
        lua_Integer handle = lua_tointeger(L, -1);
        lua_pop(L, 1);
        return await_handle(L, handle);
    }
    return status;
}

void guichet_push_host_function(lua_State *L, int nup) {
    lua_pushcclosure(L, trampoline, nup);
}

// ---- Swift objects in userdata ----

static int object_gc(lua_State *L) {
    void **slot = (void **)lua_touserdata(L, 1);
    if (slot != NULL && *slot != NULL) {
        void *object = *slot;
        *slot = NULL;
        swift.release(object);
    }
    return 0;
}

void guichet_push_object(lua_State *L, void *retained, const char *type_name) {
    void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 0);
    *slot = retained;
    if (luaL_newmetatable(L, type_name)) {
        lua_pushcfunction(L, object_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");  // scripts cannot swap it
    }
    lua_setmetatable(L, -2);
}

void **guichet_object_slot(lua_State *L, int idx) { return (void **)lua_touserdata(L, idx); }

int guichet_called_as_method(lua_State *L, int level) {
    lua_Debug ar;
    if (!lua_getstack(L, level, &ar)) return 0;
    lua_getinfo(L, "n", &ar);
    return ar.namewhat != NULL && strcmp(ar.namewhat, "method") == 0;
}

// ---- coroutine.resume / coroutine.wrap that let host waits through ----

#define HOST_WAIT (-2)

// lcorolib's auxresume, plus: a coroutine that yielded (PENDING, handle)
// is waiting for host tasks; the handle is moved to L and HOST_WAIT returned.
static int resume_once(lua_State *L, lua_State *co, int narg) {
    int status, nres;
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    status = lua_resume(co, L, narg, &nres);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (status == LUA_YIELD && nres == 2 && lua_touserdata(co, -2) == &pending_sentinel) {
            lua_xmove(co, L, 1);
            lua_pop(co, 1);
            return HOST_WAIT;
        }
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1);
    return -1;
}

enum { MODE_RESUME = 0, MODE_WRAP = 1 };

static int resume_continue(lua_State *L, int status, lua_KContext ctx);

static lua_State *resumed_coroutine(lua_State *L, int mode) {
    return lua_tothread(L, mode == MODE_WRAP ? lua_upvalueindex(1) : 1);
}

// Resumes until the coroutine really yields, returns or fails, waiting for
// host tasks in between (and passing the wait upward when L can yield).
static int resume_until_settled(lua_State *L, lua_State *co, int narg, int mode) {
    int r;
    for (;;) {
        r = resume_once(L, co, narg);
        if (r != HOST_WAIT) break;
        if (lua_isyieldable(L)) {
            lua_pushlightuserdata(L, &pending_sentinel);
            lua_insert(L, -2);
            return lua_yieldk(L, 2, mode, resume_continue);
        }
        if (swift.task_wait(L, lua_gettop(L)) == GUICHET_RAISE) return lua_error(L);
        lua_pop(L, 1);
        narg = 0;
    }
    if (mode == MODE_RESUME) {
        if (r < 0) {
            lua_pushboolean(L, 0);
            lua_insert(L, -2);
            return 2;
        }
        lua_pushboolean(L, 1);
        lua_insert(L, -(r + 1));
        return r + 1;
    }
    if (r < 0) {  // as lcorolib's auxwrap (Lua 5.4.4)
        int stat = lua_status(co);
        if (stat != LUA_OK && stat != LUA_YIELD) {  // an error in the coroutine:
            // close its to-be-closed variables; what they leave (the first
            // error, or the one a __close raised instead) is what we raise,
            // and the emptied coroutine is dead for any later call.
            stat = lua_resetthread(co);
            lua_xmove(co, L, 1);
        }
        if (stat != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
    return r;
}

static int resume_continue(lua_State *L, int status, lua_KContext ctx) {
    (void)status;
    int mode = (int)ctx;
    lua_settop(L, mode == MODE_WRAP ? 0 : 1);  // drop what our resumer passed
    return resume_until_settled(L, resumed_coroutine(L, mode), 0, mode);
}

static int host_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "thread");  // Debian 5.4.4 wording
    return resume_until_settled(L, co, lua_gettop(L) - 1, MODE_RESUME);
}

static int host_wrapped(lua_State *L) {
    return resume_until_settled(L, resumed_coroutine(L, MODE_WRAP), lua_gettop(L), MODE_WRAP);
}

static int host_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, host_wrapped, 1);
    return 1;
}

static int await_any_continue(lua_State *L, int status, lua_KContext ctx) {
    (void)L; (void)status; (void)ctx;
    return 0;
}

// await_any(handles): returns once any of them is done (yielding when it can).
static int await_any(lua_State *L) {
    lua_settop(L, 1);
    if (swift.task_done(L, 1)) return 0;
    if (lua_isyieldable(L)) {
        lua_pushlightuserdata(L, &pending_sentinel);
        lua_insert(L, 1);
        return lua_yieldk(L, 2, 0, await_any_continue);
    }
    if (swift.task_wait(L, 1) == GUICHET_RAISE) return lua_error(L);
    return 0;
}

static int install_coroutines(lua_State *L) {
    // tasks table at 1
    lua_getglobal(L, "coroutine");
    lua_getfield(L, -1, "resume");
    lua_setfield(L, 1, "raw_resume");
    lua_pushcfunction(L, host_resume);
    lua_setfield(L, -2, "resume");
    lua_pushcfunction(L, host_wrap);
    lua_setfield(L, -2, "wrap");
    lua_pushcfunction(L, await_any);
    lua_setfield(L, 1, "await_any");
    lua_pushlightuserdata(L, &pending_sentinel);
    lua_setfield(L, 1, "PENDING");
    return 0;
}

int guichet_install_coroutines(lua_State *L, int tasks_idx) {
    tasks_idx = lua_absindex(L, tasks_idx);
    lua_pushcfunction(L, install_coroutines);
    lua_pushvalue(L, tasks_idx);
    return lua_pcall(L, 1, 0, 0);
}

// ---- The state ----

static void *aborting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    void *block = realloc(ptr, nsize);
    if (block == NULL) {
        fputs("guichet: out of memory\n", stderr);
        abort();
    }
    return block;
}

lua_State *guichet_newstate(void) {
    // luaL_newstate installs the panic and warning functions we want to keep;
    // only the allocator changes (both allocators use realloc/free).
    lua_State *L = luaL_newstate();
    if (L != NULL) lua_setallocf(L, aborting_alloc, NULL);
    return L;
}

int guichet_traceback_handler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        // guichet's own error values keep their fields (the REPL reads
        // `kind` and `service`) and gain a `traceback`.
        int own = lua_type(L, 1) == LUA_TTABLE && luaL_getmetafield(L, 1, "__name") == LUA_TSTRING &&
                  strcmp(lua_tostring(L, -1), "guichet.error") == 0;
        lua_settop(L, 1);
        if (own) {
            luaL_traceback(L, L, NULL, 1);
            lua_setfield(L, 1, "traceback");
            return 1;
        }
        // lua.c returns a __tostring result without a traceback.
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

// Runs the function below the arguments from a C frame, as lua.c runs
// everything from `pmain`: tracebacks then end in "[C]: in ?" as lua's do.
static int call_from_c(lua_State *L) {
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

int guichet_pcall_from_c(lua_State *L, int nargs, int nresults, int msgh) {
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, call_from_c);
    lua_insert(L, base);
    return lua_pcall(L, nargs + 1, nresults, msgh);
}

static int tostring_body(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

int guichet_protected_tostring(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, tostring_body);
    lua_pushvalue(L, idx);
    return lua_pcall(L, 1, 1, 0);
}

int guichet_load_text(lua_State *L, const char *buffer, size_t size, const char *chunkname) {
    return luaL_loadbufferx(L, buffer, size, chunkname, "t");
}

// ---- Ctrl-C, as lua.c does it ----

static lua_State *interrupt_target;
static volatile sig_atomic_t sigint_seen;
static int sigint_persistent;

static void stop_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

static void on_sigint(int sig) {
    if (!sigint_persistent) signal(sig, SIG_DFL);  // a second Ctrl-C ends the process (as lua.c)
    sigint_seen = 1;
    if (interrupt_target != NULL)
        lua_sethook(interrupt_target, stop_hook,
                    LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

void guichet_sigint_arm(lua_State *L, int persistent) {
    interrupt_target = L;
    sigint_persistent = persistent;
    sigint_seen = 0;
    signal(SIGINT, on_sigint);
}

void guichet_sigint_disarm(void) {
    signal(SIGINT, SIG_DFL);
    interrupt_target = NULL;
}

int guichet_sigint_pending(void) { return sigint_seen; }

void guichet_sigint_clear(void) {
    sigint_seen = 0;
    if (interrupt_target != NULL) {
        lua_sethook(interrupt_target, NULL, 0, 0);
        signal(SIGINT, on_sigint);
    }
}

void guichet_where(lua_State *L, int level) {
    lua_Debug ar;
    while (lua_getstack(L, level, &ar)) {
        lua_getinfo(L, "Sl", &ar);
        int in_stdlib = ar.source != NULL && strncmp(ar.source, "=stdlib/", 8) == 0;
        if (ar.currentline <= 0) break;  // a C function: no position, as luaL_where
        if (!in_stdlib) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
        level++;
    }
    lua_pushliteral(L, "");
}
