-- apidae_export_selection.lua: export the objets of a sélection to CSV,
-- with their French and English names. On the sandbox:
--   guichet --sandbox scripts/examples/apidae_export_selection.lua [out.csv] [selectionId]
-- For real: `guichet login apidae --projet <id>` once, then the same
-- without --sandbox (with one of your project's sélections).
local out = arg[1] or (os.tmpname() .. ".csv")
local selection = tonumber(arg[2]) or 64001

local objets = apidae.recherche {
  selectionIds = { selection },
  locales = { "fr", "en" },
  responseFields = { "id", "nom", "localisation.adresse.commune" },
  order = "NOM",
}
print(("sélection %d: %d objets"):format(selection, objets.numFound))

local w = csv.writer(out, { columns = { "id", "type", "nom_fr", "nom_en", "commune" }, sep = ";", bom = true })
for o in objets do
  local adresse = o.localisation and o.localisation.adresse
  w:write {
    id = o.id, type = o.type,
    nom_fr = o.nom and o.nom.libelleFr, nom_en = o.nom and (o.nom.libelleEn or o.nom.libelleFr),
    commune = adresse and adresse.commune and adresse.commune.nom,
  }
end
w:close()
print(("exported %d objets to %s"):format(w.count, out))
