import Foundation
import GuichetCore
import HTTPTypes
import Hummingbird
import NIOCore
import RDV
import Sandbox
import Synchronization

/// The fake RDV-Solidarités: devise_token_auth's sign-in with one live
/// token per agent (a sign-in kills the agent's previous token), the three
/// headers checked and echoed on every authenticated call, every v1
/// endpoint of the OpenAPI file plus `PATCH /api/v1/participations/{id}`,
/// Kaminari's pagination `meta` (100 a page), RDV's error bodies, the
/// validation of users, absences and webhook endpoints, and the harness's
/// faults. What is seeded is in `RDVSandboxContract`.
public final class RDVFake: EnvironmentFreeFake {
    public let name = "rdv"
    public let faultPaths = ["/api/v1", "/public_api"]

    let state = Mutex(RDVWorld.seeded())
    public let harnessSlot = HarnessSlot()

    public init() {}

    public func reset() {
        state.withLock { $0 = RDVWorld.seeded() }
    }

    public func environment(baseURL: String) -> [(name: String, value: String)] {
        [("RDV_API_URL", RDVSandboxContract.apiURL(onSandbox: baseURL)), ("RDV_EMAIL", RDVSandboxContract.email),
         ("RDV_PASSWORD", RDVSandboxContract.password)]
    }

    public var summary: String {
        "agent \(RDVSandboxContract.email), organisation \(RDVSandboxContract.mainOrganisation) (\(RDVSandboxContract.rdvCount) RDVs)"
    }

    /// What the sign-in endpoint and the admin routes have seen.
    public struct Stats: Sendable, Equatable {
        public var signIns: Int
        public var signOuts: Int
        public var failedSignIns: Int
        public var evictions: Int
        /// Webhook endpoints created or updated without `trigger: false` (RDV would replay every record to them).
        public var webhookReplays: Int
    }

    public var stats: Stats {
        state.withLock { Stats(signIns: $0.signIns, signOuts: $0.signOuts, failedSignIns: $0.failedSignIns, evictions: $0.evictions,
                               webhookReplays: $0.webhookReplays) }
    }

    /// The agent signs in elsewhere (another tool, another process): the
    /// token guichet holds is dead from now on.
    public func evict(email: String = RDVSandboxContract.email) {
        state.withLock { world in
            guard let agent = world.agents.values.first(where: { $0.email == email }) else { return }
            world.tokens[agent.id] = RDVWorld.Token(access: RDVFake.random(RDVSandboxContract.tokenPrefix),
                                                    client: RDVFake.random(RDVSandboxContract.clientPrefix),
                                                    expiry: Int(Date().timeIntervalSince1970) + world.tokenLifetime)
            world.evictions += 1
        }
    }

    /// A webhook RDV would have sent after a change made through the API.
    public struct WebhookDelivery: Sendable, Equatable {
        public var webhookID: Int
        public var targetURL: String
        /// `Rdv`, `User`, `Absence`, `UserProfile`, `ReferentAssignation`, `Organisation`.
        public var model: String
        /// `created`, `updated` or `destroyed`.
        public var event: String
        /// The raw JSON body, as signed.
        public var body: String
        /// `X-Lapin-Signature`: hex(HMAC-SHA256(the endpoint's secret, body)).
        public var signature: String
    }

    /// The webhooks the changes made so far would have sent, oldest first
    /// (the fake keeps them: it sends nothing out).
    public var webhookDeliveries: [WebhookDelivery] {
        state.withLock { world in
            world.deliveries.map { WebhookDelivery(webhookID: $0.webhookID, targetURL: $0.targetURL, model: $0.model, event: $0.event,
                                                   body: $0.body, signature: $0.signature) }
        }
    }

    /// Every live token expires now.
    public func expireTokens() {
        state.withLock { world in
            for id in world.tokens.keys { world.tokens[id]?.expiry = Int(Date().timeIntervalSince1970) - 1 }
        }
    }

