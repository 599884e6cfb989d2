-- P6 (baseline): the same three exchanges with openssl, curl and lua-cjson.
--   lua5.4 accept_curl.lua URL TOKEN DOSSIER_ID INSTRUCTEUR_ID FILE
local cjson = require "cjson"
local url, token, dossier_id, instructeur_id, path = arg[1], arg[2], arg[3], arg[4], arg[5]
local function run(command)
  local pipe = assert(io.popen(command))
  local output = pipe:read("a")
  pipe:close()
  return output
end
local function graphql(query, variables)
  local body_path = os.tmpname()
  local out = assert(io.open(body_path, "wb"))
  out:write(cjson.encode({ query = query, variables = variables }))
  out:close()
  local answer = run(("curl -s -X POST -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' --data-binary @%s %s")
    :format(token, body_path, url))
  os.remove(body_path)
  return cjson.decode(answer)
end
local checksum = run("openssl dgst -md5 -binary " .. path .. " | base64"):gsub("%s", "")
local file = assert(io.open(path, "rb"))
local size = file:seek("end")
file:close()
local upload = graphql([[mutation($input: CreateDirectUploadInput!) { createDirectUpload(input: $input) {
  directUpload { url headers signedBlobId } } }]], { input = { dossierId = dossier_id, filename = "justificatif.pdf",
  byteSize = size, checksum = checksum, contentType = "application/pdf" } }).data.createDirectUpload.directUpload
local headers = {}
for name, value in pairs(cjson.decode(upload.headers)) do headers[#headers + 1] = ("-H '%s: %s'"):format(name, value) end
run(("curl -s -X PUT %s --data-binary @%s '%s'"):format(table.concat(headers, " "), path, upload.url))
local accepted = graphql([[mutation($input: DossierAccepterInput!) { dossierAccepter(input: $input) {
  dossier { id state } errors { message } } }]], { input = { dossierId = dossier_id, instructeurId = instructeur_id,
  motivation = "bench", justificatif = upload.signedBlobId } })
assert(accepted.data.dossierAccepter.dossier.state == "accepte")
