-- emjpm_mesures.lua: list the en-cours mesures, create one, update it, and
-- export every mesure to CSV. On the sandbox:
--   guichet --sandbox scripts/examples/emjpm_mesures.lua [export.csv]
-- For real: `guichet login emjpm` once, then the same without --sandbox.
local out = arg[1] or (os.tmpname() .. ".csv")

local en_cours = emjpm.mesures{ status = "en_cours" }
print(("%d mesures en cours"):format(#en_cours))
for i = 1, math.min(3, #en_cours) do print("  " .. tostring(en_cours[i])) end

-- A new mesure: numero_rg must already be in eMJPM's form.
local tribunal = emjpm.tribunaux()[1]
local mesure = emjpm.create_mesure{
  numero_rg = emjpm.normalize_numero_rg("24/B/1187"),   -- "024B1187"
  numero_dossier = "guichet-exemple",
  civilite = "madame",
  annee_naissance = 1948,
  date_nomination = "2024-03-01",
  tribunal_siret = tribunal.siret,
  etats = { { date_changement_etat = "2024-03-01", nature_mesure = "curatelle_renforcee",
    champ_mesure = "protection_bien_personne", lieu_vie = "domicile", pays = "FR",
    code_postal = "75011", ville = "Paris" } },
  ressources = { { annee = 2024, niveau_ressource = 950, prestations_sociales = { "AAH" } } },
}
print("created " .. tostring(mesure) .. " at " .. tribunal.nom)

mesure:update{ date_fin_mesure = "2025-03-01", cause_sortie = "mainlevee" }
print("updated: ends on " .. mesure.date_fin_mesure .. " (" .. mesure.status .. ")")

-- Export: one row per mesure, for a spreadsheet (";" and a BOM for French Excel).
local w = csv.writer(out, { columns = { "id", "numero_rg", "status", "civilite", "annee_naissance",
  "date_nomination", "date_fin_mesure", "tribunal_siret" }, sep = ";", bom = true })
for _, m in ipairs(emjpm.mesures()) do w:write(m) end
w:close()
print(("exported %d mesures to %s"):format(w.count, out))
