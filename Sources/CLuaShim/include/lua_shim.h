// The C side of the Lua boundary: everything Swift must not do itself.
//
// Lua raises errors (and yields) with longjmp. A longjmp that crosses a Swift
// frame skips ARC releases and `defer` blocks, so Swift never calls a
// raising Lua API directly. Swift functions exposed to Lua run behind the C
// trampoline below: they return a status, and the trampoline raises the
// error only once the Swift frame has returned.
#ifndef GUICHET_LUA_SHIM_H
#define GUICHET_LUA_SHIM_H

#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <lua5.4/lualib.h>

/// A Swift function called from Lua returns a result count (>= 0) or one
/// of these statuses.
/// RAISE: the error object is on top of the stack; the trampoline raises it.
#define GUICHET_RAISE (-1)
/// AWAIT: a host task handle (integer) is on top of the stack; the
/// trampoline waits for it, yielding the current coroutine when it can and
/// blocking when it cannot, then asks Swift for the task's results.
#define GUICHET_AWAIT (-2)

/// What Swift provides to the C side. None of these may raise a Lua error:
/// they report failure with GUICHET_RAISE and leave the error on the stack.
typedef struct {
    /// Runs the Swift function whose box is upvalue 1 of the running closure.
    int (*call)(lua_State *L);
    /// Releases a retained Swift object stored in a userdata (its `__gc`).
    void (*release)(void *object);
    /// Whether any task named at `idx` (a handle or a list of handles) is done.
    int (*task_done)(lua_State *L, int idx);
    /// Blocks until a task named at `idx` is done; 0, or GUICHET_RAISE
    /// when interrupted.
    int (*task_wait)(lua_State *L, int idx);
    /// Pushes the results of a finished task: a count, or GUICHET_RAISE.
    int (*task_finish)(lua_State *L, lua_Integer handle);
} guichet_swift_hooks;

void guichet_set_swift_hooks(guichet_swift_hooks hooks);

/// The value a coroutine yields to say "I am waiting for host tasks"
/// (followed by the handle or list of handles). Only guichet's schedulers
/// and its versions of `coroutine.resume`/`coroutine.wrap` see it.
void *guichet_pending_sentinel(void);

/// Replaces `coroutine.resume` and `coroutine.wrap` with versions that let
/// host waits pass through user coroutines (as OpenResty does), and adds
/// `await_any` to the table at `tasks_idx` (the scheduler's primitive).
/// The original `coroutine.resume` is stored there as `raw_resume`.
int guichet_install_coroutines(lua_State *L, int tasks_idx);

/// Pushes a full userdata holding a retained Swift object, with the named
/// metatable (created on first use with a `__gc` that releases the object).
void guichet_push_object(lua_State *L, void *retained, const char *type_name);
/// Where the Swift object pointer is stored for the userdata at `idx`.
void **guichet_object_slot(lua_State *L, int idx);

/// Per-state space for the Swift owner of the state (copied to coroutines).
static inline void **guichet_extraspace(lua_State *L) { return (void **)lua_getextraspace(L); }

/// Like `luaL_where(L, level)` ("chunkname:currentline: " or ""), but
/// skipping the frames of guichet's own Lua modules (chunks named
/// "=stdlib/..."), so that an error points at the user's line.
void guichet_where(lua_State *L, int level);

/// Whether the function at `level` was called as a method (`obj:f()`), and
/// the name it was called by (NULL when unknown). As luaL_argerror does.
int guichet_called_as_method(lua_State *L, int level);

/// Pushes a C closure over the trampoline with `nup` upvalues taken from the
/// stack (upvalue 1 must be the Swift function box).
void guichet_push_host_function(lua_State *L, int nup);

/// A fresh state whose allocator aborts on exhaustion, so the memory-error
/// class of API calls ("m" in the manual) never raises from Swift.
lua_State *guichet_newstate(void);

/// Macros Swift cannot import.
static inline int guichet_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int guichet_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline void guichet_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline int guichet_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcall(L, nargs, nresults, msgh);
}
static inline const char *guichet_tolstring(lua_State *L, int idx, size_t *len) {
    return lua_tolstring(L, idx, len);
}

/// The message handler of `lua.c`: turns any error value into a string with
/// a traceback (using `__tostring` when the value has one).
int guichet_traceback_handler(lua_State *L);

/// `lua_pcall` of the function below `nargs` arguments, called from a C
/// frame (see lua.c's pmain) so that tracebacks match `lua5.4`'s.
int guichet_pcall_from_c(lua_State *L, int nargs, int nresults, int msgh);

/// `luaL_tolstring` (which may run `__tostring`) under a protected call.
/// Pushes the string and returns LUA_OK, or pushes the error and returns it.
int guichet_protected_tostring(lua_State *L, int idx);

/// `luaL_loadbufferx` in text mode only: precompiled chunks are unsafe.
int guichet_load_text(lua_State *L, const char *buffer, size_t size, const char *chunkname);

/// Ctrl-C while Lua code runs: like `lua.c`, the signal handler installs a
/// hook and the hook (C code) raises "interrupted!". A second Ctrl-C before
/// the hook runs falls back to the default action.
/// `persistent` (the REPL): every Ctrl-C interrupts, none ends the process.
void guichet_sigint_arm(lua_State *L, int persistent);
void guichet_sigint_disarm(void);
/// Non-zero once Ctrl-C was pressed since the last call to clear it; lets
/// Swift code waiting on the network notice an interrupt.
int guichet_sigint_pending(void);
void guichet_sigint_clear(void);



// Variadic or macro-only API that Swift cannot call directly.
static inline void guichet_gc_generational(lua_State *L) { lua_gc(L, LUA_GCGEN, 0, 0); }
static inline void guichet_gc_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }
static inline int guichet_gc_count_kb(lua_State *L) { return lua_gc(L, LUA_GCCOUNT); }
static inline int guichet_load_file(lua_State *L, const char *path) { return luaL_loadfilex(L, path, "t"); }
static inline void guichet_warning(lua_State *L, const char *msg) { lua_warning(L, msg, 0); }
static inline const char *guichet_copyright(void) { return LUA_COPYRIGHT; }

/// stdio without touching the C globals `stdout`/`stderr` from Swift
/// (Swift 6 treats them as shared mutable state).
#include <stdio.h>
static inline void guichet_write_stdout(const char *s, size_t n) { fwrite(s, 1, n, stdout); }
static inline void guichet_write_stderr(const char *s, size_t n) { fwrite(s, 1, n, stderr); fflush(stderr); }
static inline void guichet_flush_stdout(void) { fflush(stdout); }

#endif
