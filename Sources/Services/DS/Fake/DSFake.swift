import Crypto
import DemarchesSimplifiees
import Foundation
import GuichetCore
import HTTPTypes
import Hummingbird
import NIOCore
import Sandbox
import Synchronization

/// The fake démarches-simplifiées: `POST /api/v2/graphql` as the real
/// server answers it (auth, rate limit, validation against a schema,
/// errors), the object storage behind direct uploads and file URLs, and
/// admin routes to expire tokens and URLs. What it seeds and accepts is in
/// `DSSandboxContract`.
public final class DSFake: SandboxFake {
    public let name = "ds"
    public let faultPaths = [DSSandboxContract.graphQLPath, "/storage", "/storage/uploads", "/storage/files"]

    let world: DSWorld
    let graphQL: SandboxGraphQL
    public let harnessSlot = HarnessSlot()
    /// Rewrites answers when the sandbox plays a hostile server (DSHostile.swift).
    let hostility = Hostility()
    let storageURL = Mutex("http://127.0.0.1")
    /// Requests per minute per token before 429.
    let rateLimit = Mutex(400)
    let window = Mutex<(start: Date, counts: [String: Int])>((Date(), [:]))

    /// The subset of the démarches-simplifiées schema the fake serves (a
    /// test checks that it agrees with the real schema).
    public static var subsetSchema: String { String(decoding: PackageResources.ds_sandbox_graphql, as: UTF8.self) }

    /// A fake whose main démarche holds `dossiers` dossiers, validating
    /// documents against `schema` (SDL; the published schema in guichet's
    /// tests), or against its own subset.
    public init(dossiers: Int = 300, schema: String? = nil) throws {
        world = DSWorld(dossierCount: dossiers)
        graphQL = try SandboxGraphQL(sdl: schema ?? DSFake.subsetSchema)
    }

    /// GUICHET_SANDBOX_DOSSIERS (default 300) and GUICHET_DS_SCHEMA (the
    /// path of an SDL file), as `guichet-sandbox` reads them.
    public convenience init(environment: [String: String]) throws {
        let dossiers = environment["GUICHET_SANDBOX_DOSSIERS"].flatMap(Int.init) ?? 300
        let schema = try environment.setting("GUICHET_DS_SCHEMA")
            .map { try String(contentsOfFile: $0, encoding: .utf8) }
        try self.init(dossiers: dossiers, schema: schema)
    }

    public func started(at baseURL: String) {
        storageURL.withLock { $0 = baseURL }
    }

    public func reset() {
        let fresh = DSWorld(dossierCount: world.dossierCount)
        world.lock.withLock { world.reset(to: fresh) }
    }

    public func environment(baseURL: String) -> [(name: String, value: String)] {
        [("DS_API_URL", DSSandboxContract.endpoint(onSandbox: baseURL)), ("DS_API_TOKEN", DSSandboxContract.Tokens.admin)]
    }

    public var summary: String {
        "démarche \(DSSandboxContract.mainDemarche) (\(world.dossierCount) dossiers), démarche \(DSSandboxContract.smallDemarche)"
    }

    func error(_ status: HTTPResponse.Status, _ message: String, code: String) -> Response {
        SandboxResponse.json(status, .object([("errors", .array([.object([("message", .string(message)), ("extensions", .object([("code", .string(code))]))])])), ("data", .null)]))
    }

