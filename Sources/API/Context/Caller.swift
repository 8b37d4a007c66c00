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
    /// The API key the request came with, if any. A key acts for its owner in the API, but is
    /// never the person: self-service routes (password, MFA, sessions) refuse it.
    public let keyID: APIKeyID?
    /// A program's IdP token (`provider/client`): like a key, it acts for its service account
    /// and is never a person.
    public let program: String?

    public init(name: String, scope: Scope, userID: UserID? = nil, login: String? = nil, sessionID: SessionID? = nil,
                keyID: APIKeyID? = nil, program: String? = nil) {
        self.name = name
        self.scope = scope
        self.userID = userID
        self.login = login
        self.sessionID = sessionID
        self.keyID = keyID
        self.program = program
    }

    /// Refuses an API key on a route that changes or shows the person's own credentials: only
    /// the person's login session or socket identity may. (An admin could mint a key owned by
    /// someone; the key must not let it set that person's password or enrol its second factor.)
    public func requirePerson(_ what: String) throws {
        if keyID != nil || program != nil { throw APIError.loginSessionRequired(what) }
    }
}
