/// A person (or a robot account) who can act in one or more orgs through memberships.
public struct User: Hashable, Sendable {
    public let id: UserID
    /// What the person types to log in: lower-case, e.g. `alice@acme` or `ci-bot`.
    public var login: String
    public var displayName: String
    /// The Unix uid that acts as this user on the socket, if any.
    public var unixUID: UInt32?
    public var disabled: Bool
    public let createdAt: Instant

    public init(id: UserID, login: String, displayName: String, unixUID: UInt32?, disabled: Bool, createdAt: Instant) {
        self.id = id
        self.login = login
        self.displayName = displayName
        self.unixUID = unixUID
        self.disabled = disabled
        self.createdAt = createdAt
    }
}

/// A user's place in one org: the role that decides what they may do there.
public struct Membership: Hashable, Sendable {
    public let orgID: OrgID
    public let userID: UserID
    public var role: MemberRole

    public init(orgID: OrgID, userID: UserID, role: MemberRole) {
        self.orgID = orgID
        self.userID = userID
        self.role = role
    }
}

public enum UserRules {
    /// A login is 2–128 characters of `a-z 0-9 . _ @ + -`, starting with a letter or digit.
    public static func checkLogin(_ login: String, field: String = "login") -> FieldViolation? {
        let bytes = Array(login.utf8)
        guard (2...128).contains(bytes.count) else {
            return FieldViolation(field: field, message: "must be 2 to 128 characters long; got \(bytes.count)")
        }
        func allowed(_ byte: UInt8) -> Bool {
            (97...122).contains(byte) || (48...57).contains(byte) || [46, 95, 64, 43, 45].contains(byte)
        }
        guard let first = bytes.first, (97...122).contains(first) || (48...57).contains(first) else {
            return FieldViolation(field: field, message: "must start with a lower-case letter or a digit")
        }
        guard bytes.allSatisfy(allowed) else {
            return FieldViolation(field: field, message: "may contain only a-z, 0-9 and . _ @ + -")
        }
        return nil
    }
}
