-- rdv_create_users.lua: create users from a CSV file, each with their
-- referent agent (named by email), in one organisation. Columns:
--   first_name;last_name;email;phone_number;birth_date;referent_email
-- On the sandbox (without a file, a sample one is written first):
--   guichet --sandbox scripts/examples/rdv_create_users.lua [users.csv] [organisation_id]
-- Try it with --dry-run first: nothing is created, every request is shown.
local path = arg[1]
local organisation = rdv.organisation(tonumber(arg[2]) or (sandbox and sandbox.rdv.organisation) or 1)

if not path then
  path = os.tmpname() .. ".csv"
  local sample = assert(io.open(path, "w"))
  sample:write("first_name;last_name;email;phone_number;birth_date;referent_email\n",
    "Inès;Moreau;ines.moreau@example.fr;0611223344;1990-04-12;agent@sandbox-rdv.fr\n",
    "Karim;Benali;karim.benali@example.fr;;1985-11-30;collegue@sandbox-rdv.fr\n",
    "Jeanne;Martin;jeanne.martin@example.fr;;;agent@sandbox-rdv.fr\n",   -- this email is taken already
    "Léa;Petit;;0699887766;;inconnu@example.fr\n")                        -- no such agent
  sample:close()
end

-- The organisation's agents, by email: the referents the file names.
local agents = {}
for a in organisation:agents() do agents[a.email:lower()] = a end

local created, failed = 0, 0
for row in csv.reader(path, { sep = ";", columns = true }) do
  local who = row.first_name .. " " .. row.last_name
  local referent = agents[(row.referent_email or ""):lower()]
  if row.referent_email ~= "" and not referent then
    print(("skipped %s: no agent %s in %s"):format(who, row.referent_email, organisation.name))
    failed = failed + 1
  else
    local ok, user = pcall(rdv.create_user, {
      organisation_ids = { organisation.id },
      first_name = row.first_name, last_name = row.last_name,
      email = row.email ~= "" and row.email or nil,
      phone_number = row.phone_number ~= "" and row.phone_number or nil,
      birth_date = row.birth_date ~= "" and row.birth_date or nil,
      referent_agent_ids = referent and { referent.id } or nil,
    })
    if not ok then
      -- A validation error keeps RDV's French message and the field errors.
      print(("refused %s: %s"):format(who, user.kind == "validation" and user.message:gsub("^POST %S+: ", "") or tostring(user)))
      failed = failed + 1
    elseif user == nil then
      print(("would create %s (dry run)"):format(who))
    else
      print(("created %s, referent %s"):format(tostring(user), referent and (referent.first_name .. " " .. referent.last_name) or "none"))
      created = created + 1
    end
  end
end
print(("%d created, %d not"):format(created, failed))
