import Core
import GRDB
import Synchronization

/// An org's alert rule (`agentctl alerts rules`).
public struct AlertRuleRecord: Sendable, Hashable {
    public let orgID: OrgID
    public let name: String
    public let expression: AlertExpression
    public let forMilliseconds: Int64
    public let repeatMilliseconds: Int64
    public let severity: AlertSeverity
    /// Channel names, in the order given.
    public let channels: [String]
    public let description: String
    public let enabled: Bool
    public let createdBy: String
    public let updatedAt: Instant
}

/// What a rule is made of when it is created or replaced.
public struct AlertRuleSpec: Sendable, Hashable {
    public var expression: AlertExpression
    public var forMilliseconds: Int64
    public var repeatMilliseconds: Int64
    public var severity: AlertSeverity
    public var channels: [String]
    public var description: String
    public var enabled: Bool

    public init(expression: AlertExpression, forMilliseconds: Int64, repeatMilliseconds: Int64, severity: AlertSeverity, channels: [String],
                description: String, enabled: Bool) {
        self.expression = expression
        self.forMilliseconds = forMilliseconds
        self.repeatMilliseconds = repeatMilliseconds
        self.severity = severity
        self.channels = channels
        self.description = description
        self.enabled = enabled
    }
}

/// An org's alert channel, with how its deliveries go.
public struct AlertChannelRecord: Sendable, Hashable {
    public let orgID: OrgID
    public let name: String
    public let config: AlertChannelConfig
    public let createdBy: String
    public let updatedAt: Instant
    /// Since when deliveries have given up on it; nil while it takes them.
    public let downSince: Instant?
    public let lastError: String?
    /// Notifications waiting for it (retrying included).
    public let pending: Int
}

/// One alert that holds now: a rule, for one subject.
public struct AlertInstanceRecord: Sendable, Hashable {
    public let rule: String
    /// The workflow or budget; empty for a rule with one instance.
    public let subject: String
    public let state: AlertState
    public let severity: AlertSeverity
    public let silenced: Bool
}

/// One line of `agentctl alerts history`.
public struct AlertEventRecord: Sendable, Hashable {
    public let id: Int64
    public let rule: String
    public let subject: String
    /// pending, firing, resolved, cleared, silenced, unsilenced, channel_down, channel_up.
    public let change: String
    public let value: Double?
    public let at: Instant
    public let detail: String
}

public struct AlertSilenceRecord: Sendable, Hashable {
    public let id: Int64
    /// A rule's name, or `*` for every rule of the org.
    public let rule: String
    public let startsAt: Instant
    public let endsAt: Instant
    public let comment: String
    public let createdBy: String
    public let endedBy: String?

    public func isActive(at now: Instant) -> Bool { startsAt <= now && now < endsAt }
}

enum AlertRows {
    static func rule(_ row: Row, parsed: ParsedRuleText? = nil) throws -> AlertRuleRecord {
        let text: String = row["expr"], channelList: String = row["channels"]
        guard let org = OrgID(row["org_id"] as String), let expression = parsed?.expression(text) ?? (try? AlertExpression.parse(text)),
              let severity = AlertSeverity(rawValue: row["severity"]) else {
            throw StorageError.notFound(.alertRule, id: row["name"] ?? "?")
        }
        let channels = parsed?.channels(channelList) ?? ParsedRuleText.channelNames(channelList)
        return AlertRuleRecord(orgID: org, name: row["name"], expression: expression, forMilliseconds: row["for_ms"], repeatMilliseconds: row["repeat_ms"],
                               severity: severity, channels: channels, description: row["description"], enabled: (row["enabled"] as Int) != 0,
                               createdBy: row["created_by"], updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]))
    }

    static func channel(_ row: Row) throws -> AlertChannelRecord {
        guard let org = OrgID(row["org_id"] as String), let json = try? JSONParser.parse(row["config"] as String),
              let config = AlertChannelConfig(json: json) else {
            throw StorageError.notFound(.alertChannel, id: row["name"] ?? "?")
        }
        return AlertChannelRecord(orgID: org, name: row["name"], config: config, createdBy: row["created_by"],
                                  updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]),
                                  downSince: (row["down_since"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)), lastError: row["last_error"],
                                  pending: row["pending"] ?? 0)
    }

    static func state(_ row: Row) -> AlertState {
        AlertState(phase: AlertState.Phase(rawValue: row["phase"]) ?? .pending, since: Instant(millisecondsSinceEpoch: row["since"]),
                   firedAt: (row["fired_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)),
                   notifiedAt: (row["notified_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)), value: row["value"])
    }

    static func event(_ row: Row) -> AlertEventRecord {
        AlertEventRecord(id: row["id"], rule: row["rule"], subject: row["subject"], change: row["change"], value: row["value"],
                         at: Instant(millisecondsSinceEpoch: row["at"]), detail: row["detail"])
    }

    static func silence(_ row: Row) -> AlertSilenceRecord {
        AlertSilenceRecord(id: row["id"], rule: row["rule"], startsAt: Instant(millisecondsSinceEpoch: row["starts_at"]),
                           endsAt: Instant(millisecondsSinceEpoch: row["ends_at"]), comment: row["comment"], createdBy: row["created_by"],
                           endedBy: row["ended_by"])
    }

    static func appendEvent(org: OrgID, rule: String, subject: String, change: String, value: Double?, at: Instant, detail: String = "",
                            _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO alert_event (org_id, rule, subject, change, value, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [org.rawValue, rule, subject, change, value, at.millisecondsSinceEpoch, detail])
    }
}

/// The evaluator reads every rule each round; parsing each condition and channel list once per
/// distinct text keeps a round from spending its time re-reading the same strings.
final class ParsedRuleText: Sendable {
    private let cache = Mutex<(expressions: [String: AlertExpression], channels: [String: [String]])>(([:], [:]))

    func expression(_ text: String) -> AlertExpression? {
        if let known = cache.withLock({ $0.expressions[text] }) { return known }
        guard let parsed = try? AlertExpression.parse(text) else { return nil }
        cache.withLock { cache in
            if cache.expressions.count > 100_000 { cache.expressions = [:] }
            cache.expressions[text] = parsed
        }
        return parsed
    }

    func channels(_ text: String) -> [String] {
        if let known = cache.withLock({ $0.channels[text] }) { return known }
        let names = Self.channelNames(text)
        cache.withLock { cache in
            if cache.channels.count > 100_000 { cache.channels = [:] }
            cache.channels[text] = names
        }
        return names
    }

    static func channelNames(_ text: String) -> [String] {
        (try? JSONParser.parse(text))?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
