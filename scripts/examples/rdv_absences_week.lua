-- rdv_absences_week.lua: the absences of one week, per agent (an admin sees
-- every agent of their organisations). On the sandbox:
--   guichet --sandbox scripts/examples/rdv_absences_week.lua [monday YYYY-MM-DD]
local monday = arg[1] or "2025-01-06"
local y, m, d = monday:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
assert(y, "the week is given by its monday, YYYY-MM-DD")
local sunday = os.date("!%Y-%m-%d", os.time { year = tonumber(y), month = tonumber(m), day = tonumber(d) + 6, hour = 12 })

-- Absences come by start, over every page; keep those that overlap the week.
local per_agent, order = {}, {}
for a in rdv.absences() do
  if a.first_day <= sunday and a.end_day >= monday then
    local name = a.agent and (a.agent.first_name .. " " .. a.agent.last_name) or "?"
    if not per_agent[name] then per_agent[name] = {}; order[#order + 1] = name end
    table.insert(per_agent[name], a)
  end
end
table.sort(order)

local function hour(t) return t and t:match("^(%d%d?:%d%d)") or "" end
-- Padded by characters, not bytes ("Congés" is 6 characters, 7 bytes).
local function pad(text, width) return text .. (" "):rep(width - (utf8.len(text) or #text)) end
print(("Absences from %s to %s"):format(monday, sunday))
for _, name in ipairs(order) do
  print(name)
  for _, a in ipairs(per_agent[name]) do
    local span = a.first_day == a.end_day and ("%s %s–%s"):format(a.first_day, hour(a.start_time), hour(a.end_time))
      or ("%s → %s"):format(a.first_day, a.end_day)
    print("  " .. pad(a.title, 20) .. " " .. span)
  end
end
if #order == 0 then print("  nobody is away") end
