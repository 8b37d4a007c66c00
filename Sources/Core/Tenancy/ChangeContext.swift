/// Who is making a change, in which scope, for which request, at what time: what every
/// mutating repository method needs to check the change and to audit it.
public struct ChangeContext: Sendable, Hashable {
    public let scope: Scope
    /// The audit actor: `uid:0`, later `user:usr_…` or `key:agk_…`; `system` for agentd itself.
    public let actor: String
    public let requestID: String?
    public let now: Instant
    /// The user making the change, when the caller is one (not a socket administrator by uid):
    /// rules that treat acting on oneself differently from acting on others (`UserAuthority`).
    public let actingUser: UserID?

    public init(scope: Scope, actor: String, requestID: String?, now: Instant, actingUser: UserID? = nil) {
        self.scope = scope
        self.actor = actor
        self.requestID = requestID
        self.now = now
        self.actingUser = actingUser
    }
}
