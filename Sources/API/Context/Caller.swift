import Core

/// Who is calling and what they may see, once the request has been identified.
public struct Caller: Sendable, Hashable {
    /// A name for logs and audit: `uid:0`.
    public let name: String
    public let scope: Scope

    public init(name: String, scope: Scope) {
        self.name = name
        self.scope = scope
    }
}
