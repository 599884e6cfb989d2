-- The emjpm module against the sandbox's eMJPM (guichet --sandbox).
local t = require "testing"
local test, eq, raises = t.test, t.eq, t.raises

local function mesure(extra)
  local m = { numero_rg = "0000TEST", civilite = "monsieur", annee_naissance = 1960, date_nomination = "2024-02-01",
    tribunal_siret = emjpm.tribunaux()[1].siret, ressources = {},
    etats = { { date_changement_etat = "2024-02-01", nature_mesure = "tutelle", champ_mesure = "protection_bien",
      lieu_vie = "domicile", pays = "FR" } } }
  for k, v in pairs(extra or {}) do m[k] = v end
  return m
end

test("mesures, by status, and one by id", function()
  local all = emjpm.mesures()
  assert(#all > 0)
  local en_cours = emjpm.mesures{ status = "en_cours" }
  for _, m in ipairs(en_cours) do eq(m.status, "en_cours") end
  assert(#en_cours < #all)
  local one = emjpm.mesure(all[1].id)
  eq(one.numero_rg, all[1].numero_rg)
  eq(getmetatable(one).__name, "Mesure")
  raises(function() emjpm.mesure(999999) end, "not found")
  raises(function() emjpm.mesures{ status = "fini" } end, "status must be en_attente, en_cours or eteinte")
  raises(function() emjpm.mesures{ statut = "en_cours" } end,
    "bad argument #1 to 'mesures' (unknown option 'statut'; did you mean 'status'? options are status)")
end)

test("ressources of the wrong type reach the server's validation, not an internal error", function()
  local err = raises(function() emjpm.create_mesure(mesure{ numero_rg = "00RESSRC", ressources = 1.5 }) end, "ressources")
  eq(err.kind, "validation")
end)

test("create, update, delete", function()
  local m = emjpm.create_mesure(mesure{ numero_rg = "00CREATE" })
  eq(m.numero_rg, "00CREATE")
  eq(m.status, "en_cours")
  m:update{ date_fin_mesure = "2020-01-01" }
  eq(m.status, "eteinte")
  eq(emjpm.mesure(m.id).date_fin_mesure, "2020-01-01")
  eq(m:delete(), true)
  eq(m:delete(), false, "already gone")
end)

test("numero_rg is checked locally, with the normalised value offered", function()
  eq(emjpm.normalize_numero_rg("18/A/3245"), "018A3245")
  eq(emjpm.normalize_numero_rg("2020202020"), "20202020")
  eq(emjpm.normalize_numero_rg("rg-12"), "0000RG12")
  eq(emjpm.normalize_numero_rg(""), "00000000")
  local before = #emjpm.mesures()
  raises(function() emjpm.create_mesure(mesure{ numero_rg = "18/A/3245" }) end, 'use "018A3245"')
  eq(#emjpm.mesures(), before, "nothing was sent")
end)

test("validation errors keep the server's field names", function()
  local err = raises(function() emjpm.create_mesure(mesure{ civilite = "mx", tribunal_siret = "000" }) end, "civilite: Invalid value")
  eq(err.kind, "validation")
  eq(err.status, 422)
  t.contains(err.message, "tribunal_siret: siret is not valid")
  eq(err.details.errors[1].param, "civilite")
  raises(function() emjpm.create_mesure(mesure{ nom = "Dupont" }) end, "unknown field 'nom'; fields are annee_naissance, antenne_id,")
  raises(function() emjpm.create_mesure(mesure{ numero_gr = "018A3245" }) end, "unknown field 'numero_gr'; did you mean 'numero_rg'? fields are")
end)

test("batches: up to 1000 in one call, more refused", function()
  local created = emjpm.create_mesures{ mesure{ numero_rg = "0BATCH01" }, mesure{ numero_rg = "0BATCH02" } }
  eq(#created, 2)
  local many = {}
  for i = 1, 1001 do many[i] = mesure{ numero_rg = ("%08d"):format(i) } end
  raises(function() emjpm.create_mesures(many) end, "more than the 1000 one batch takes")
  raises(function() emjpm.create_mesures{ mesure{ numero_rg = "b-1" } } end, "mesure #1: numero_rg")
end)

test("antennes, tribunaux, user; direction_services needs a direction user", function()
  eq(#emjpm.antennes() > 0, true)
  eq(type(emjpm.tribunaux()[1].siret), "string")
  local user = emjpm.user()
  eq(user.type, "service")
  eq(type(user.service.mesures_en_cours), "number")
  local err = raises(function() emjpm.direction_services() end, "only allowed for user of type 'direction'")
  eq(err.kind, "validation")
end)

test("delete_all_mesures refuses without confirm, then deletes everything", function()
  raises(function() emjpm.delete_all_mesures() end, "pass {confirm = true}")
  raises(function() emjpm.delete_all_mesures{ confirm = "yes" } end, "pass {confirm = true}")
  local count = #emjpm.mesures()
  eq(emjpm.delete_all_mesures{ confirm = true }, count)
  eq(#emjpm.mesures(), 0)
end)

test("help documents every function and method", function()
  for name, f in pairs(emjpm) do
    if type(f) == "function" then assert(not help.text(f):find("^no help"), "emjpm." .. name .. " undocumented") end
  end
  local m = emjpm.create_mesure(mesure{ numero_rg = "000HELP1" })
  for name, f in pairs(getmetatable(m)) do
    if type(f) == "function" and not name:find("^__") then assert(not help.text(f):find("^no help"), "Mesure:" .. name) end
  end
end)

t.finish()
