import CLua
import CLuaShim
import DemarchesSimplifiees
import GuichetCore
import LuaBridge
import ServiceKit

/// `guichet.ds_core`: the Swift half of the `ds` module (stdlib/ds.lua is
/// the other half). Requests, uploads and downloads run as host tasks;
/// answers are decoded straight into Lua tables.
enum DSCoreModule {
    /// Pushes the module table.
    static func open(_ state: LuaState) throws {
        state.newTable()
        // request(operation, variables) -> data (nil in dry-run for mutations)
        state.setFunction("request", in: -1) { call in
            let name = try call.string(1)
            guard let operation = DSOperation(rawValue: name) else {
                throw call.argumentError(1, "unknown operation '\(name)'")
            }
            let variables = try encodeVariables(call, at: 2)
            let client = try DSSettings.of(call.state).client
            return call.await({ try await client.execute(document: operation.document, operationName: operation.rawValue,
                                                         variables: variables, isMutation: operation.isMutation) }) { state, answer in
                try pushData(answer, on: state, operation: name, payloadField: operation.isMutation ? name : nil,
                             isMutation: operation.isMutation)
            }
        }

        // query(document [, variables [, operation_name]]) -> data, for what
        // the module does not wrap. Whether it is a mutation is read from
        // the document's grammar (dry-run honoured, never retried).
        state.setFunction("query", in: -1) { call in
            let document = try call.string(1)
            let variables = try encodeVariables(call, at: 2)
            let operationName = try call.optionalString(3)
            let operation = try GraphQLOperations(document).selected(operationName)
            let isMutation = operation.kind == .mutation
            let client = try DSSettings.of(call.state).client
            // The name of the operation that runs, when it has one: the
            // server runs the same one, and --dry-run can name it.
            let name = operationName ?? operation.name
            return call.await({ try await client.execute(document: document, operationName: name, variables: variables,
                                                         isMutation: isMutation) }) { state, answer in
                try pushData(answer, on: state, operation: "query", payloadField: nil, isMutation: isMutation)
            }
        }

        // upload(path, dossier_id [, limit]) -> signedBlobId
        state.setFunction("upload", in: -1) { call in
            let path = try call.string(1)
            let dossierID = try call.string(2)
            let limit = try call.optionalInteger(3) ?? DSClient.uploadLimit
            guard limit > 0 else { throw call.argumentError(3, "the size limit must be a positive number of bytes") }
            _ = try DSClient.checkUploadable(path, limit: limit)  // before any request
            let client = try DSSettings.of(call.state).client
            return call.await({ try await client.upload(file: path, dossierID: dossierID, limit: limit) }) { state, signedID in
                state.push(signedID)
                return 1
            }
        }

        // download(file, path) or download(file, nil, folder [, name])
        //   -> "downloaded"|"skipped"|"expired", path, bytes
        // A path is the user's and is used as given (an existing folder,
        // or a path ending in /, receives the file as `cp` would); a
        // folder gets the server's file name (or `name`), made safe by
        // SafeFileName.
        state.setFunction("download", in: -1) { call in
            try call.table(1)
            let path = try call.optionalString(2)
            let folder = path == nil ? try call.string(3) : nil
            let name = try call.optionalString(4)
            let file = try readFile(call, at: 1)
            let client = try DSSettings.of(call.state).client
            return call.await({
                if let path {
                    if path.hasSuffix("/") || Files.isDirectory(path) {
                        return try await client.download(file, into: path, name: name, userFolder: true)
                    }
                    return try await client.download(file, to: path)
                }
                return try await client.download(file, into: folder ?? ".", name: name)
            }) { state, outcome in
                switch outcome {
                case .downloaded(let path, let bytes):
                    state.push("downloaded"); state.push(path); state.push(bytes)
                case .skipped(let path):
                    state.push("skipped"); state.push(path); state.push(0)
                case .urlExpired:
                    state.push("expired"); state.pushNil(); state.push(0)
                }
                return 3
            }
        }

        // safe_name(name [, suffix]) -> the name a download into a folder would use
        state.setFunction("safe_name", in: -1) { call in
            call.state.push(SafeFileName.make(try call.string(1), suffix: try call.optionalString(2) ?? ""))
            return 1
        }

        // config([changes]) -> the settings (never the token itself)
        state.setFunction("config", in: -1) { call in
            let settings = try DSSettings.of(call.state)
            if let changes = try call.fields(1) {  // keys checked by ds.config in stdlib/ds.lua
                if let endpoint = try changes.string("endpoint") { settings.endpoint = DSConfiguration.normalizedEndpoint(endpoint) }
                if let token = try changes.string("token") {
                    settings.token = Secret(token)
                    settings.tokenOrigin = .config
                }
                if let dryRun = try changes.boolean("dry_run") { settings.dryRun = dryRun }
                if changes.has("instructeur") { settings.instructeur = try changes.string("instructeur") }
            }
            let state = call.state
            state.newTable(fields: 6)
            state.push(settings.endpoint); state.rawSet(-2, field: "endpoint")
            state.push(DSConfiguration(endpoint: settings.endpoint).host); state.rawSet(-2, field: "host")
            state.push(settings.usableToken != nil); state.rawSet(-2, field: "token_set")
            state.push(settings.tokenOrigin.description); state.rawSet(-2, field: "token_origin")
            state.push(settings.dryRun); state.rawSet(-2, field: "dry_run")
            if let instructeur = settings.instructeur { state.push(instructeur); state.rawSet(-2, field: "instructeur") }
            return 1
        }

        // document(operation) -> the GraphQL text guichet sends for it
        state.setFunction("document", in: -1) { call in
            let name = try call.string(1)
            guard let operation = DSOperation(rawValue: name) else { throw call.argumentError(1, "unknown operation '\(name)'") }
            call.state.push(operation.document)
            return 1
        }

        // relay_id(type, number) -> base64("Type-number")
        state.setFunction("relay_id", in: -1) { call in
            call.state.push(DSID.encode(try call.string(1), try call.integer(2)))
            return 1
        }

        // message_limit: attachments of messages are at most 20 MB
        state.push(DSClient.messageAttachmentLimit)
        state.rawSet(-2, field: "message_limit")
    }

