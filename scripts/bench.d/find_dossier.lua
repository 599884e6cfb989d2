-- P6 set-up: a dossier en_instruction that camille.martin may act on; prints
-- its id and the instructeur's id.
for d in ds.demarche(tonumber(arg[1])):dossiers{state = "en_instruction"} do
  for _, i in ipairs(d.groupeInstructeur.instructeurs) do
    if i.email == "camille.martin@sandbox.gouv.fr" then print(d.id .. " " .. i.id) return end
  end
end
error("no dossier en_instruction for camille")
