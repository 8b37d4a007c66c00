/// A registered model endpoint as an admin describes it.
public struct ModelSpec: Hashable, Sendable {
    public var name: String
    /// The server's OpenAI-compatible base, e.g. `http://gpu01:8000/v1`.
    public var baseURL: String
    /// The server's own name for the model.
    public var model: String
    /// Vault path of the API key (sent as a Bearer token); nil: the server needs none.
    public var apiKeySecret: String?
    public var price: ModelPrice
    public var timeoutMs: Int

    public init(name: String, baseURL: String, model: String, apiKeySecret: String?, price: ModelPrice, timeoutMs: Int) {
        self.name = name
        self.baseURL = baseURL
        self.model = model
        self.apiKeySecret = apiKeySecret
        self.price = price
        self.timeoutMs = timeoutMs
    }

    public static let defaultTimeoutMs = 120_000
    /// $1,000 per million tokens: far above any real price, low enough that no sum overflows.
    public static let maximumPriceMicros: Int64 = 1_000_000_000

    /// Every problem with the spec, by field.
    public var violations: [FieldViolation] {
        var found: [FieldViolation] = []
        if let violation = OrgRules.checkName(name) { found.append(violation) }
        if let problem = Self.baseURLProblem(baseURL) { found.append(FieldViolation(field: "base_url", message: problem)) }
        if model.isEmpty || model.utf8.count > 200 || model.contains(where: { $0.isNewline }) {
            found.append(FieldViolation(field: "model", message: "must be the server's model name, 1 to 200 characters on one line"))
        }
        if let apiKeySecret, let violation = SecretRules.checkPath(apiKeySecret, field: "api_key_secret") { found.append(violation) }
        for (field, value) in [("input_price", price.inputMicrosPerMillion), ("output_price", price.outputMicrosPerMillion)]
        where value < 0 || value > Self.maximumPriceMicros {
            found.append(FieldViolation(field: field, message: "must be 0 to 1000 dollars per million tokens"))
        }
        if !(1...600_000).contains(timeoutMs) { found.append(FieldViolation(field: "timeout_ms", message: "must be 1 to 600000")) }
        return found
    }

    /// An http(s) URL with a host, without credentials, query or fragment (the key goes in the
    /// vault; agentd appends `/chat/completions`).
    static func baseURLProblem(_ url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return "must be an http:// or https:// URL such as http://gpu01:8000/v1"
        }
        let rest = url.drop(while: { $0 != ":" }).dropFirst(3)
        let authority = rest.prefix(while: { $0 != "/" })
        guard !authority.isEmpty, !authority.hasPrefix(":") else { return "must name a host" }
        if authority.contains("@") { return "must not hold credentials; store the API key with `agentctl secrets set` and name it in api_key_secret" }
        if url.contains("?") || url.contains("#") { return "must not have a query or fragment" }
        if url.utf8.count > 2000 || url.contains(where: { $0.isWhitespace }) { return "must be one URL without spaces, at most 2000 characters" }
        return nil
    }

    /// The chat-completions URL.
    public var chatURL: String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/chat/completions"
    }
}
