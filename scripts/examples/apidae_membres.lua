-- apidae_membres.lua: the membres of a commune with their utilisateurs
-- (Apidae's documented get-membres use case). On the sandbox:
--   guichet --sandbox scripts/examples/apidae_membres.lua [codeInsee]
-- For real: `guichet login apidae --projet <id>` once (a project with
-- access to the membres), then the same without --sandbox.
local commune = arg[1] or "26362"   -- Valence (Drôme)

local membres = apidae.membres {
  filter = { communeCode = commune },
  responseFields = { "UTILISATEURS" },
}
print(("%d membres in commune %s"):format(#membres, commune))
table.sort(membres, function(a, b) return a.id < b.id end)
for _, membre in ipairs(membres) do
  print(tostring(membre))
  for _, u in ipairs(membre.utilisateurs or {}) do
    print(("  %s %s <%s>"):format(u.firstName or "", u.lastName or "", u.eMail or "?"))
  end
end
