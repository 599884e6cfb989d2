import GuichetCore

/// A key carried inside the request itself (Apidae's `apiKey` and
/// `projetId`): search endpoints take one JSON parameter (`query`, in the
/// URL or a form body) that holds the key among the search fields; by-id
/// endpoints take the key as plain query parameters. The key then travels
/// in a URL or a body, so it is listed in `secrets` and masked in every
/// error; traces never print a query.
public struct KeyInRequest: Authentication {
    let fields: [(String, Secret)]
    let jsonParameter: String
    let numbers: Set<String>

    /// - Parameters:
    ///   - fields: name and value of each credential field, in order.
    ///   - jsonParameter: when the request carries this parameter (a JSON
    ///     object), the fields go inside it; otherwise they are added as
    ///     query parameters.
    ///   - numbers: fields written as JSON numbers inside the JSON
    ///     parameter (Apidae's `projetId` is an integer). They are
    ///     identifiers, not secrets: they are not masked (masking a number
    ///     would garble every other number in a message).
    public init(fields: [(String, Secret)], jsonParameter: String = "query", numbers: Set<String> = []) {
        self.fields = fields
        self.jsonParameter = jsonParameter
        self.numbers = numbers
    }

    public var secrets: [Secret] { fields.filter { !numbers.contains($0.0) && !$0.1.isEmpty }.map(\.1) }

    public func authorize(_ request: inout RESTRequest) async throws(GuichetError) {
        if let index = request.query.firstIndex(where: { $0.0 == jsonParameter }) {
            request.query[index].1 = try inject(request.query[index].1)
        } else if case .form(var form) = request.body, let index = form.firstIndex(where: { $0.0 == jsonParameter }) {
            form[index].1 = try inject(form[index].1)
            request.body = .form(form)
        } else {
            request.query += fields.map { ($0.0, $0.1.reveal()) }
        }
    }

    /// The JSON object `text` with the credential fields set (replacing any
    /// the caller wrote: the client's own key is the one that counts).
    func inject(_ text: String) throws(GuichetError) -> String {
        guard case .object(var members)? = JSONValue.parse(text) else {
            throw GuichetError(.usage, "the '\(jsonParameter)' parameter must be a JSON object")
        }
        for (name, secret) in fields {
            let value = secret.reveal()
            let json: JSONValue = numbers.contains(name) ? (Int(value).map(JSONValue.int) ?? .string(value)) : .string(value)
            if let index = members.firstIndex(where: { $0.0 == name }) { members[index].1 = json } else { members.append((name, json)) }
        }
        return JSONValue.object(members).jsonText
    }
}
