-- download_files.lua: downloads every file of every dossier of a démarche
-- (pièces justificatives, annotations, messages, attestations, motivations)
-- into FOLDER/<dossier number>/, eight dossiers at a time. Each file is
-- checked against its MD5 and written atomically; a file already there with
-- the same checksum is skipped, so running it again skips everything (and an
-- interrupted run resumes). Expired URLs (they last one hour) are renewed.
--
--   guichet --sandbox scripts/examples/download_files.lua [DEMARCHE [FOLDER]]
--   DS_API_TOKEN=... guichet scripts/examples/download_files.lua 12345 ./pieces
--
-- FOLDER defaults to guichet-files-<démarche> in the temporary directory.
local demarche = tonumber(arg[1]) or (sandbox and pcall(sandbox.url) and sandbox.demarche)
  or error("usage: guichet download_files.lua DEMARCHE [FOLDER]", 0)
local function temp_dir(name)
  local base = os.tmpname() -- creates a file, e.g. /tmp/lua_a1b2c3
  os.remove(base)
  return base:match("^(.*)/") .. "/" .. name
end
local folder = arg[2] or temp_dir("guichet-files-" .. demarche)

local dossiers = {}
for d in ds.demarche(demarche):dossiers{} do dossiers[#dossiers + 1] = d end

local counts = { downloaded = 0, skipped = 0 }
parallel.each(dossiers, function(d)
  for _, result in ipairs(d:download{ dir = folder }) do
    counts[result.status] = (counts[result.status] or 0) + 1
  end
end, { concurrency = 8 })

print(("%d dossiers, into %s: %d files downloaded, %d skipped (already there)")
  :format(#dossiers, folder, counts.downloaded, counts.skipped))
