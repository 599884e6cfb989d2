-- Writes a ~10 MiB JSON document shaped like a démarches-simplifiées
-- GraphQL answer (a page of dossiers with champs, files, messages, French
-- text, integers and floats). Deterministic: the same bytes every run.
--   guichet make_document.lua out.json [mebibytes]
local path, size = arg[1], tonumber(arg[2] or "10") * 1024 * 1024
math.randomseed(42)
local function pick(list) return list[math.random(#list)] end

local prenoms = { "Élodie", "François", "Loïc", "Hélène", "Jérôme", "Chloé", "Noël", "Zoë", "Gaëlle", "Cédric" }
local noms = { "Lefèvre", "Bélanger", "Ménard", "Côté", "Gagné", "Dupré", "Thérien", "Lévêque", "Müller", "Château" }
local labels = { "Nom de l'établissement", "Adresse de la structure", "Numéro SIRET", "Date de début d'activité",
  "Montant demandé (€)", "Pièce justificative", "Commentaire libre", "Département", "Catégorie", "Déclaration sur l'honneur" }
local texts = { "Demande de subvention pour l'amélioration énergétique du bâtiment communal.",
  "Réhabilitation d'un local associatif situé près de l'église, rue des Écoles.",
  "Création d'un jardin partagé à Besançon — coût estimé à 12 500 €.",
  "Travaux d'accessibilité : rampe, élargissement des portes, sanitaires adaptés." }
local states = { "en_construction", "en_instruction", "accepte", "refuse", "sans_suite" }
local types = { "TextChamp", "DateChamp", "DecimalNumberChamp", "PieceJustificativeChamp", "CheckboxChamp" }

local function hex(n)
  local t = {}
  for i = 1, n do t[i] = ("%x"):format(math.random(0, 15)) end
  return table.concat(t)
end

local function champ(i, j)
  local kind = pick(types)
  local c = { __typename = kind, id = ("Q2hhbXAt%d"):format(i * 100 + j), label = labels[(j - 1) % #labels + 1],
    stringValue = pick(texts) }
  if kind == "DecimalNumberChamp" then c.decimalNumber = math.random(0, 10000000) / 100 + 0.001 end
  if kind == "CheckboxChamp" then c.checked = math.random() < 0.5 end
  if kind == "DateChamp" then c.date = ("2024-%02d-%02d"):format(math.random(12), math.random(28)) end
  if kind == "PieceJustificativeChamp" then
    c.files = {}
    for k = 1, math.random(2) do
      c.files[k] = { filename = ("justificatif_%d.pdf"):format(k), contentType = "application/pdf",
        byteSizeBigInt = tostring(math.random(10000, 5000000)), checksum = hex(22) .. "==",
        url = "https://static.example.gouv.fr/blobs/" .. hex(32) .. "?filename=justificatif.pdf&temp_url_expires=1700000000" }
    end
  end
  return c
end

local function dossier(i)
  local p, n = pick(prenoms), pick(noms)
  local messages = {}
  for k = 1, math.random(0, 3) do
    messages[k] = { id = "TWVzc2FnZS0" .. k, email = "instructeur@exemple.gouv.fr",
      body = "Bonjour, pourriez-vous préciser le coût prévisionnel ? Cordialement.", createdAt = "2024-03-20T09:00:00+01:00" }
  end
  local champs = {}
  for j = 1, 10 do champs[j] = champ(i, j) end
  return { __typename = "Dossier", id = ("RG9zc2llci0%07d"):format(i), number = 1000000 + i, state = pick(states),
    archived = false, dateDepot = "2024-03-14T10:22:31+01:00", dateDerniereModification = "2024-04-02T16:05:12+02:00",
    motivation = math.random() < 0.7 and json.null or "Dossier incomplet : pièce d'identité manquante.",
    usager = { email = (p .. "." .. n .. "@exemple.fr"):lower() },
    demandeur = { __typename = "PersonnePhysique", civilite = pick({ "M", "Mme" }), nom = n, prenom = p },
    groupeInstructeur = { id = "R3JvdXBlSW5zdHJ1Y3RldXItNDI=", number = 42, label = "Région Bourgogne-Franche-Comté" },
    champs = champs, annotations = { { __typename = "TextChamp", id = "QW5ub3RhdGlvbi0" .. i,
      label = "Avis de l'instructeur", stringValue = "Favorable sous réserve" } },
    messages = json.array(messages) }
end

local nodes, estimate = {}, 0
while estimate < size do
  nodes[#nodes + 1] = dossier(#nodes + 1)
  estimate = estimate + #json.encode(nodes[#nodes])
end
local doc = { data = { demarche = { id = "UHJvY2VkdXJlLTEyMzQ=", number = 1234, title = "Subvention « Rénovation énergétique »",
  dossiers = { pageInfo = { hasNextPage = true, endCursor = "MjAyNC0wNC0wMlQxNjowNToxMi4wMDBaOzEyMzQ1" }, nodes = nodes } } } }
local file = assert(io.open(path, "wb"))
file:write(json.encode(doc))
file:close()
