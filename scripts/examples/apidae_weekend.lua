-- apidae_weekend.lua: the events of next weekend, from Apidae's agenda.
-- On the sandbox:
--   guichet --sandbox scripts/examples/apidae_weekend.lua
-- For real: `guichet login apidae --projet <id>` once, then the same
-- without --sandbox.

-- Next Saturday and Sunday (after today; a Saturday gives the next one).
local day = 24 * 3600
local now = os.time()
local wday = tonumber(os.date("%w", now))          -- 0 = Sunday ... 6 = Saturday
local saturday = now + ((6 - wday) % 7 == 0 and 7 or (6 - wday) % 7) * day
local debut, fin = os.date("%Y-%m-%d", saturday), os.date("%Y-%m-%d", saturday + day)

local events = apidae.agenda {
  dateDebut = debut, dateFin = fin,
  criteresQuery = "type:FETE_ET_MANIFESTATION",
  responseFields = { "id", "nom", "localisation.adresse.commune", "ouverture.periodeEnClair" },
  order = "NOM",
}
print(("%d events from %s to %s"):format(events.numFound, debut, fin))
for event in events do
  local when = event.ouverture and event.ouverture.periodeEnClair
  print(tostring(event) .. (when and ("  (" .. (when.libelleFr or "") .. ")") or ""))
end
