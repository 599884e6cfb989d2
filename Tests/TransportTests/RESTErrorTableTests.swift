import GuichetCore
import Testing
import TestSupport
import Transport

/// Tables written the way each service writes its own: eMJPM's
/// express-validator lists, RDV-Solidarités' Rails answers, Apidae's plain
/// text. What matters is what the user reads and what a script can test.
@Suite("REST error tables", .onBlockingSafeExecutor)
struct RESTErrorTableTests {
    func answer(_ status: Int, _ body: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    // MARK: eMJPM's shapes

    let expressValidator = ErrorTable(service: "emjpm", rules: [
        .init(401, .auth, "{operation}: eMJPM refused the session ({server}): run `guichet login emjpm`",
              reading: [.field("error_description")], otherwise: "no valid access token", details: .answer, relogin: true),
        .init(422, .validation, "{operation}: {server}",
              reading: [.messages(["errors", "antenneErrors", "tiErrors"], text: ["msg", "error"], label: "param")],
              otherwise: "HTTP {status}", details: .answer),
        .init(500...599, .http, "{operation}: {server}", reading: [.field("error")], otherwise: "HTTP {status}", retryable: true),
    ], fallback: .init(0...999, .http, "{operation}: {server}", reading: [.field("error")], otherwise: "HTTP {status}", retryable: false))

    @Test("validation lists read 'param: msg', whichever list they come in")
    func expressValidatorLists() {
        let body = #"{"errors":[{"param":"numero_rg","msg":"invalide"}],"antenneErrors":[{"error":"antenne inconnue"}],"tiErrors":["tribunal fermé"]}"#
        let error = expressValidator.error(for: answer(422, body), operation: "POST /api/editors/mesures")
        #expect(error.kind == .validation)
        #expect(error.message == "POST /api/editors/mesures: numero_rg: invalide; antenne inconnue; tribunal fermé")
        #expect(error.details?["tiErrors"] != nil)
        #expect(expressValidator.error(for: answer(422, "{}"), operation: "POST /x").message == "POST /x: HTTP 422")
    }

    @Test("an OAuth 401 quotes error_description and names the service to log in to again")
    func oauthRefusal() {
        let error = expressValidator.error(for: answer(401, #"{"error":"invalid_token","error_description":"token expired"}"#), operation: "GET /api/editors/mesures")
        #expect(error.kind == .auth)
        #expect(error.message == "GET /api/editors/mesures: eMJPM refused the session (token expired): run `guichet login emjpm`")
        #expect(error.service == "emjpm")
        #expect(expressValidator.error(for: answer(401, ""), operation: "GET /m").message.contains("(no valid access token)"))
    }

    @Test("server errors are retryable; other statuses fall back to the `error` field, else the status")
    func fallbacks() {
        let busy = expressValidator.error(for: answer(502, "<html>Bad gateway</html>"), operation: "GET /m")
        #expect(busy.kind == .http)
        #expect(busy.message == "GET /m: HTTP 502")
        #expect(busy.retryable == true)
        let teapot = expressValidator.error(for: answer(418, #"{"error":"no coffee"}"#), operation: "GET /m")
        #expect(teapot.message == "GET /m: no coffee")
        #expect(teapot.retryable == false)
        #expect(teapot.service == nil)
    }

    // MARK: RDV-Solidarités' shapes

    let rails = ErrorTable(service: "rdv", rules: [
        .init(401, .auth, "{operation}: {server}", reading: [.messages(["errors"])], relogin: true),
        .init(403, .forbidden, "{operation}: {server}", reading: [.messages(["error_messages"])], otherwise: "forbidden", details: .member("errors")),
        .init(404, .notFound, "{operation}: not found ({server})", reading: [.messages(["errors"]), .field("not_found")]),
        .init(400, when: .found(.field("missing")), .usage, "{operation}: missing parameter '{server}'", reading: [.field("missing")]),
        .init(422, .validation, "{operation}: {server}", reading: [.messages(["error_messages"]), .messages(["errors"])], details: .member("errors")),
        .init(429, .rateLimited, "{operation}: {server}{retry_after}", reading: [.messages(["errors"])], retryable: true),
    ])

    @Test("403 is `forbidden` with the French message; logging in again would not help")
    func forbidden() {
        let body = #"{"errors":[{"base":"forbidden"}],"error_messages":["Vous ne pouvez pas effectuer cette action."]}"#
        let error = rails.error(for: answer(403, body), operation: "DELETE /api/v1/rdvs/9")
        #expect(error.kind == .forbidden)
        #expect(error.kind.rawValue == "forbidden")
        #expect(error.message == "DELETE /api/v1/rdvs/9: Vous ne pouvez pas effectuer cette action.")
        #expect(error.details == .array([.object([("base", .string("forbidden"))])]))
        #expect(error.service == nil)
    }

    @Test("422 shows error_messages and keeps the errors hash as details; a missing-parameter 422 shows its list")
    func railsValidation() {
        let body = #"{"success":false,"errors":{"email":[{"error":"taken","value":"a@b.fr"}]},"error_messages":["email est déjà utilisé"]}"#
        let error = rails.error(for: answer(422, body), operation: "POST /api/v1/users")
        #expect(error.kind == .validation)
        #expect(error.message == "POST /api/v1/users: email est déjà utilisé")
        #expect(error.details?["email"]?.arrayValue?.first?["error"] == .string("taken"))
        let missing = rails.error(for: answer(422, #"{"success":false,"errors":["param is missing or the value is empty: organisation_ids"]}"#), operation: "POST /u")
        #expect(missing.message == "POST /u: param is missing or the value is empty: organisation_ids")
    }

    @Test("404 reads both shapes; 400 names the missing parameter; 429 says when to retry")
    func railsOthers() {
        #expect(rails.error(for: answer(404, #"{"success":false,"errors":["Couldn't find Rdv with 'id'=9"]}"#), operation: "GET /r").message
                == "GET /r: not found (Couldn't find Rdv with 'id'=9)")
        #expect(rails.error(for: answer(404, #"{"not_found":"absence"}"#), operation: "GET /a").message == "GET /a: not found (absence)")
        let missing = rails.error(for: answer(400, #"{"missing":"territory"}"#), operation: "GET /t")
        #expect(missing.kind == .usage)
        #expect(missing.message == "GET /t: missing parameter 'territory'")
        let limited = rails.error(for: answer(429, #"{"errors":["Limite d'appels API atteinte. Merci de patienter.\n"]}"#, headers: [("Retry-After", "30")]),
                                  operation: "GET /p")
        #expect(limited.kind == .rateLimited)
        #expect(limited.message == "GET /p: Limite d'appels API atteinte. Merci de patienter.\n, retry in 30 s")
        #expect(limited.retryable == true)
    }

    // MARK: Apidae's plain text

    let plainText = ErrorTable(service: "apidae", rules: [
        .init(403, .auth, "{operation}: Apidae refused the key ({server})", reading: [.text], otherwise: "HTTP 403"),
        .init(404, .notFound, "{operation}: not found", reading: [.text]),
        .init(500...599, .http, "{operation}: Apidae answered HTTP {status}: {server}", reading: [.text], otherwise: "(empty body)", retryable: true),
    ])

    @Test("plain-text bodies are kept as they are, trimmed and cut at 300 characters")
    func plainTextBodies() {
        let refused = plainText.error(for: answer(403, "Accès interdit\n"), operation: "GET /api/v002/membre/get-by-id/1")
        #expect(refused.kind == .auth)
        #expect(refused.message == "GET /api/v002/membre/get-by-id/1: Apidae refused the key (Accès interdit)")
        #expect(refused.details == nil)
        #expect(plainText.error(for: answer(404, "Objet introuvable"), operation: "GET /o").kind == .notFound)
        let long = plainText.error(for: answer(500, String(repeating: "x", count: 400)), operation: "GET /o")
        #expect(long.message == "GET /o: Apidae answered HTTP 500: " + String(repeating: "x", count: 300) + "…")
        #expect(long.retryable == true)
        #expect(plainText.error(for: answer(503, ""), operation: "GET /o").message == "GET /o: Apidae answered HTTP 503: (empty body)")
    }

    @Test("a rule can tell one body shape from another, and read a header without its query")
    func conditionsAndHeaders() {
        let table = ErrorTable(service: "ds", rules: [
            .init(403, when: .contains(.messages(["errors"]), "forbidden network"), .auth, "pinned: {server}", reading: [.messages(["errors"])]),
            .init(403, .auth, "refused"),
            .init(300...399, .http, "moved to {server}", reading: [.header("Location")], otherwise: "another address"),
        ])
        #expect(table.error(for: answer(403, #"{"errors":[{"message":"forbidden network 1.2.3.4"}]}"#), operation: "").message == "pinned: forbidden network 1.2.3.4")
        #expect(table.error(for: answer(403, #"{"errors":[{"message":"revoked"}]}"#), operation: "").message == "refused")
        #expect(table.error(for: answer(301, "", headers: [("Location", "https://new.example/api?signature=abc")]), operation: "").message
                == "moved to https://new.example/api?…")
        #expect(table.error(for: answer(302, ""), operation: "").message == "moved to another address")
    }
}
