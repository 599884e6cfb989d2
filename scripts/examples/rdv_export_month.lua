-- rdv_export_month.lua: export an organisation's RDVs of one month to CSV
-- (one row per RDV, for a spreadsheet). On the sandbox:
--   guichet --sandbox scripts/examples/rdv_export_month.lua [out.csv] [organisation_id] [YYYY-MM]
-- For real: `guichet login rdv` once, then the same without --sandbox.
local out = arg[1] or (os.tmpname() .. ".csv")
local organisation = rdv.organisation(tonumber(arg[2]) or (sandbox and sandbox.rdv.organisation) or 1)
local month = arg[3] or "2025-01"

-- The month's bounds. RDV reads dates without a time zone in Paris time,
-- so "2025-01-01" is midnight in Paris: exactly what a French month means.
local year, m = month:match("^(%d%d%d%d)%-(%d%d)$")
assert(year, "the month must be YYYY-MM")
local next_month = tonumber(m) == 12 and ("%04d-01"):format(tonumber(year) + 1) or ("%s-%02d"):format(year, tonumber(m) + 1)

local function names(people)
  local list = {}
  for _, p in ipairs(people or {}) do
    local person = p.user or p   -- participations wrap their user
    list[#list + 1] = ((person.first_name or "") .. " " .. (person.last_name or "")):gsub("^ ", "")
  end
  return table.concat(list, ", ")
end

local w <close> = csv.writer(out, { columns = { "id", "starts_at", "duration_in_min", "status", "motif", "agents", "usagers" },
  sep = ";", bom = true })
local by_status = {}
for r in organisation:rdvs { starts_after = month .. "-01", starts_before = next_month .. "-01" } do
  w:write { id = r.id, starts_at = r.starts_at, duration_in_min = r.duration_in_min, status = r.status,
    motif = r.motif and r.motif.name, agents = names(r.agents), usagers = names(r.participations) }
  by_status[r.status] = (by_status[r.status] or 0) + 1
end
w:close()

print(("%s: %d RDVs in %s, exported to %s"):format(organisation.name, w.count, month, out))
local statuses = {}
for status, n in pairs(by_status) do statuses[#statuses + 1] = ("%s %d"):format(status, n) end
table.sort(statuses)
print("  " .. table.concat(statuses, " · "))
