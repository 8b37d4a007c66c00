/// Who may decide an `approval` step, how many must approve, and what its expiry does: the
/// step's config, read once when the step starts and kept with the request (a later change of
/// the workflow does not change a request that waits).
public struct ApprovalPolicy: Sendable, Hashable, Codable {
    /// What the request becomes when nobody decided in time.
    public enum ExpiryAction: String, Sendable, Hashable, Codable, CaseIterable {
        /// The step succeeds with `decision: rejected` (downstream `when`s decide what follows).
        case reject
        /// The step succeeds with `decision: approved`.
        case approve
        /// The step fails (error kind `timeout`), and its execution with it.
        case fail
    }

    public var approvers: [Approver]
    /// Distinct people who must approve; one rejection by an eligible approver rejects.
    public var quorum: Int
    public var expiresAfterMs: Int64?
    public var onExpiry: ExpiryAction

    public init(approvers: [Approver], quorum: Int = 1, expiresAfterMs: Int64? = nil, onExpiry: ExpiryAction = .reject) {
        self.approvers = approvers
        self.quorum = quorum
        self.expiresAfterMs = expiresAfterMs
        self.onExpiry = onExpiry
    }

    /// Reads an approval step's config (already checked against `StepKind.approval`'s schema).
    public static func parse(_ config: JSONValue) throws(StepError) -> ApprovalPolicy {
        var approvers: [Approver] = []
        if let grouped = config["approvers"]?.objectValue {
            // The grouped form: {users: [alice], roles: [operator], teams: [finance]}.
            for (key, make) in [("users", Approver.user), ("roles", Approver.role), ("teams", Approver.team)] as [(String, (String) -> Approver)] {
                for item in grouped[key]?.arrayValue ?? [] {
                    guard let name = item.stringValue, !name.isEmpty, !name.contains(":") else {
                        throw StepError(.validation, "config.approvers.\(key): \(item.canonicalText) is not a name")
                    }
                    approvers.append(make(name))
                }
            }
        } else {
            for item in config["approvers"]?.arrayValue ?? [] {
                guard let text = item.stringValue, let approver = Approver(text) else {
                    throw StepError(.validation, "config.approvers: \(item.canonicalText) is not a login, role:NAME or team:NAME")
                }
                approvers.append(approver)
            }
        }
        guard !approvers.isEmpty else {
            throw StepError(.validation, "config.approvers must name at least one user, role:NAME or team:NAME")
        }
        let quorum = try StepKind.approval.integer("quorum", in: config) ?? 1
        var expires = try StepKind.approval.integer("expires_after_ms", in: config).map(Int64.init)
        if let text = config["expires_in"]?.stringValue {
            guard expires == nil else { throw StepError(.validation, "config: give expires_in or expires_after_ms, not both") }
            guard let milliseconds = TimeFilter.milliseconds(text), (1000...31_536_000_000).contains(milliseconds) else {
                throw StepError(.validation, "config.expires_in must be a duration like 30m, 24h or 7d, from 1s to 365d; got \(text)")
            }
            expires = milliseconds
        }
        var onExpiry = ExpiryAction.reject
        if let text = config["on_expiry"]?.stringValue {
            guard let action = ExpiryAction(rawValue: text) else {
                throw StepError(.validation, "config.on_expiry must be reject, approve or fail")
            }
            onExpiry = action
        }
        return ApprovalPolicy(approvers: approvers, quorum: quorum, expiresAfterMs: expires, onExpiry: onExpiry)
    }
}

/// One entry of `approvers`: a person by login, everyone holding a role, or a team's members.
public enum Approver: Sendable, Hashable, Codable, CustomStringConvertible {
    case user(String)
    case role(String)
    case team(String)

    /// `alice`, `role:operator`, `team:finance`; nil for an empty name.
    public init?(_ text: String) {
        if text.hasPrefix("role:") {
            let name = String(text.dropFirst(5))
            guard !name.isEmpty else { return nil }
            self = .role(name)
        } else if text.hasPrefix("team:") {
            let name = String(text.dropFirst(5))
            guard !name.isEmpty else { return nil }
            self = .team(name)
        } else {
            guard !text.isEmpty, !text.contains(":") else { return nil }
            self = .user(text)
        }
    }

    public var description: String {
        switch self {
        case .user(let login): login
        case .role(let name): "role:\(name)"
        case .team(let name): "team:\(name)"
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let approver = Approver(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an approver: \(text)"))
        }
        self = approver
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