    static func encodeVariables(_ call: LuaCall, at position: Int32) throws -> [UInt8] {
        if call.isNoneOrNil(position) { return Array("{}".utf8) }
        try call.table(position)
        return try JSONCodec.encode(call.state, at: position)
    }

    /// A `File` table as the API gave it.
    static func readFile(_ call: LuaCall, at position: Int32) throws -> DSFile {
        let state = call.state
        func field(_ name: String) throws -> String {
            state.rawGet(position, field: name)
            defer { state.pop() }
            guard let value = state.toString(at: -1) else {
                throw call.argumentError(position, "file.\(name) is missing (pass a file from a dossier)")
            }
            return value
        }
        return DSFile(url: try field("url"), filename: try field("filename"), contentType: (try? field("contentType")) ?? "application/octet-stream",
                      checksum: try field("checksum"), byteSizeBigInt: try? field("byteSizeBigInt"))
    }

    /// Decodes an answer into Lua and pushes its `data`, after turning
    /// GraphQL errors (and, for mutations, payload errors) into errors.
    /// No answer (dry run held the mutation back) pushes nil, true.
    static func pushData(_ answer: [UInt8]?, on state: LuaState, operation: String, payloadField: String?,
                         isMutation: Bool = false) throws -> Int32 {
        guard let answer else {
            state.pushNil()
            state.push(true)
            return 2
        }
        do {
            try answer.withUnsafeBytes { try JSONCodec.decode($0, on: state, nullAsNil: true) }
        } catch {
            let reason = (error as? GuichetError)?.message ?? "\(error)"
            let failure = GuichetError(.network, "\(operation): the server's answer was cut short or is not valid JSON (\(reason))", retryable: true)
            throw isMutation ? failure.landedMaybe() : failure
        }
        let answerIndex = state.top
        defer { lua_rotate(state.L, answerIndex, -1); state.pop() }
        if state.rawGet(answerIndex, field: "errors") == LUA_TTABLE {
            let entries = graphQLErrors(state, at: state.top)
            state.pop()
            if !entries.isEmpty { throw DSErrors.classify(entries, operation: operation, isMutation: isMutation) }
        } else {
            state.pop()
        }
        state.rawGet(answerIndex, field: "data")
        if let payloadField {
            state.rawGet(-1, field: payloadField)
            state.rawGet(-1, field: "errors")
            let messages = (0..<state.rawLength(at: -1)).compactMap { i -> String? in
                state.rawGet(-1, index: i + 1)
                state.rawGet(-1, field: "message")
                defer { state.pop(2) }
                return state.toString(at: -1)
            }
            state.pop(2)
            if !messages.isEmpty { throw DSErrors.payloadErrors(messages, operation: operation) }
        }
        return 1
    }

    static func graphQLErrors(_ state: LuaState, at index: Int32) -> [GraphQLErrorEntry] {
        (0..<state.rawLength(at: index)).map { i in
            state.rawGet(index, index: i + 1)
            defer { state.pop() }
            state.rawGet(-1, field: "message")
            let message = state.toString(at: -1) ?? "unknown error"
            state.pop()
            state.rawGet(-1, field: "extensions")
            state.rawGet(-1, field: "code")
            let code = state.toString(at: -1)
            state.pop(2)
            return GraphQLErrorEntry(message: message, code: code)
        }
    }
}