    /// `Bearer x`, `Bearer token=x` and `Token token="x"`, as Rails parses them.
    static func token(from header: String?) -> String? {
        guard let header else { return nil }
        for prefix in ["Bearer ", "Token "] where header.hasPrefix(prefix) {
            var value = String(header.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("token=") { value = String(value.dropFirst(6)) }
            return value.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    /// rack-attack: a fixed 60 s window per Authorization value.
    func rateLimited(_ key: String) -> Response? {
        let limit = rateLimit.withLock { $0 }
        let (count, reset): (Int, Date) = window.withLock { window in
            if Date().timeIntervalSince(window.start) >= 60 { window = (Date(), [:]) }
            window.counts[key, default: 0] += 1
            return (window.counts[key]!, window.start.addingTimeInterval(60))
        }
        guard count > limit else { return nil }
        return SandboxResponse.tooManyRequests(retryAfter: max(1, Int(reset.timeIntervalSinceNow.rounded(.up))),
                                               resetsAt: Int(reset.timeIntervalSince1970))
    }

    public func register(on router: Router<BasicRequestContext>, harness: SandboxHarness) {
        router.post(RouterPath(DSSandboxContract.graphQLPath)) { request, _ in try await self.graphQLRoute(request) }
        router.put("/storage/uploads/{key}") { request, context in try await self.uploadRoute(request, key: context.parameters.get("key") ?? "") }
        router.get("/storage/files/{key}") { request, context in try await self.fileRoute(request, key: context.parameters.get("key") ?? "") }
        // Admin: expire a token (or every token), expire every file URL issued so far, change the rate limit.
        router.post("/__sandbox/ds/expire-token") { request, _ -> Response in
            var request = request
            let object = try await request.collectJSON(upTo: 1 << 16) ?? .object([])
            self.world.lock.withLock {
                for key in self.world.tokens.keys where object["token"] == nil || object["token"]?.stringValue == key {
                    self.world.tokens[key]!.expired = true
                }
            }
            return Response(status: .noContent)
        }
        router.post("/__sandbox/ds/reset") { _, _ -> Response in
            self.reset()
            return Response(status: .noContent)
        }
        // Admin: play a hostile server ({"rules": [...]}, see Hostility; [] stops).
        router.post("/__sandbox/ds/hostile") { request, _ -> Response in
            var request = request
            let rules = try await request.collectJSON()
            return Response(status: rules.map(self.hostility.configure) == true ? .noContent : .badRequest)
        }
        router.post("/__sandbox/ds/expire-urls") { _, _ -> Response in
            self.world.lock.withLock { self.world.urlsValidAfter = Date() }
            return Response(status: .noContent)
        }
        router.post("/__sandbox/ds/rate-limit") { request, _ -> Response in
            var request = request
            let object = try await request.collectJSON(upTo: 1 << 16) ?? .object([])
            self.rateLimit.withLock { $0 = object["per_minute"]?.intValue ?? 400 }
            self.window.withLock { $0 = (Date(), [:]) }
            return Response(status: .noContent)
        }
    }

    func graphQLRoute(_ request: Request) async throws -> Response {
        var request = request
        let harness = self.harness
        let fault = harness.faults.take(DSSandboxContract.graphQLPath)
        let authorization = request.headers[.authorization]
        let object = try await request.collectJSON(upTo: 16 << 20)
        let operationName = object?["operationName"]?.stringValue
        var record = SandboxServer.RequestRecord(method: "POST", path: DSSandboxContract.graphQLPath, operationName: operationName,
                                                 hadAuthorization: authorization != nil)
        defer { harness.requests.record(record) }

        if let answer = harness.faults.answer(for: fault) { return answer }
        if let limited = rateLimited(authorization ?? "anonymous") { return limited }

        // Authentication, in the order of the real base controller.
        let tokenValue = DSFake.token(from: authorization)
        let token: DSWorld.Token? = world.lock.withLock { tokenValue.flatMap { world.tokens[$0] } }
        guard let token else {
            return error(.forbidden, "Without a token, only persisted queries are allowed", code: "forbidden")
        }
        if token.expired { return error(.unauthorized, "Token expired", code: "unauthorized") }
        if token.forbiddenNetwork {
            return error(.forbidden, "Request issued from a forbidden network. Add 127.0.0.1/32 to your allowed adresses in your /profil", code: "forbidden")
        }

        guard case .object = object, let query = object?["query"]?.stringValue else {
            return error(.badRequest, "No query string was present", code: "bad_request")
        }
        var variables: [String: JSONValue] = [:]
        switch object?["variables"] {
        case .string(let text) where !text.isEmpty:
            guard case .object(let fields) = JSONValue.parse(text) else {
                return error(.badRequest, "Unexpected token in variables", code: "graphql_parse_failed")
            }
            variables = Dictionary(fields, uniquingKeysWith: { _, last in last })
        case .object(let fields):
            variables = Dictionary(fields, uniquingKeysWith: { _, last in last })
        default:
            break
        }

        let base = storageURL.withLock { $0 }
        let answer: SandboxGraphQL.Outcome = world.lock.withLock {
            let resolvers = DSResolvers(world: world, storageURL: base, scope: token.demarches)
            return graphQL.execute(.init(query: query, operationName: operationName, variables: variables),
                                   query: resolvers.query, mutation: resolvers.mutation(.init(token: token)))
        }
        record.executed = true
        switch answer {
        case .rejected(let errors):
            record.rejected = errors["errors"]?.arrayValue?.compactMap { $0["message"]?.stringValue } ?? ["rejected"]
            return SandboxResponse.json(.ok, errors)
        case .answer(let value):
            // A slow server: the work is done, the answer comes late.
            try await harness.faults.delay(for: fault)
            let bytes = hostility.apply(to: value, operation: operationName).serialized()
            // Cut short, shortened, trickled: the request has run all the same.
            if let damaged = harness.faults.shaped(bytes, headers: [.contentType: "application/json"], fault: fault) { return damaged }
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// The object storage's PUT: the signed URL, exactly the headers
    /// createDirectUpload returned, the announced bytes, no Authorization.
    func uploadRoute(_ request: Request, key: String) async throws -> Response {
        var request = request
        let query = request.uri.queryParameters
        let hadAuthorization = request.headers[.authorization] != nil
        let harness = self.harness
        var record = SandboxServer.RequestRecord(method: "PUT", path: "/storage/uploads/\(key)", hadAuthorization: hadAuthorization)
        defer { harness.requests.record(record) }
        let fault = harness.faults.take("/storage/uploads/\(key)")
        try await harness.faults.delay(for: fault)
        if let answer = harness.faults.answer(for: fault) { return answer }
        let body = try await request.collectBody(upTo: 64 << 20)
        let bytes = Array(buffer: body)
        let answer = world.lock.withLock { () -> Response in
            guard world.checkSignature(key, signature: query["temp_url_sig"].map(String.init),
                                       expires: query["temp_url_expires"].map(String.init), issued: query["issued"].map(String.init)) else {
                return Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: "Temp URL invalid")))
            }
            if hadAuthorization {
                return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: "signed URLs take no Authorization header")))
            }
            guard let (signed, blob) = world.blobs.first(where: { $0.value.key == key }) else {
                return Response(status: .notFound)
            }
            let md5 = Insecure.MD5.hash(data: bytes)
            let hex = md5.map { String(format: "%02x", $0) }.joined()
            guard request.headers[.contentType] == blob.contentType else {
                return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: "Content-Type must be \(blob.contentType)")))
            }
            guard let etag = request.headers[.eTag], etag == hex else {
                return Response(status: .unprocessableContent, body: .init(byteBuffer: ByteBuffer(string: "ETag does not match the body's MD5")))
            }
            guard bytes.count == blob.byteSize else {
                return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: "expected \(blob.byteSize) bytes, got \(bytes.count)")))
            }
            world.files[key] = DSWorld.File(key: key, filename: blob.filename, contentType: blob.contentType, bytes: bytes,
                                            checksum: Data(md5).base64EncodedString(), createdAt: Date())
            world.blobs[signed]!.uploaded = true
            return Response(status: .created, headers: [.eTag: hex])
        }
        record.executed = answer.status == .created
        // A 201 has no body to damage: a body fault here means the upload
        // landed and its answer was lost on the way.
        if answer.status == .created, harness.faults.shaped([], headers: [:], fault: fault) != nil, let lost = harness.faults.answer(for: .reset) {
            return lost
        }
        return answer
    }

    func fileRoute(_ request: Request, key: String) async throws -> Response {
        let query = request.uri.queryParameters
        let harness = self.harness
        var record = SandboxServer.RequestRecord(method: "GET", path: "/storage/files/\(key)", hadAuthorization: request.headers[.authorization] != nil)
        defer { harness.requests.record(record) }
        let fault = harness.faults.take("/storage/files/\(key)")
        try await harness.faults.delay(for: fault)
        if let answer = harness.faults.answer(for: fault) { return answer }
        let found: (DSWorld.File?, Response?) = world.lock.withLock { () -> (DSWorld.File?, Response?) in
            guard let file = world.files[key] else { return (nil, Response(status: .notFound)) }
            guard world.checkSignature(key, signature: query["temp_url_sig"].map(String.init),
                                       expires: query["temp_url_expires"].map(String.init), issued: query["issued"].map(String.init)) else {
                return (nil, Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: "Temp URL invalid"))))
            }
            return (file, nil)
        }
        guard let file = found.0 else { return found.1 ?? Response(status: .notFound) }
        record.executed = true
        let headers: HTTPFields = [.contentType: file.contentType, .eTag: file.checksum]
        if let damaged = harness.faults.shaped(file.bytes, headers: headers, fault: fault) { return damaged }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}

