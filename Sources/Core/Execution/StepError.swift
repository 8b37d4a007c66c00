/// Why a step attempt failed, and whether trying again can help. The classification is part
/// of the step's stored error, so a person sees why a step was (not) retried.
public struct StepError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// The step took longer than its timeout.
        case timeout
        /// A connection could not be made or broke.
        case connection
        /// The remote answered 5xx.
        case serverError = "server_error"
        /// The remote answered 429.
        case rateLimited = "rate_limited"
        /// The remote answered another 4xx.
        case clientError = "client_error"
        /// The step's own input or config is wrong (a template error, a bad URL).
        case validation
        /// The endpoint's circuit breaker is open.
        case circuitOpen = "circuit_open"
        /// A budget would be exceeded.
        case budgetExceeded = "budget_exceeded"
        /// The response was larger than allowed.
        case tooLarge = "too_large"
        /// The egress policy refused the address (`[egress]`, docs/security.md): the same on
        /// every attempt, and no sign that the server is down.
        case egressDenied = "egress_denied"
        /// A model server refused the shape of the request (a `response_format`, `tools`,
        /// `stream_options` it does not take): the same on every attempt, and no sign that the
        /// server is down. `agentctl models test` finds what it takes.
        case modelRequestRefused = "model_request_refused"
        /// The step declares tools and its model's server does not call tools.
        case modelToolsUnsupported = "model_tools_unsupported"
        /// The privacy policy blocks a kind of personal data the step's input, prompt or output
        /// holds (docs/compliance.md#pii-detection-and-masking): the same on every attempt.
        case piiBlocked = "pii_blocked"
        /// The step was running each of the last N times agentd died (`[engine] poison_after`):
        /// it is not run again, so a step that kills the process cannot do so at every start.
        case poisoned
        /// The execution was cancelled while the step ran.
        case cancelled
        /// Anything else.
        case `internal`
    }

    public let kind: Kind
    public let message: String
    /// Set for 429 with Retry-After: the earliest the next attempt may start.
    public let retryAfterMs: Int?

    public init(_ kind: Kind, _ message: String, retryAfterMs: Int? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfterMs = retryAfterMs
    }

    /// DESIGN §5: timeouts, 5xx, 429, connection failures and open breakers are retryable;
    /// validation, other 4xx and budgets are not.
    public var retryable: Bool {
        switch kind {
        case .timeout, .connection, .serverError, .rateLimited, .circuitOpen, .internal: true
        case .clientError, .validation, .piiBlocked, .budgetExceeded, .tooLarge, .cancelled, .poisoned, .modelRequestRefused, .modelToolsUnsupported, .egressDenied: false
        }
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// The classification of an HTTP status, or nil for success.
    public static func forStatus(_ status: Int, retryAfterMs: Int? = nil) -> StepError? {
        switch status {
        case 200..<400: nil
        case 429: StepError(.rateLimited, "HTTP 429 Too Many Requests", retryAfterMs: retryAfterMs)
        case 400..<500: StepError(.clientError, "HTTP \(status)")
        default: StepError(.serverError, "HTTP \(status)")
        }
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["kind": .string(kind.rawValue), "message": .string(message), "retryable": .bool(retryable)]
        if let retryAfterMs { object["retry_after_ms"] = .integer(retryAfterMs) }
        return .object(object)
    }
}
