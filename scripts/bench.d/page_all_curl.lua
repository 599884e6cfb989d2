-- P3 (baseline): the same pages with curl, decoded with lua-cjson.
--   lua5.4 page_all_curl.lua URL TOKEN DEMARCHE DOCUMENT_FILE
local cjson = require "cjson"
local url, token, demarche, document_file = arg[1], arg[2], tonumber(arg[3]), arg[4]
local file = assert(io.open(document_file, "rb"))
local document = file:read("a")
file:close()
local body_path = os.tmpname()
local count, cursor = 0, nil
repeat
  local body = cjson.encode({ query = document, operationName = "getDemarcheDossiers",
    variables = { number = demarche, first = 100, after = cursor } })
  local out = assert(io.open(body_path, "wb"))
  out:write(body)
  out:close()
  local curl = assert(io.popen(("curl -s -X POST -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' --data-binary @%s %s")
    :format(token, body_path, url)))
  local answer = cjson.decode(curl:read("a"))
  curl:close()
  local connection = answer.data.demarche.dossiers
  count = count + #connection.nodes
  cursor = connection.pageInfo.endCursor
until not connection.pageInfo.hasNextPage
os.remove(body_path)
print(count)
