-- hello.lua: a first look at guichet. Run it with
--   scripts/guichet scripts/examples/hello.lua
print("Bonjour from guichet " .. guichet.version .. " (" .. _VERSION .. ")")

-- json is a global, loaded on first use.
local dossier = json.decode([[{"number": 12345, "state": "en_instruction",
  "usager": {"email": "jean.dupont@example.fr"}, "champs": [], "montant": 1250.5}]])
print("dossier " .. dossier.number .. " · " .. dossier.state .. " · " .. dossier.usager.email)
pp(dossier)

-- Host calls overlap inside parallel.map: ten waits of 0.1 s take 0.1 s.
local started = os.clock()
local doubled = parallel.map({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, function(n)
  guichet.sleep(0.1)
  return n * 2
end, { concurrency = 10 })
print("parallel.map → " .. table.concat(doubled, " ") ..
  (" (%d host calls in flight at once)"):format(guichet.stats().max_in_flight))

-- Errors are values with a kind.
local ok, err = pcall(json.decode, "{oops}")
print("a bad document gives a " .. err.kind .. " error: " .. err.message)
