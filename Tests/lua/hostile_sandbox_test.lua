-- The hostile server suite: the sandbox rewrites its answers as a broken or
-- malicious démarches-simplifiées would (sandbox.hostile), and every
-- scenario must end in a clear error or a safe result: never a file outside
-- the chosen folder, never a write through a planted symbolic link, never a
-- raw Lua error from inside the stdlib, never a secret in a message. Run with
--   .build/debug/guichet --sandbox -e 'package.path="Tests/lua/?.lua;"..package.path' Tests/lua/hostile_sandbox_test.lua
-- (Downloads without a path, into the current folder, and the umask are
-- tried by Tests/EndToEndTests/HostileServerTests.swift.)
local t = require "testing"

if not pcall(sandbox.url) then
  io.stderr:write("hostile_sandbox_test.lua needs the sandbox: run it with guichet --sandbox\n")
  print("ok 0 tests (skipped: not started with --sandbox)")
  return
end

local SECRETS = {}
for _, token in pairs(sandbox.ds_tokens) do SECRETS[#SECRETS + 1] = token end

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function lines_of(command)
  local out = {}
  local pipe = io.popen(command)
  for line in pipe:lines() do out[#out + 1] = line end
  pipe:close()
  table.sort(out)
  return out
end

-- Every file, folder and link under `dir`, relative to it.
local function tree(dir)
  return lines_of("cd " .. quote(dir) .. " && find . -mindepth 1 | sed 's|^\\./||'")
end
local function files_in(dir) return lines_of("ls -A " .. quote(dir) .. " 2>/dev/null") end
local function is_link(path) return os.execute("test -L " .. quote(path)) == true end

local root = t.temp_path("-hostile-test")
assert(os.execute("mkdir -p " .. quote(root)))

-- Runs fn while the sandbox plays a hostile server with `rules`; always
-- back to an honest server afterwards.
local function hostile(rules, fn, ...)
  sandbox.hostile(rules)
  local result = table.pack(pcall(fn, ...))
  sandbox.hostile()
  if not result[1] then error(result[2], 0) end
  return table.unpack(result, 2, result.n)
end

-- The error fn raises: a guichet error value, of `kind`, containing
-- `needle`, with no secret, and not a Lua runtime error from the stdlib.
local function fails(kind, needle, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected a " .. kind .. " error containing " .. t.show(needle), 2) end
  if type(err) ~= "table" then error("expected an error value, got " .. t.show(tostring(err)), 2) end
  local text = tostring(err)
  for _, secret in ipairs(SECRETS) do
    if text:find(secret, 1, true) then error("a token in the error: " .. text, 2) end
  end
  if text:find("attempt to", 1, true) or text:find("stdlib/", 1, true) then error("an error from inside the stdlib: " .. text, 2) end
  if type(kind) == "table" then
    local any = false
    for _, k in ipairs(kind) do any = any or err.kind == k end
    t.eq(any, true, "kind " .. tostring(err.kind) .. " of: " .. text)
  else
    t.eq(err.kind, kind, "kind of: " .. text)
  end
  t.contains(err.message, needle, "message")
  return err
end

-- Dossiers with two files (devis and attestation), one per test.
local accepted = {}
for d in ds.demarche(sandbox.demarche):dossiers{ state = "accepte" } do
  accepted[#accepted + 1] = d.number
  if #accepted >= 40 then break end
end
local function next_dossier()
  return table.remove(accepted, 1) or error("no dossier left", 2)
end

---------------------------------------------------------------------------
-- File names the server chooses are never paths

-- name the server gives -> the name written (the second file, which gets
-- the same name, is told apart by its checksum)
local NAMES = {
  { "../../escaped.txt", "escaped.txt" },
  { "/etc/passwd", "passwd" },
  { ".bashrc", "_bashrc" },
  { "..", "file" },
  { ".", "file" },
  { "", "file" },
  { "../", "file" },
  { "a\0b\nc\rd\te\27[31m.pdf", "a_b_c_d_e_[31m.pdf" },
  { "..\\..\\windows\\evil.pdf", "evil.pdf" },
  { "dir/sub/", "sub" },
  { "\u{202E}fdp.exe", "_fdp.exe" },
}

for index, case in ipairs(NAMES) do
  local given, expected = case[1], case[2]
  t.test("a file named " .. t.show(given) .. " is written as " .. expected .. " inside the folder", function()
    local base = root .. "/names/" .. index
    local number = next_dossier()
    local results = hostile({ { field = "filename", value = given } }, function()
      local d = ds.dossier(number)
      t.eq(d.files[1].filename, given, "the hostile name reached the client")
      return d:download{ dir = base .. "/a/b/dl" }
    end)
    t.eq(#results, 2)
    local folder = base .. "/a/b/dl/" .. number
    local stem, ext = expected:match("^(.-)(%.[^.]*)$")
    if not stem then stem, ext = expected, "" end
    for _, r in ipairs(results) do
      t.eq(r.status, "downloaded")
      t.eq(r.path:sub(1, #folder + 1), folder .. "/", "written in the dossier's folder: " .. r.path)
      local name = r.path:sub(#folder + 2)
      t.eq(name:find("/", 1, true), nil, "no sub-folder")
      t.eq(name == expected or name:match("^" .. stem:gsub("%p", "%%%0") .. "%-%w+" .. ext:gsub("%p", "%%%0") .. "$") ~= nil, true,
        "name " .. t.show(name) .. " from " .. expected)
    end
    -- Nothing anywhere else: only the two files, in the dossier's folder.
    local expected_tree = { "a", "a/b", "a/b/dl", "a/b/dl/" .. number }
    for _, r in ipairs(results) do expected_tree[#expected_tree + 1] = r.path:sub(#base + 2) end
    table.sort(expected_tree)
    t.eq(table.concat(tree(base), "\n"), table.concat(expected_tree, "\n"), "every path under the base folder")
  end)
end

t.test("a 1000-byte name is cut to 255 bytes, keeping its extension and whole characters", function()
  local number = next_dossier()
  local long = string.rep("x", 1000) .. ".pdf"
  local accented = string.rep("é", 500) .. ".pdf"  -- 2 bytes a character
  local dir = root .. "/long"
  local results = hostile({ { field = "filename", values = { long, accented } } }, function()
    return ds.dossier(number):download{ dir = dir }
  end)
  t.eq(#results, 2)
  local names = files_in(dir .. "/" .. number)
  t.eq(#names, 2, "two files: " .. table.concat(names, ", "))
  for _, name in ipairs(names) do
    t.eq(#name <= 255, true, "at most 255 bytes: " .. #name)
    t.eq(#name >= 250, true, "no more cut than needed: " .. #name)
    t.eq(name:sub(-4), ".pdf", "extension kept")
    t.eq(utf8.len(name) ~= nil, true, "valid UTF-8 (not cut inside a character)")
  end
end)

t.test("files the server gives one name never overwrite each other", function()
  local number = next_dossier()
  local dir = root .. "/same"
  -- Same name and same (claimed) checksum prefix: the tags collide too.
  local results = hostile({ { field = "filename", value = "pièce.pdf" } }, function()
    local d = ds.dossier(number)
    t.eq(d.files[1].filename, d.files[2].filename)
    return d:download{ dir = dir }
  end)
  t.eq(#results, 2)
  t.eq(results[1].path ~= results[2].path, true, "two paths")
  t.eq(#files_in(dir .. "/" .. number), 2)
  -- A second run finds both, under the same names.
  local again = hostile({ { field = "filename", value = "pièce.pdf" } }, function()
    return ds.dossier(number):download{ dir = dir }
  end)
  for i, r in ipairs(again) do
    t.eq(r.status, "skipped")
    t.eq(r.path, results[i].path)
  end

  -- Two names that differ only in their (dropped) folders, for the same
  -- bytes: the same safe name and the same checksum tag, so " (2)".
  local honest = ds.dossier(number).files[1]
  local twins = hostile({ { field = "filename", values = { "a/x.pdf", "b/x.pdf" } },
      { field = "url", value = honest.url }, { field = "checksum", value = honest.checksum } }, function()
    return ds.dossier(number):download{ dir = dir .. "/twins" }
  end)
  t.eq(#twins, 2)
  local tag = honest.checksum:gsub("[^%w]", ""):sub(1, 8)
  t.eq(twins[1].path, dir .. "/twins/" .. number .. "/x-" .. tag .. ".pdf")
  t.eq(twins[2].path, dir .. "/twins/" .. number .. "/x (2).pdf")
end)

t.test("a path the user gives is used as given", function()
  local number = next_dossier()
  local target = root .. "/mine/sub/../chosen.pdf"
  local path, status = hostile({ { field = "filename", value = "../../escaped.txt" } }, function()
    return ds.dossier(number).files[1]:download(target)
  end)
  t.eq(status, "downloaded")
  t.eq(path, target)
  t.eq(t.exists(root .. "/mine/chosen.pdf"), true)
end)

t.test("a folder given as the path receives the file under its safe name", function()
  local number = next_dossier()
  local slash, existing = root .. "/into/new/", root .. "/into/existing"
  assert(os.execute("mkdir -p " .. quote(existing)))
  hostile({ { field = "filename", value = "../../escaped.txt" } }, function()
    local f = ds.dossier(number).files[1]
    local path, status = f:download(slash)
    t.eq(status, "downloaded")
    t.eq(path, slash .. "escaped.txt")
    path = f:download(existing)
    t.eq(path, existing .. "/escaped.txt")
    fails("usage", "path is empty", f.download, f, "")
  end)
  t.eq(table.concat(tree(root .. "/into"), ","), "existing,existing/escaped.txt,new,new/escaped.txt")
end)

---------------------------------------------------------------------------
-- Symbolic links planted in the way

t.test("a symbolic link planted as the dossier's folder is refused", function()
  local number = next_dossier()
  local dir, elsewhere = root .. "/planted", root .. "/elsewhere"
  assert(os.execute("mkdir -p " .. quote(dir) .. " " .. quote(elsewhere)))
  assert(os.execute("ln -s " .. quote(elsewhere) .. " " .. quote(dir .. "/" .. number)))
  local d = ds.dossier(number)
  fails("io", "symbolic link", d.download, d, { dir = dir })
  t.eq(#files_in(elsewhere), 0, "nothing written through the link")
end)

t.test("a symbolic link planted at a file's name is replaced, its target untouched", function()
  local number = next_dossier()
  local d = ds.dossier(number)
  local dir = root .. "/linked"
  local folder = dir .. "/" .. number
  local precious = root .. "/precious.txt"
  t.write_file(precious, "precious")
  assert(os.execute("mkdir -p " .. quote(folder)))
  assert(os.execute("ln -s " .. quote(precious) .. " " .. quote(folder .. "/" .. d.files[1].filename)))
  local results = d:download{ dir = dir }
  t.eq(results[1].status, "downloaded")
  t.eq(t.read_file(precious), "precious", "the link's target is untouched")
  t.eq(is_link(results[1].path), false, "a regular file now")
  t.eq(#t.read_file(results[1].path), d.files[1].size)
end)

t.test("a symbolic link at the name is never taken for the file already there", function()
  local number = next_dossier()
  local d = ds.dossier(number)
  local dir = root .. "/linked-same"
  local folder = dir .. "/" .. number
  local copy = root .. "/copy-" .. number
  d.files[1]:download(copy)  -- the same content, elsewhere
  assert(os.execute("mkdir -p " .. quote(folder)))
  assert(os.execute("ln -s " .. quote(copy) .. " " .. quote(folder .. "/" .. d.files[1].filename)))
  local results = d:download{ dir = dir }
  t.eq(results[1].status, "downloaded")
  t.eq(is_link(results[1].path), false)
end)

---------------------------------------------------------------------------
-- Broken data: a clear error, nothing written

t.test("a wrong checksum: an error, nothing written", function()
  local number = next_dossier()
  local dir = root .. "/checksum"
  local err = hostile({ { field = "checksum", value = "AAAAAAAAAAAAAAAAAAAAAA==" } }, function()
    local d = ds.dossier(number)
    return fails({ "integrity", "network" }, "nothing was written", d.download, d, { dir = dir })
  end)
  t.contains(err.message, "MD5")
  t.eq(#files_in(dir .. "/" .. number), 0, "no file, no temporary file")
end)

-- rules -> what the error names
local SHAPES = {
  { "files is a string", { { field = "files", value = "oops" } }, "champ.files is a string" },
  { "number is a string", { { field = "number", value = "100001" } }, "dossier.number is a string" },
  { "filename is missing", { { field = "filename", remove = true } }, "file.filename is missing" },
  { "checksum is a number", { { field = "checksum", value = 12 } }, "file.checksum is a number" },
  { "url is a list", { { field = "url", value = { "a", "b" } } }, "file.url is a table" },
  { "the dossier is a string", { { field = "dossier", value = "dossier" } }, "the dossier is a string" },
  { "champs is a number", { { field = "champs", value = 3 } }, "champs is a number" },
  { "a champ is a string", { { field = "champs", value = { "x" } } }, "a champ is a string" },
  { "messages hold numbers", { { field = "messages", value = { 1, 2 } } }, "a message is a number" },
  { "attachments is true", { { field = "messages", value = { { attachments = true } } } }, "message.attachments is a boolean" },
  { "a file is a string", { { field = "attestation", value = "file" } }, "a file is a string" },
}

for _, case in ipairs(SHAPES) do
  t.test("JSON of the wrong shape (" .. case[1] .. "): a protocol error", function()
    local number = accepted[1]
    hostile(case[2], function()
      fails("protocol", case[3], ds.dossier, number)
    end)
  end)
end

-- URLs the server hands back: https only (plain http to this machine
-- aside), refused before any connection.
local URLS = {
  { "file:///etc/passwd", "URL" }, { "ftp://example.com/x.pdf", "https" }, { "gopher://example.com/x", "https" },
  { "http://example.com/x.pdf", "https://" }, { "http://user:pw@example.com/x", "https://" },
  { "not a url", "URL" }, { "", "URL" }, { "//example.com/x.pdf", "URL" },
}

for _, case in ipairs(URLS) do
  t.test("a file URL " .. t.show(case[1]) .. " is refused, nothing written", function()
    local number = accepted[2]
    local dir = root .. "/urls"
    local err = hostile({ { field = "url", value = case[1] } }, function()
      local d = ds.dossier(number)
      local ok, e = pcall(d.download, d, { dir = dir })
      t.eq(ok, false, "refused")
      return e
    end)
    t.eq(type(err), "table", "an error value: " .. tostring(err))
    t.contains(err.message, case[2])
    t.eq(#files_in(dir .. "/" .. number), 0, "nothing written")
  end)
end

t.test("an upload slot on another scheme or in clear is refused before the bytes or the mutation are sent", function()
  local me = ds.config().instructeur
  local d
  for x in ds.demarche(sandbox.demarche):dossiers{ state = "en_instruction" } do
    for _, i in ipairs(x.groupeInstructeur.instructeurs) do
      if i.email == me then d = x end
    end
    if d then break end
  end
  local pj = root .. "/pj.txt"
  t.write_file(pj, "pièce jointe\n")
  for _, url in ipairs { "http://example.com/upload", "file:///tmp/x", "ftp://example.com/x" } do
    sandbox.clear_requests()
    hostile({ { field = "url", value = url, operation = "createDirectUpload" } }, function()
      fails({ "usage", "network", "protocol" }, "", d.send_message, d, { body = "hostile", pj = pj })
    end)
    for _, r in ipairs(sandbox.requests()) do
      t.eq(r.operation == "dossierEnvoyerMessage", false, "no message sent after a refused upload (" .. url .. ")")
      t.eq(r.method == "PUT", false, "no PUT")
    end
  end
end)

t.test("A Retry-After of a day ends the call at once with a clear error, read or download", function()
  local d = ds.dossier(accepted[3])
  local started = os.time()
  sandbox.fault{ kind = "rate_limit", retry_after = 86400, count = 1 }
  local err = fails("rate_limited", "Retry-After", ds.dossier, accepted[3])
  t.eq(err.retryable, true)
  sandbox.fault{ kind = "rate_limit", retry_after = 86400, count = 1, path = "/storage" }
  fails("rate_limited", "HTTP 429", d.download, d, { dir = root .. "/ratelimited" })
  t.eq(os.time() - started < 20, true, "no long wait")
  t.eq(#files_in(root .. "/ratelimited/" .. d.number), 0)
end)

t.test("a file that keeps arriving damaged: an integrity error, nothing written", function()
  local d = ds.dossier(accepted[3])
  sandbox.fault{ kind = "corrupt", count = 2, path = "/storage" }  -- one damaged transfer is fetched again
  fails({ "integrity", "network" }, "nothing was written", d.download, d, { dir = root .. "/corrupt" })
  t.eq(#files_in(root .. "/corrupt/" .. d.number), 0)
  -- Once the storage is sound again, the same call works.
  for _, r in ipairs(d:download{ dir = root .. "/corrupt" }) do t.eq(r.status, "downloaded") end
end)

-- rules -> what the error names, for a walk through the démarche's dossiers
local PAGES = {
  { "a next page forever", { { field = "hasNextPage", value = true } }, "next page without a new cursor" },
  { "no cursor", { { field = "endCursor", remove = true } }, "next page without a new cursor" },
  { "nodes is a string", { { field = "nodes", value = "x" } }, "page.nodes is a string" },
  { "pageInfo is a number", { { field = "pageInfo", value = 3 } }, "page.pageInfo is a number" },
  { "no démarche", { { field = "demarche", remove = true } }, "is missing" },
  { "dossiers is a string", { { field = "dossiers", value = "x" } }, "a page is a string" },
}

for _, case in ipairs(PAGES) do
  t.test("a page walk against a server whose pages are wrong (" .. case[1] .. "): a protocol error, no endless loop", function()
    local dem = ds.demarche(sandbox.demarche)
    hostile(case[2], function()
      fails("protocol", case[3], function()
        for _ in dem:dossiers{ page_size = 100 } do end
      end)
    end)
  end)
end

-- Every field of the answers, given every wrong type or taken away, for
-- each kind of read: a clear error or a safe result, never a Lua error
-- from inside the stdlib, a secret, or a file outside the folder.
t.test("every field of the answers, of the wrong type or missing", function()
  sandbox.rate_limit(1000000)
  local number = accepted[1]
  local dem = ds.demarche(sandbox.demarche)
  local fields = {}
  local function walk(v, seen)
    if type(v) ~= "table" or seen[v] then return end
    seen[v] = true
    for k, x in pairs(v) do
      if type(k) == "string" then fields[k] = true end
      walk(x, seen)
    end
  end
  walk(ds.dossier(number), {})
  walk(dem, {})
  for page in dem:pages{ page_size = 2 } do walk(page, {}) break end
  local names = {}
  for k in pairs(fields) do names[#names + 1] = k end
  table.sort(names)
  t.eq(#names > 50, true, "fields found: " .. #names)
  local dir = root .. "/sweep"
  local reads = {
    function() return ds.dossier(number) end,
    function() return ds.demarche(sandbox.demarche) end,
    function() for p in dem:pages{ page_size = 3 } do return p end end,
    function() return ds.dossier(number):download{ dir = dir } end,
  }
  local problems, calls = {}, 0
  for _, field in ipairs(names) do
    for _, bad in ipairs { { value = "x" }, { value = { 1 } }, { remove = true } } do
      for i, read in ipairs(reads) do
        sandbox.hostile{ { field = field, value = bad.value, remove = bad.remove } }
        calls = calls + 1
        local ok, err = pcall(read)
        sandbox.hostile()
        local shown_ok, text = pcall(tostring, err)  -- a result must print too
        if not shown_ok then ok, text = false, "tostring failed: " .. tostring(text) end
        local leaked = false
        for _, secret in ipairs(SECRETS) do leaked = leaked or text:find(secret, 1, true) ~= nil end
        if not ok and (type(err) ~= "table" or err.kind == "internal" or text:find("attempt to", 1, true)
            or text:find("stdlib/", 1, true) or leaked) then
          problems[#problems + 1] = ("read %d, %s %s: %s"):format(i, field, bad.remove and "removed" or json.encode(bad.value), text)
        end
      end
    end
  end
  sandbox.rate_limit(400)
  t.eq(#problems, 0, calls .. " calls:\n  " .. table.concat(problems, "\n  "))
  local outside = {}
  for _, path in ipairs(tree(dir)) do
    if not path:match("^" .. number .. "$") and not path:match("^" .. number .. "/[^/.][^/]*$") then outside[#outside + 1] = path end
  end
  t.eq(table.concat(outside, ", "), "", "only files in the dossier's folder")
end)

t.test("a file table of the wrong shape given to download: a usage error", function()
  local d = ds.dossier(accepted[1])
  local f = d.files[1]
  f.url = nil
  fails("usage", "file.url is missing", f.download, f, root .. "/x.pdf")
  fails("usage", "option 'dir'", d.download, d, { dir = 5 })
end)

t.test("sandbox.hostile refuses rules it does not understand", function()
  fails("usage", "sandbox.hostile", sandbox.hostile, { { value = 1 } })
  fails("usage", "sandbox.hostile", sandbox.hostile, { { field = "x" } })
  sandbox.hostile()
end)

t.test("nothing was written outside the test's folder", function()
  t.eq(#lines_of("find " .. quote(root) .. " -name escaped.txt -not -path " .. quote(root .. "/into/*")), 0)
  t.eq(#lines_of("find " .. quote(root) .. " -name '.*'"), 0, "no hidden file, no temporary file left")
end)

os.execute("rm -rf " .. quote(root))
t.finish()
