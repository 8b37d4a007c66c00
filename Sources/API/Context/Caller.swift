import Core

/// Who is calling and what they may see, once the request has been identified.
public struct Caller: Sendable, Hashable {
    /// A name for logs and audit: `uid:0`, `user:usr_…`, `key:agk_…`.
    public let name: String
    public let scope: Scope
    /// The user acting, when the caller is one (socket administrators by uid are not).
    public let userID: UserID?
    public let login: String?
    /// The login session the request came with, if any (for logout).
    public let sessionID: SessionID?

    public init(name: String, scope: Scope, userID: UserID? = nil, login: String? = nil, sessionID: SessionID? = nil) {
        self.name = name
        self.scope = scope
        self.userID = userID
        self.login = login
        self.sessionID = sessionID
    }
}