    static func random(_ prefix: String) -> String {
        prefix + (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    // MARK: - Answers

    /// An answer of a route: a status and a JSON body (none for 204).
    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var body: JSONValue?
        var headers: HTTPFields = [:]

        static func ok(_ body: JSONValue) -> Answer { Answer(status: .ok, body: body) }
        static let noContent = Answer(status: .noContent, body: nil)

        static let unauthorized = Answer(status: .unauthorized,
                                         body: .object([("errors", .array([.string("Vous devez vous connecter ou vous inscrire pour continuer.")]))]))
        /// Pundit's refusal.
        static let forbidden = Answer(status: .forbidden, body: .object([
            ("errors", .array([.object([("base", .string("forbidden"))])])),
            ("error_messages", .array([.string("Vous ne pouvez pas effectuer cette action.")])),
        ]))

        /// `record_not_found`: `Couldn't find User with 'id'=12`.
        static func notFound(_ model: String, _ id: String?) -> Answer {
            let message = id.map { $0.isEmpty ? "Couldn't find \(model) without an ID" : "Couldn't find \(model) with 'id'=\($0)" }
                ?? "Couldn't find \(model) without an ID"
            return Answer(status: .notFound, body: .object([("success", .bool(false)), ("errors", .array([.string(message)]))]))
        }

        /// `render_error :not_found`: `{"not_found": "absence"}`.
        static func notFound(key: String) -> Answer {
            Answer(status: .notFound, body: .object([("not_found", .string(key))]))
        }

        /// ActionController::ParameterMissing.
        static func missingParameter(_ name: String) -> Answer {
            Answer(status: .unprocessableContent, body: .object([
                ("success", .bool(false)), ("errors", .array([.string("param is missing or the value is empty: \(name)")])),
            ]))
        }

        /// ActiveRecord::RecordInvalid: `errors.details` and the full messages.
        static func invalid(_ errors: RDVValidation) -> Answer {
            Answer(status: .unprocessableContent, body: .object([
                ("success", .bool(false)),
                ("errors", .object(errors.fields.map { field in (field.name, .array(field.details)) })),
                ("error_messages", .array(errors.messages.map(JSONValue.string))),
            ]))
        }
    }

    // MARK: - Serving

    /// What a route sees: the signed-in agent, the parameters, the path's.
    struct Call: Sendable {
        var agent: RDVWorld.Agent
        var params: RDVParams
        var path: [String: String]

        func id(_ name: String) -> Int? { path[name].flatMap { Int($0) } }
    }

    static let accessToken = HTTPField.Name("access-token")!
    static let client = HTTPField.Name("client")!
    static let uid = HTTPField.Name("uid")!
    static let expiry = HTTPField.Name("expiry")!
    static let tokenType = HTTPField.Name("token-type")!

    /// The headers devise_token_auth sends back for a token.
    static func authHeaders(_ token: RDVWorld.Token, uid: String) -> HTTPFields {
        let fields: [(String, JSONValue)] = [("access-token", .string(token.access)), ("token-type", .string("Bearer")),
                                              ("client", .string(token.client)), ("expiry", .string(String(token.expiry))), ("uid", .string(uid))]
        let bearer = Data(JSONValue.object(fields).serialized()).base64EncodedString()
        return [RDVFake.accessToken: token.access, RDVFake.tokenType: "Bearer", RDVFake.client: token.client,
                RDVFake.expiry: String(token.expiry), RDVFake.uid: uid,
                .authorization: "Bearer " + bearer]
    }

    /// Runs a route as RDV would: the harness's fault, the log, the
    /// authentication (unless `public`), the parameters, the route under the
    /// world's lock, the answer (late, cut or damaged when a fault says so).
    func serve(_ request: Request, _ context: BasicRequestContext, names: [String], authenticated: Bool = true,
               _ route: @escaping @Sendable (inout RDVWorld, Call) -> Answer) async throws -> Response {
        var request = request
        let path = request.uri.path
        let fault = harness.faults.take(path)
        var record = SandboxServer.RequestRecord(method: request.method.rawValue, path: path,
                                                 hadAuthorization: request.headers[RDVFake.accessToken] != nil || request.headers[.authorization] != nil)
        defer { harness.requests.record(record) }
        if let answer = faultAnswer(fault) { return answer }

        let body = Array(buffer: try await request.collectBody(upTo: 16 << 20))
        let params: RDVParams
        do {
            params = try RDVParams(query: request.uri.query, body: body, contentType: request.headers[.contentType])
        } catch {
            return SandboxResponse.json(.badRequest, .object([("status", .int(400)), ("error", .string("Bad Request"))]))
        }
        var pathValues: [String: String] = [:]
        for name in names { pathValues[name] = context.parameters.get(name) }

        let (access, client, uid) = RDVFake.credentials(request.headers)
        let (answer, echo): (Answer, HTTPFields) = state.withLock { world in
            var agent = RDVWorld.Agent(id: 0, email: "", firstName: "", lastName: "", password: nil, roles: [:])
            var echo: HTTPFields = [:]
            if authenticated {
                guard let found = RDVFake.signedIn(world, access: access, client: client, uid: uid) else { return (.unauthorized, [:]) }
                agent = found
                if let token = world.tokens[found.id] { echo = RDVFake.authHeaders(token, uid: found.email) }
            }
            record.executed = true
            return (route(&world, Call(agent: agent, params: params, path: pathValues)), echo)
        }
        // A slow server: the work is done, the answer comes late.
        try await harness.faults.delay(for: fault)
        var headers = echo
        for field in answer.headers { headers.append(field) }
        guard let json = answer.body else { return Response(status: answer.status, headers: headers) }
        headers[.contentType] = "application/json; charset=utf-8"
        let bytes = json.serialized()
        if let damaged = harness.faults.shaped(bytes, status: answer.status, headers: headers, fault: fault) { return damaged }
        return Response(status: answer.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The three values of a request: its headers, or devise_token_auth's
    /// other form, `Authorization: Bearer <base64 of the JSON of the headers>`.
    static func credentials(_ headers: HTTPFields) -> (access: String?, client: String?, uid: String?) {
        if headers[accessToken] == nil, let authorization = headers[.authorization], authorization.hasPrefix("Bearer "),
           let data = Data(base64Encoded: String(authorization.dropFirst(7))), let json = JSONValue.parse(Array(data)) {
            return (json["access-token"]?.stringValue, json["client"]?.stringValue, json["uid"]?.stringValue)
        }
        return (headers[accessToken], headers[client], headers[uid])
    }

    /// The agent a request's three headers name, if the token is the agent's
    /// live one and has not expired (blank values are no values).
    static func signedIn(_ world: RDVWorld, access: String?, client: String?, uid: String?) -> RDVWorld.Agent? {
        guard let access, let client, let uid, !access.isEmpty, !client.isEmpty, !uid.isEmpty,
              let agent = world.agents.values.first(where: { $0.email.lowercased() == uid.lowercased() }),
              let token = world.tokens[agent.id], token.access == access, token.client == client,
              token.expiry > Int(Date().timeIntervalSince1970) else { return nil }
        return agent
    }

    /// The answer a fault gives instead of the route's: RDV's own bodies for
    /// a 429 (with Retry-After) and for 401, 403, 404, 422; the harness's otherwise.
    func faultAnswer(_ fault: SandboxFault?) -> Response? {
        if case .rateLimit(let retryAfter) = fault { return RDVFake.tooManyRequests(retryAfter: retryAfter) }
        if case .status(let status) = fault, let body = RDVFake.errorBody(status) { return SandboxResponse.json(.init(code: status), body) }
        return harness.faults.answer(for: fault)
    }

    /// Rack::Attack's answer, as RDV configures it.
    static func tooManyRequests(retryAfter: Int) -> Response {
        SandboxResponse.json(.tooManyRequests, .object([("errors", .array([.string("Limite d'appels API atteinte. Merci de patienter.\n")]))]),
                             headers: [.retryAfter: String(retryAfter), HTTPField.Name("RateLimit-Limit")!: "50",
                                       HTTPField.Name("RateLimit-Remaining")!: "0"])
    }

    /// The body RDV sends with a status, for a `status` fault.
    static func errorBody(_ status: Int) -> JSONValue? {
        switch status {
        case 401: return Answer.unauthorized.body
        case 403: return Answer.forbidden.body
        case 404: return .object([("not_found", .string("record"))])
        case 422: return .object([("success", .bool(false)), ("errors", .object([("base", .array([.object([("error", .string("invalid"))])]))])),
                                  ("error_messages", .array([.string("La requête n'est pas valide (faute du bac à sable)")]))])
        default: return nil
        }
    }

    // MARK: - Registration

    public func register(on router: Router<BasicRequestContext>, harness: SandboxHarness) {
        registerAuthentication(on: router)
        registerRoutes(on: router)
        registerAdmin(on: router)
    }

    /// Adds a route: `path` with `{name}` segments, as Hummingbird reads them.
    func route(_ router: Router<BasicRequestContext>, _ method: HTTPRequest.Method, _ path: String, authenticated: Bool = true,
               _ handler: @escaping @Sendable (inout RDVWorld, Call) -> Answer) {
        let names = path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
        router.on(RouterPath(path), method: method) { request, context in
            try await self.serve(request, context, names: names, authenticated: authenticated, handler)
        }
    }

    func registerAuthentication(on router: Router<BasicRequestContext>) {
        // devise_token_auth's sign-in: a new client and token; `max_number_of_devices = 1` drops the older one.
        router.post("/api/v1/auth/sign_in") { request, _ -> Response in
            var request = request
            let fault = self.harness.faults.take("/api/v1/auth/sign_in")
            var record = SandboxServer.RequestRecord(method: "POST", path: "/api/v1/auth/sign_in", hadAuthorization: false)
            defer { self.harness.requests.record(record) }
            if let answer = self.faultAnswer(fault) { return answer }
            let body = Array(buffer: try await request.collectBody(upTo: 1 << 16))
            guard let params = try? RDVParams(query: request.uri.query, body: body, contentType: request.headers[.contentType]) else {
                return SandboxResponse.json(.badRequest, .object([("status", .int(400)), ("error", .string("Bad Request"))]))
            }
            let email = params.string("email")?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            let password = params.string("password") ?? ""
            record.executed = true
            let signedIn: (RDVWorld.Token, JSONValue, String)? = self.state.withLock { world in
                guard let agent = world.agents.values.first(where: { $0.email == email }), let expected = agent.password, expected == password else {
                    world.failedSignIns += 1
                    return nil
                }
                let token = RDVWorld.Token(access: RDVFake.random(RDVSandboxContract.tokenPrefix), client: RDVFake.random(RDVSandboxContract.clientPrefix),
                                           expiry: Int(Date().timeIntervalSince1970) + world.tokenLifetime)
                world.tokens[agent.id] = token
                world.signIns += 1
                var data = world.json(agent)
                if case .object(var fields) = data {
                    fields += [("provider", .string("email")), ("uid", .string(agent.email)), ("allow_password_change", .bool(false))]
                    data = .object(fields)
                }
                return (token, data, agent.email)
            }
            try await self.harness.faults.delay(for: fault)
            guard let (token, data, uid) = signedIn else {
                return SandboxResponse.json(.unauthorized, .object([
                    ("success", .bool(false)), ("errors", .array([.string("Identifiants de connexion invalides. Veuillez réessayer.")])),
                ]))
            }
            let headers = RDVFake.authHeaders(token, uid: uid)
            let bytes = JSONValue.object([("data", data)]).serialized()
            var shapedHeaders = headers
            shapedHeaders[.contentType] = "application/json; charset=utf-8"
            if let damaged = self.harness.faults.shaped(bytes, headers: shapedHeaders, fault: fault) { return damaged }
            return SandboxResponse.json(.ok, .object([("data", data)]), headers: headers)
        }

        // Checks the headers; the agent, or devise_token_auth's 401.
        router.get("/api/v1/auth/validate_token") { request, _ -> Response in
            let fault = self.harness.faults.take("/api/v1/auth/validate_token")
            var record = SandboxServer.RequestRecord(method: "GET", path: "/api/v1/auth/validate_token",
                                                     hadAuthorization: request.headers[RDVFake.accessToken] != nil || request.headers[.authorization] != nil)
            defer { self.harness.requests.record(record) }
            if let answer = self.faultAnswer(fault) { return answer }
            record.executed = true
            let found: (RDVWorld.Agent, RDVWorld.Token, JSONValue)? = self.state.withLock { world in
                let (access, client, uid) = RDVFake.credentials(request.headers)
                guard let agent = RDVFake.signedIn(world, access: access, client: client, uid: uid), let token = world.tokens[agent.id] else { return nil }
                return (agent, token, world.json(agent))
            }
            guard let (agent, token, data) = found else {
                return SandboxResponse.json(.unauthorized, .object([
                    ("success", .bool(false)), ("errors", .array([.string("Identifiants de connexion invalides. Veuillez réessayer.")])),
                ]))
            }
            try await self.harness.faults.delay(for: fault)
            var headers = RDVFake.authHeaders(token, uid: agent.email)
            headers[.contentType] = "application/json; charset=utf-8"
            let bytes = JSONValue.object([("success", .bool(true)), ("data", data)]).serialized()
            if let damaged = self.harness.faults.shaped(bytes, headers: headers, fault: fault) { return damaged }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }

        // Deletes the client's token.
        router.delete("/api/v1/auth/sign_out") { request, _ -> Response in
            let fault = self.harness.faults.take("/api/v1/auth/sign_out")
            var record = SandboxServer.RequestRecord(method: "DELETE", path: "/api/v1/auth/sign_out",
                                                     hadAuthorization: request.headers[RDVFake.accessToken] != nil || request.headers[.authorization] != nil)
            defer { self.harness.requests.record(record) }
            if let answer = self.faultAnswer(fault) { return answer }
            record.executed = true
            let signedOut: Bool = self.state.withLock { world in
                let (access, client, uid) = RDVFake.credentials(request.headers)
                guard let agent = RDVFake.signedIn(world, access: access, client: client, uid: uid) else { return false }
                world.tokens[agent.id] = nil
                world.signOuts += 1
                return true
            }
            guard signedOut else {
                return SandboxResponse.json(.notFound, .object([
                    ("success", .bool(false)), ("errors", .array([.string("Utilisateur non trouvé ou non connecté.")])),
                ]))
            }
            return SandboxResponse.json(.ok, .object([("success", .bool(true))]))
        }
    }

    func registerAdmin(on router: Router<BasicRequestContext>) {
        // The agent signs in elsewhere: its live token dies.
        router.post("/__sandbox/rdv/evict") { request, _ -> Response in
            var request = request
            let object = try await request.collectJSON(upTo: 1 << 16) ?? .object([])
            let email = object["email"]?.stringValue ?? RDVSandboxContract.email
            guard self.state.withLock({ $0.agents.values.contains { $0.email == email } }) else {
                return SandboxResponse.json(.notFound, .object([("error", .string("no agent \(email)"))]))
            }
            self.evict(email: email)
            return Response(status: .noContent)
        }
        // token_lifetime (seconds, for the next sign-ins), expire_tokens, public_links_per_minute.
        router.post("/__sandbox/rdv/settings") { request, _ -> Response in
            var request = request
            guard let object = try await request.collectJSON(upTo: 1 << 16), case .object = object else { return Response(status: .badRequest) }
            if object["expire_tokens"]?.boolValue == true { self.expireTokens() }
            self.state.withLock { world in
                if let lifetime = object["token_lifetime"]?.intValue { world.tokenLifetime = lifetime }
                if let limit = object["public_links_per_minute"]?.intValue {
                    world.publicLinksPerMinute = limit
                    world.publicLinkHits = []
                }
            }
            return Response(status: .noContent)
        }
        // The outbox: what RDV would have sent to the webhook endpoints.
        router.get("/__sandbox/rdv/webhook_deliveries") { _, _ -> Response in
            let deliveries = self.webhookDeliveries.map { delivery -> JSONValue in
                .object([("webhook_id", .int(delivery.webhookID)), ("target_url", .string(delivery.targetURL)), ("model", .string(delivery.model)),
                         ("event", .string(delivery.event)), ("body", .string(delivery.body)), ("signature", .string(delivery.signature))])
            }
            return SandboxResponse.json(.ok, .object([("deliveries", .array(deliveries))]))
        }
        router.post("/__sandbox/rdv/webhook_deliveries/clear") { _, _ -> Response in
            self.state.withLock { $0.deliveries.removeAll() }
            return Response(status: .noContent)
        }
        router.get("/__sandbox/rdv/stats") { _, _ -> Response in
            let stats = self.stats
            return SandboxResponse.json(.ok, .object([
                ("sign_ins", .int(stats.signIns)), ("sign_outs", .int(stats.signOuts)), ("failed_sign_ins", .int(stats.failedSignIns)),
                ("evictions", .int(stats.evictions)), ("webhook_replays", .int(stats.webhookReplays)),
            ]))
        }
    }
}

/// Validation errors as ActiveModel gathers them.
struct RDVValidation: Sendable {
    struct Field: Sendable {
        var name: String
        var details: [JSONValue]
    }

    var fields: [Field] = []
    var messages: [String] = []
    var isEmpty: Bool { fields.isEmpty }

    /// `field` failed with `error` (blank, taken, invalid, inclusion...), `message` its French full message.
    mutating func add(_ field: String, _ error: String, value: JSONValue? = nil, message: String) {
        var detail: [(String, JSONValue)] = [("error", .string(error))]
        if let value { detail.append(("value", value)) }
        if let index = fields.firstIndex(where: { $0.name == field }) {
            fields[index].details.append(.object(detail))
        } else {
            fields.append(Field(name: field, details: [.object(detail)]))
        }
        messages.append(message)
    }
}
