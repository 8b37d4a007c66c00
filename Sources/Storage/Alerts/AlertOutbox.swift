import Core
import GRDB

/// Notifications waiting for their channels (docs/observability.md#delivery): written in the
/// unit that decided them, sent by the deliverer with retries and backoff, and kept as a record of
/// what was sent. When a channel's deliveries give up, the channel is marked down and the org's
/// other channels are told; its next delivery that goes through marks it up and tells them again.
public struct AlertOutbox: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    public struct Delivery: Sendable {
        public let id: Int64
        public let org: OrgID
        public let channel: String
        public let config: AlertChannelConfig
        public let notification: AlertNotification
        public let attempts: Int
        public let channelDown: Bool
    }

    static func enqueue(_ notification: AlertNotification, org: OrgID, channel: String, now: Instant, _ db: Database) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO alert_delivery (org_id, channel, notification, state, next_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?)
            """).execute(arguments: [org.rawValue, channel, notification.json.canonicalText, now.millisecondsSinceEpoch, now.millisecondsSinceEpoch])
        return db.lastInsertedRowID
    }

    /// Deliveries due now, oldest first.
    public func due(now: Instant, limit: Int) async throws -> [Delivery] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.*, c.config, c.down_since FROM alert_delivery d JOIN alert_channel c ON c.org_id = d.org_id AND c.name = d.channel
                WHERE d.state = 'pending' AND d.next_at <= ? ORDER BY d.next_at, d.id LIMIT ?
                """, arguments: [now.millisecondsSinceEpoch, limit]).compactMap { row in
                guard let org = OrgID(row["org_id"] as String), let config = (try? JSONParser.parse(row["config"] as String)).flatMap(AlertChannelConfig.init(json:)),
                      let notification = (try? JSONParser.parse(row["notification"] as String)).flatMap(AlertNotification.init(json:)) else { return nil }
                return Delivery(id: row["id"], org: org, channel: row["channel"], config: config, notification: notification, attempts: row["attempts"],
                                channelDown: row["down_since"] as Int64? != nil)
            }
        }
    }

    /// When the next delivery is due, if any waits.
    public func nextDue() async throws -> Instant? {
        try await database.read { db in
            try Int64.fetchOne(db, sql: "SELECT min(next_at) FROM alert_delivery WHERE state = 'pending'").map(Instant.init(millisecondsSinceEpoch:))
        }
    }

    /// The channel took it. A channel that was down is up again: recorded, audited, and the org's
    /// other channels told.
    public func sent(_ delivery: Delivery, now: Instant) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE alert_delivery SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?",
                           arguments: [now.millisecondsSinceEpoch, delivery.id])
            guard let down = try Int64.fetchOne(db, sql: "SELECT down_since FROM alert_channel WHERE org_id = ? AND name = ?",
                                                arguments: [delivery.org.rawValue, delivery.channel]) else { return }
            try db.execute(sql: "UPDATE alert_channel SET down_since = NULL, last_error = NULL WHERE org_id = ? AND name = ?",
                           arguments: [delivery.org.rawValue, delivery.channel])
            try Self.channelChanged(delivery, up: true, since: Instant(millisecondsSinceEpoch: down), error: nil, now: now, audit: audit, db)
        }
    }

    /// A try failed: retried at `retryAt`, or (nil) given up, which marks the channel down.
    public func failed(_ delivery: Delivery, error: String, retryAt: Instant?, now: Instant) async throws {
        let audit = self.audit
        let error = String(error.prefix(500))
        try await database.writer.submit { db in
            guard let retryAt else {
                try db.execute(sql: "UPDATE alert_delivery SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
                               arguments: [error, delivery.id])
                let wasDown = try Int64.fetchOne(db, sql: "SELECT down_since FROM alert_channel WHERE org_id = ? AND name = ?",
                                                 arguments: [delivery.org.rawValue, delivery.channel]) != nil
                try db.execute(sql: "UPDATE alert_channel SET down_since = coalesce(down_since, ?), last_error = ? WHERE org_id = ? AND name = ?",
                               arguments: [now.millisecondsSinceEpoch, error, delivery.org.rawValue, delivery.channel])
                if !wasDown { try Self.channelChanged(delivery, up: false, since: now, error: error, now: now, audit: audit, db) }
                return
            }
            try db.execute(sql: "UPDATE alert_delivery SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?",
                           arguments: [error, retryAt.millisecondsSinceEpoch, delivery.id])
            try db.execute(sql: "UPDATE alert_channel SET last_error = ? WHERE org_id = ? AND name = ?",
                           arguments: [error, delivery.org.rawValue, delivery.channel])
        }
    }

    /// Records a channel going down or up and tells the org's other channels that are up.
    static func channelChanged(_ delivery: Delivery, up: Bool, since: Instant, error: String?, now: Instant, audit: AuditLog, _ db: Database) throws {
        let org = delivery.org
        let rule = "channel:\(delivery.channel)"
        try AlertRows.appendEvent(org: org, rule: rule, subject: delivery.channel, change: up ? "channel_up" : "channel_down", value: nil, at: now,
                                  detail: error ?? "down since \(since.rfc3339)", db)
        var details = ["channel": delivery.channel]
        if let error { details["error"] = error }
        try audit.append(AuditEntry(at: now, orgID: org.rawValue, actor: "system", action: up ? .alertChannelUp : .alertChannelDown,
                                    targetType: ResourceType.alertChannel.rawValue, targetID: delivery.channel, requestID: nil, details: details), in: db)
        let others = try String.fetchAll(db, sql: "SELECT name FROM alert_channel WHERE org_id = ? AND name != ? AND down_since IS NULL ORDER BY name",
                                         arguments: [org.rawValue, delivery.channel])
        let notification = AlertNotification(org: delivery.notification.org, rule: rule, severity: .critical, notice: up ? .resolved : .firing,
                                             expression: up ? "channel \(delivery.channel) takes deliveries again"
                                                 : "channel \(delivery.channel) refuses deliveries: \(error ?? "")",
                                             instances: [.init(subject: delivery.channel, value: up ? 0 : 1, since: since)], at: now)
        for other in others { _ = try enqueue(notification, org: org, channel: other, now: now, db) }
    }

    /// Sent and given-up deliveries older than `before`, removed (the history keeps what changed).
    public func prune(before: Instant) async throws -> Int {
        try await database.writer.submit { db in
            try db.execute(sql: "DELETE FROM alert_delivery WHERE state != 'pending' AND created_at < ?", arguments: [before.millisecondsSinceEpoch])
            return db.changesCount
        }
    }
}
