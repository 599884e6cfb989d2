-- P6 (guichet side): the three exchanges of an accept with a justificatif:
-- createDirectUpload, PUT of the bytes, dossierAccepter.
--   guichet accept.lua DOSSIER_ID INSTRUCTEUR_ID FILE
local core = require "guichet.ds_core"
local dossier_id, instructeur_id, path = arg[1], arg[2], arg[3]
local signed = core.upload(path, dossier_id)
local data = core.request("dossierAccepter", { input = { dossierId = dossier_id, instructeurId = instructeur_id,
  motivation = "bench", justificatif = signed } })
assert(data.dossierAccepter.dossier.state == "accepte")
