/// An audit event before it joins the chain: who did what to which resource, when.
///
/// Details are string pairs (never secret values: callers pass names, paths and IDs only).
public struct AuditEntry: Hashable, Sendable {
    public let at: Instant
    /// The org the act concerns; nil for installation-wide acts.
    public let orgID: String?
    /// Who acted: `uid:0` on the socket, later `user:usr_…` or `key:agk_…`.
    public let actor: String
    public let action: AuditAction
    public let outcome: AuditOutcome
    public let targetType: String?
    public let targetID: String?
    public let requestID: String?
    public let details: [String: String]

    public init(at: Instant, orgID: String?, actor: String, action: AuditAction, outcome: AuditOutcome = .success,
                targetType: String? = nil, targetID: String? = nil, requestID: String? = nil,
                details: [String: String] = [:]) {
        self.at = at
        self.orgID = orgID
        self.actor = actor
        self.action = action
        self.outcome = outcome
        self.targetType = targetType
        self.targetID = targetID
        self.requestID = requestID
        self.details = details
    }
}

/// An audit event as stored: its place in the chain and the hashes that bind it there.
public struct AuditRecord: Hashable, Sendable {
    /// Position in the chain, from 1, without gaps.
    public let sequence: Int64
    public let entry: AuditEntry
    /// `hash` of the record before (64 zeros for the first).
    public let previousHash: String
    /// Hex SHA-256 of `previousHash` and this record's canonical content.
    public let hash: String
    /// How the content was hashed (`AuditChain`): 1 as written, 2 with person fields salted
    /// and hashed so that erasure can replace them.
    public let form: Int
    /// A form-2 record's random salt (hex); nil once erasure changed the record.
    public let salt: String?
    /// Once erasure changed a form-2 record, per person field (`AuditChain.PersonField`): `c:`
    /// and the hash the chain covers for a value it replaced, or `s:` and the field's salt.
    public let sealed: [String: String]

    public init(sequence: Int64, entry: AuditEntry, previousHash: String, hash: String, form: Int = 1,
                salt: String? = nil, sealed: [String: String] = [:]) {
        self.sequence = sequence
        self.entry = entry
        self.previousHash = previousHash
        self.hash = hash
        self.form = form
        self.salt = salt
        self.sealed = sealed
    }
}
