-- sync_dossiers.lua: a resumable, high-volume sync of a démarche's dossiers
-- into a folder (one JSON file per dossier), as the DS documentation
-- recommends for large démarches:
--   * `updated_since` is chosen once (the démarche's creation date) and
--     never changes: the dossiers come ordered by update time;
--   * after each page, its `end_cursor` is saved to state.json (written to a
--     temporary file, then renamed over the old one: a crash never leaves a
--     half-written state); a page without dossiers keeps the saved cursor;
--   * the next run resumes after the saved cursor, so it only gets dossiers
--     updated since (or the rest of an interrupted run);
--   * dossiers deleted since the last run are removed from the folder.
--
--   guichet --sandbox scripts/examples/sync_dossiers.lua [DEMARCHE [FOLDER [MAX_PAGES]]]
--   DS_API_TOKEN=... guichet scripts/examples/sync_dossiers.lua 12345 ./mirror
--
-- FOLDER defaults to guichet-sync-<démarche> in the temporary directory, so
-- running it again resumes. MAX_PAGES stops early, to try an interruption:
--   guichet --sandbox scripts/examples/sync_dossiers.lua 1001 /tmp/s 1   -- 100 dossiers
--   guichet --sandbox scripts/examples/sync_dossiers.lua 1001 /tmp/s     -- the other 200
local demarche = tonumber(arg[1]) or (sandbox and pcall(sandbox.url) and sandbox.demarche)
  or error("usage: guichet sync_dossiers.lua DEMARCHE [FOLDER [MAX_PAGES]]", 0)
local function temp_dir(name)
  local base = os.tmpname() -- creates a file, e.g. /tmp/lua_a1b2c3
  os.remove(base)
  return base:match("^(.*)/") .. "/" .. name
end
local folder = arg[2] or temp_dir("guichet-sync-" .. demarche)
local max_pages = tonumber(arg[3])

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
assert(os.execute("mkdir -p " .. shell_quote(folder .. "/dossiers")), "cannot create " .. folder)

local function write_atomically(path, text)
  local temp = ("%s.tmp-%d"):format(path, math.random(1 << 30)) -- next to it: rename is atomic
  local file = assert(io.open(temp, "wb"))
  assert(file:write(text))
  assert(file:close())
  assert(os.rename(temp, path))
end

local state_path = folder .. "/state.json"
local function load_state()
  local file = io.open(state_path, "rb")
  if not file then return nil end
  local text = file:read("a")
  file:close()
  return json.decode(text)
end
local function save_state(state) write_atomically(state_path, json.encode(state, { pretty = true, sort_keys = true })) end

local dem = ds.demarche(demarche)
local state = load_state() or { demarche = demarche, updated_since = dem.dateCreation }
local started = os.date("!%Y-%m-%dT%H:%M:%SZ")
print(("sync of démarche %d into %s, updated_since %s, %s"):format(demarche, folder, state.updated_since,
  state.cursor and "resuming after the saved cursor" or "from the start"))

-- Pages come as plain tables (nodes = the dossiers as the API gives them).
local function save_dossier(d)
  local champs = {}
  for _, c in ipairs(d.champs or {}) do champs[c.label] = c.stringValue end
  write_atomically(("%s/dossiers/%d.json"):format(folder, d.number), json.encode({
    number = d.number, state = d.state, archived = d.archived, groupe = d.groupeInstructeur.label,
    usager = d.usager and d.usager.email, date_depot = d.dateDepot, updated = d.dateDerniereModification,
    champs = champs }, { pretty = true, sort_keys = true }))
end

local pages, synced = 0, 0
for page in dem:pages{ updated_since = state.updated_since, after = state.cursor } do
  for _, d in ipairs(page.nodes) do save_dossier(d) end
  synced = synced + #page.nodes
  pages = pages + 1
  if page.end_cursor then -- never replace a saved cursor by nil
    state.cursor = page.end_cursor
    save_state(state)
  end
  if max_pages and pages >= max_pages and page.has_next_page then
    print(("stopped after %d page(s) (MAX_PAGES): run again to resume"):format(pages))
    break
  end
end
print(("%d dossiers updated or new, in %d page(s)"):format(synced, pages))

-- Deleted since the last run (or since updated_since on the first run).
local removed = 0
for gone in dem:deleted_dossiers{ since = state.last_run or state.updated_since } do
  os.remove(("%s/dossiers/%d.json"):format(folder, gone.number))
  print(("  deleted: dossier %d (%s, %s, on %s)"):format(gone.number, gone.state, gone.reason, gone.dateSupression))
  removed = removed + 1
end
print(("%d dossiers deleted since %s"):format(removed, state.last_run or state.updated_since))
state.last_run = started
save_state(state)
