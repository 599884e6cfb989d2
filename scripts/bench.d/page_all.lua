-- P3 (guichet side): pages through every dossier of a démarche.
--   DS_API_URL=... DS_API_TOKEN=... guichet page_all.lua 1001
local count = 0
for _ in ds.demarche(tonumber(arg[1])):dossiers{} do count = count + 1 end
print(count)
