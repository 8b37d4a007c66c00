/// An organisation: the top tenant. Everything a tenant owns carries its `org_id`.
public struct Org: Hashable, Sendable, Codable {
    public let id: OrgID
    /// The short, unique, URL-safe name people type (`acme`); see `OrgName`.
    public var name: String
    /// A free-form name for people to read (`ACME Corporation`).
    public var displayName: String
    public let createdAt: Instant
    public var updatedAt: Instant

    public init(id: OrgID, name: String, displayName: String, createdAt: Instant, updatedAt: Instant) {
        self.id = id
        self.name = name
        self.displayName = displayName
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The org that socket administrators act in until identity brings users of their own.
    public static let defaultName = "default"
}
