/// A field of a request that breaks a rule, with what the caller should do instead.
public struct FieldViolation: Hashable, Sendable, Codable {
    /// The field's name as the caller spelled it (snake_case JSON key), e.g. `name`.
    public let field: String
    /// What is wrong and how to fix it, for a person.
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// One or more fields broke their rules; nothing was changed.
public struct ValidationError: Error, Hashable, Sendable {
    public let violations: [FieldViolation]

    public init(_ violations: [FieldViolation]) { self.violations = violations }
    public init(field: String, _ message: String) { self.violations = [FieldViolation(field: field, message: message)] }
}
