-- export_csv.lua: exports the dossiers of a démarche to a CSV file: number,
-- state, usager email, groupe, date de dépôt, then one column per champ of
-- the démarche (its label as header, the champ's value in each row).
--
--   guichet --sandbox scripts/examples/export_csv.lua [DEMARCHE [FILE.csv]]
--   DS_API_TOKEN=... guichet scripts/examples/export_csv.lua 12345 dossiers.csv
--
-- For French Excel: `sep = ";"` (Excel in French expects semicolons, since
-- the comma is the decimal separator) and `bom = true` (a UTF-8 byte order
-- mark, without which Excel garbles accents). The file is written to a
-- temporary name and renamed when complete: an interrupted export never
-- leaves a half-written file. FILE defaults to a temporary file.
local demarche = tonumber(arg[1]) or (sandbox and pcall(sandbox.url) and sandbox.demarche)
  or error("usage: guichet export_csv.lua DEMARCHE [FILE.csv]", 0)
local path = arg[2]
if not path then
  path = os.tmpname() -- creates an empty file: the CSV goes next to it
  os.remove(path)
  path = path .. "-dossiers-" .. demarche .. ".csv"
end

local dem = ds.demarche(demarche)
local columns = { "Numéro", "État", "Email de l’usager", "Groupe instructeur", "Date de dépôt" }
local champs = {} -- descriptors that hold a value (not section headers or explanations)
for _, descriptor in ipairs(dem.champ_descriptors) do
  if descriptor.__typename ~= "HeaderSectionChampDescriptor" and descriptor.__typename ~= "ExplicationChampDescriptor" then
    champs[#champs + 1] = descriptor
    columns[#columns + 1] = descriptor.label
  end
end

-- Numbers stay numbers; everything else is the API's text (Oui/Non, lists
-- joined with commas, file names).
local function cell(champ)
  if champ == nil then return nil end
  if type(champ.value) == "number" then return champ.value end
  return champ.stringValue
end

local rows
do
  local w <close> = csv.writer(path, { columns = columns, sep = ";", bom = true })
  for d in dem:dossiers{} do
    local row = { ["Numéro"] = d.number, ["État"] = d.state, ["Email de l’usager"] = d.usager.email,
      ["Groupe instructeur"] = d.groupeInstructeur.label, ["Date de dépôt"] = d.dateDepot }
    for _, descriptor in ipairs(champs) do
      row[descriptor.label] = cell(d.champs[descriptor.id] or d.champs[descriptor.label])
    end
    w:write(row)
  end
  rows = w.count
end -- closing the writer renames the finished file onto `path`
print(("%d dossiers, %d columns → %s"):format(rows, #columns, path))
