-- apidae: the Apidae tourism API (read API v002) from Lua.

local help = require "guichet.help"

local apidae = {}

help.module { name = "apidae", value = apidae,
  summary = "Apidae tourisme: objets touristiques, recherche, agenda, membres, utilisateurs, référentiel (read API)" }

return apidae
