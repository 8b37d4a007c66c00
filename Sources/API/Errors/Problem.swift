import Core

/// An RFC 9457 problem detail: what every error response of agentd's API carries, as
/// `application/problem+json`.
public struct Problem: Codable, Sendable, Hashable {
    /// A URI naming the problem type: `urn:agentd:problem:<code>`.
    public var type: String
    /// A short summary that is the same for every occurrence of the code.
    public var title: String
    public var status: Int
    /// What happened this time, and what to do about it.
    public var detail: String
    /// The stable machine-readable code (see `ProblemCode`).
    public var code: String
    /// The request path.
    public var instance: String?
    /// The `X-Request-Id` of the request, to find it in the logs.
    public var requestId: String?
    /// For `validation_failed`: each field that broke a rule.
    public var errors: [FieldViolation]?

    public init(code: ProblemCode, status: Int, title: String, detail: String, errors: [FieldViolation]? = nil) {
        self.type = "urn:agentd:problem:\(code.rawValue)"
        self.title = title
        self.status = status
        self.detail = detail
        self.code = code.rawValue
        self.errors = errors
    }

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, code, instance, requestId = "request_id", errors
    }
}
