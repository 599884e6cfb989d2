-- The README's reference section, read as data, with live values for what
-- it documents: every module, function, method and object type. The input
-- and dry-run tests walk it, so a function added to the reference is
-- tested without anyone listing it again.
--
--   local reference = require "reference"
--   local ref = reference.load("README.md", objects)   -- objects: type name -> a live object
--   for _, f in ipairs(ref.functions) do ... f.name, f.signature, f.value, f.module, f.type, f.takes_options end

local reference = {}

local function read(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("a")
  file:close()
  return text
end

-- Lines of the generated section only (between the markers).
local function reference_lines(readme)
  local section = readme:match("<!%-%- reference:start %-%->(.-)<!%-%- reference:end %-%->")
  assert(section, "README.md has no reference section")
  local lines = {}
  for line in section:gmatch("[^\n]*") do lines[#lines + 1] = line end
  return lines
end

--- reference.load(path, objects) -> { modules = {...}, types = {...}, functions = {...} }
-- objects maps a type name (Dossier, Mesure, csv.writer...) to a live object,
-- whose metatable gives the methods' values.
function reference.load(path, objects)
  local ref = { modules = {}, types = {}, functions = {} }
  local module, type_name
  for _, line in ipairs(reference_lines(read(path))) do
    local m = line:match("^### `([%w_]+)`$")
    local t = line:match("^%*%*([%w_.]+)%*%*:")
    local item = line:match("^%- `([^`]+)`")
    if m then
      module, type_name = m, nil
      ref.modules[#ref.modules + 1] = { name = m, value = _G[m] }
    elseif t then
      type_name = t
      ref.types[#ref.types + 1] = { name = t, module = module, object = objects[t] }
    elseif item then
      local head, sep, key = item:match("^([%w_]+)([.:])([%w_]+)")
      local f = { signature = item, module = module, type = type_name,
        takes_options = item:find("^[%w_.:]+{") ~= nil or item:find("%[, {") ~= nil }
      local nested_head, nested_table, nested_key = item:match("^([%w_]+)%.([%w_]+)%.([%w_]+)")
      if nested_head and nested_head == module and type_name == nested_head .. "." .. nested_table then
        -- a function of a table inside the module (apidae.referentiel.communes), listed under that table
        local parent = _G[module] and rawget(_G[module], nested_table)
        f.name, f.type = nested_head .. "." .. nested_table .. "." .. nested_key, nil
        f.value = type(parent) == "table" and rawget(parent, nested_key) or nil
      elseif head and sep == "." and head == module then
        f.name, f.value = head .. "." .. key, _G[module] and _G[module][key]   -- sandbox: only with --sandbox
      elseif head and sep == ":" and type_name then
        f.name, f.method = type_name .. ":" .. key, key
        local object = objects[type_name]
        f.self = object
        f.value = object and getmetatable(object)[key]
      elseif item:match("^" .. module .. "%(") then
        f.name, f.value = module, _G[module]   -- pp(value): the module is the function
      end
      if f.name then ref.functions[#ref.functions + 1] = f end
    end
  end
  return ref
end

--- The live objects of every documented type, fetched from the sandbox.
function reference.objects()
  local d = ds.dossier(100001)
  local dem = ds.demarche(sandbox.demarche)
  return {
    Dossier = d, Demarche = dem, Groupe = dem.groupes[1], File = d.files[1],
    Mesure = emjpm.mesures()[1],
    Objet = apidae.objet(5000108), Membre = apidae.membre(1157), Utilisateur = apidae.utilisateur(20001),
    Recherche = apidae.recherche { selectionIds = { 64003 } }, ["apidae.referentiel"] = apidae.referentiel,
    Organisation = rdv.organisation(sandbox.rdv.organisation), Absence = rdv.absence(sandbox.rdv.first_absence_id),
    User = rdv.user(sandbox.rdv.first_user_id), Agent = rdv.me(), Rdv = rdv.organisation(sandbox.rdv.organisation):rdvs()(),
    Motif = rdv.organisation(sandbox.rdv.organisation):motifs()(), Webhook = rdv.organisation(sandbox.rdv.organisation):webhooks()(),
    ["csv.writer"] = csv.writer({ write = function() return true end }),
  }
end

--- Whether an error is one guichet may give a user: not a position inside
-- the stdlib, not a raw Lua runtime error. Returns true, or false and why.
function reference.clean_error(err, script)
  local text = type(err) == "table" and (rawget(err, "message") or "") or tostring(err)
  local where = type(err) == "table" and rawget(err, "where") or nil
  local full = (type(where) == "string" and where or "") .. text
  if full:find("stdlib/", 1, true) then return false, "points inside the stdlib: " .. full end
  for _, raw in ipairs { "attempt to ", "bad argument #%d+ to '%?'", "stack overflow", "table index is" } do
    if text:find(raw) then return false, "raw Lua error: " .. full end
  end
  local file = full:match("^([^:\n]+%.lua):%d+:")
  if file and script and file ~= script then return false, "blames " .. file .. " rather than the caller: " .. full end
  return true
end

return reference
