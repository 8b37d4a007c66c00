import Core
import GRDB

/// An org's alert rules, channels and silences, what fires now and what happened
/// (docs/observability.md#alerts), for callers with alerts.view (reads) and alerts.manage
/// (changes). Every change is audited in its own unit.
public struct AlertStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    // MARK: channels

    public func channels(in scope: Scope) async throws -> [AlertChannelRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: Self.channelSelect + " WHERE c.org_id = ? ORDER BY c.name", arguments: [scope.orgID.rawValue]).map(AlertRows.channel)
        }
    }

    public func channel(_ name: String, in scope: Scope) async throws -> AlertChannelRecord {
        try await database.read { db in try Self.channel(name, org: scope.orgID, db) }
    }

    static let channelSelect = """
        SELECT c.*, (SELECT count(*) FROM alert_delivery d WHERE d.org_id = c.org_id AND d.channel = c.name AND d.state = 'pending') AS pending
        FROM alert_channel c
        """

    static func channel(_ name: String, org: OrgID, _ db: Database) throws -> AlertChannelRecord {
        guard let row = try Row.fetchOne(db, sql: channelSelect + " WHERE c.org_id = ? AND c.name = ?", arguments: [org.rawValue, name]) else {
            throw StorageError.notFound(.alertChannel, id: name)
        }
        return try AlertRows.channel(row)
    }

    /// Creates a channel (`create`) or replaces its settings.
    public func putChannel(_ name: String, config: AlertChannelConfig, create: Bool, context: ChangeContext) async throws -> AlertChannelRecord {
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = context.scope.orgID
            let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM alert_channel WHERE org_id = ? AND name = ?", arguments: [org.rawValue, name]) ?? false
            if create, exists { throw StorageError.alreadyExists(.alertChannel, field: "name", value: name) }
            if !create, !exists { throw StorageError.notFound(.alertChannel, id: name) }
            let now = context.now.millisecondsSinceEpoch
            try db.execute(sql: """
                INSERT INTO alert_channel (org_id, name, config, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (org_id, name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at, down_since = NULL, last_error = NULL
                """, arguments: [org.rawValue, name, config.json.canonicalText, context.actor, now, now])
            var details = ["kind": config.kind.rawValue]
            if let url = config.url { details["url"] = Self.redacted(url) }
            if let path = config.secretPath { details["secret_path"] = path }
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: create ? .alertChannelCreated : .alertChannelUpdated,
                                        targetType: ResourceType.alertChannel.rawValue, targetID: name, requestID: context.requestID, details: details), in: db)
            return try Self.channel(name, org: org, db)
        }
    }

    /// A URL without its query and user info: a hook URL's path may carry a token, so only the
    /// host is kept in the audit.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return "?" }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return url[..<schemeEnd.upperBound] + (authority.split(separator: "@").last ?? "") + (rest.count > authority.count ? "/…" : "")
    }

    /// Deletes a channel with its waiting notifications; refused while a rule notifies it.
    public func deleteChannel(_ name: String, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let org = context.scope.orgID
            _ = try Self.channel(name, org: org, db)
            let users = try Row.fetchAll(db, sql: "SELECT name, channels FROM alert_rule WHERE org_id = ?", arguments: [org.rawValue]).filter { row in
                ((try? JSONParser.parse(row["channels"] as String))?.arrayValue ?? []).contains(.string(name))
            }.map { $0["name"] as String }
            guard users.isEmpty else {
                throw StorageError.protected(.alertChannel, id: name, reason: "rules \(users.joined(separator: ", ")) notify channel \(name); "
                                             + "change them first (`agentctl alerts rules set RULE --notify OTHER`)")
            }
            try db.execute(sql: "DELETE FROM alert_channel WHERE org_id = ? AND name = ?", arguments: [org.rawValue, name])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .alertChannelDeleted,
                                        targetType: ResourceType.alertChannel.rawValue, targetID: name, requestID: context.requestID), in: db)
        }
    }

    // MARK: rules

    public func rules(in scope: Scope) async throws -> [AlertRuleRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alert_rule WHERE org_id = ? ORDER BY name", arguments: [scope.orgID.rawValue]).map { try AlertRows.rule($0) }
        }
    }

    public func rule(_ name: String, in scope: Scope) async throws -> (AlertRuleRecord, [AlertInstanceRecord]) {
        try await database.read { db in
            let rule = try Self.rule(name, org: scope.orgID, db)
            let silenced = try Self.silencedRules(org: scope.orgID, now: nil, db)
            let instances = try Row.fetchAll(db, sql: "SELECT * FROM alert_instance WHERE org_id = ? AND rule = ? ORDER BY subject",
                                             arguments: [scope.orgID.rawValue, name]).map { row in
                AlertInstanceRecord(rule: name, subject: row["subject"], state: AlertRows.state(row), severity: rule.severity,
                                    silenced: silenced.contains(name) || silenced.contains("*"))
            }
            return (rule, instances)
        }
    }

    static func rule(_ name: String, org: OrgID, _ db: Database) throws -> AlertRuleRecord {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM alert_rule WHERE org_id = ? AND name = ?", arguments: [org.rawValue, name]) else {
            throw StorageError.notFound(.alertRule, id: name)
        }
        return try AlertRows.rule(row)
    }

    /// Creates a rule (`create`) or replaces it. Its channels must exist; kinds that measure the
    /// installation (writer stall, vault, disk, API latency) need a caller whose scope reaches it.
    public func putRule(_ name: String, spec: AlertRuleSpec, create: Bool, context: ChangeContext) async throws -> AlertRuleRecord {
        let audit = self.audit
        if spec.expression.kind.isInstallationWide, !context.scope.allows(.systemView) {
            throw StorageError.permissionRequired(.systemView, reason: "\(spec.expression.kind.rawValue) measures the whole installation; "
                                                  + "only an installation administrator may alert on it")
        }
        return try await database.writer.submit { db in
            let org = context.scope.orgID
            let existing = try Row.fetchOne(db, sql: "SELECT expr FROM alert_rule WHERE org_id = ? AND name = ?", arguments: [org.rawValue, name])
            if create, existing != nil { throw StorageError.alreadyExists(.alertRule, field: "name", value: name) }
            if !create, existing == nil { throw StorageError.notFound(.alertRule, id: name) }
            for channel in spec.channels {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM alert_channel WHERE org_id = ? AND name = ?", arguments: [org.rawValue, channel]) ?? false else {
                    throw StorageError.notFound(.alertChannel, id: "\(channel) (create it with `agentctl alerts channels create \(channel) --type …`)")
                }
            }
            let now = context.now.millisecondsSinceEpoch
            let channels = JSONValue.array(spec.channels.map(JSONValue.string)).canonicalText
            try db.execute(sql: """
                INSERT INTO alert_rule (org_id, name, expr, for_ms, repeat_ms, severity, channels, description, enabled, created_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (org_id, name) DO UPDATE SET expr = excluded.expr, for_ms = excluded.for_ms, repeat_ms = excluded.repeat_ms,
                    severity = excluded.severity, channels = excluded.channels, description = excluded.description, enabled = excluded.enabled,
                    updated_at = excluded.updated_at
                """, arguments: [org.rawValue, name, spec.expression.text, spec.forMilliseconds, spec.repeatMilliseconds, spec.severity.rawValue,
                                 channels, spec.description, spec.enabled ? 1 : 0, context.actor, now, now])
            // A changed condition starts over: what held under the old one says nothing of the new.
            if let old = existing?["expr"] as String?, old != spec.expression.text || !spec.enabled {
                try db.execute(sql: "DELETE FROM alert_instance WHERE org_id = ? AND rule = ?", arguments: [org.rawValue, name])
            }
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: create ? .alertRuleCreated : .alertRuleUpdated,
                                        targetType: ResourceType.alertRule.rawValue, targetID: name, requestID: context.requestID,
                                        details: ["expr": spec.expression.text, "for": TimeFilter.text(milliseconds: spec.forMilliseconds),
                                                  "severity": spec.severity.rawValue, "notify": spec.channels.joined(separator: ","),
                                                  "enabled": "\(spec.enabled)"]), in: db)
            return try Self.rule(name, org: org, db)
        }
    }

    public func deleteRule(_ name: String, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let org = context.scope.orgID
            _ = try Self.rule(name, org: org, db)
            try db.execute(sql: "DELETE FROM alert_rule WHERE org_id = ? AND name = ?", arguments: [org.rawValue, name])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .alertRuleDeleted,
                                        targetType: ResourceType.alertRule.rawValue, targetID: name, requestID: context.requestID), in: db)
        }
    }

    // MARK: what fires, what happened

    /// Alerts pending or firing now, firing first.
    public func active(in scope: Scope, now: Instant) async throws -> [AlertInstanceRecord] {
        try await database.read { db in
            let silenced = try Self.silencedRules(org: scope.orgID, now: now, db)
            return try Row.fetchAll(db, sql: """
                SELECT i.*, r.severity FROM alert_instance i JOIN alert_rule r ON r.org_id = i.org_id AND r.name = i.rule
                WHERE i.org_id = ? ORDER BY i.phase = 'firing' DESC, i.since
                """, arguments: [scope.orgID.rawValue]).map { row in
                let rule: String = row["rule"]
                return AlertInstanceRecord(rule: rule, subject: row["subject"], state: AlertRows.state(row),
                                           severity: AlertSeverity(rawValue: row["severity"]) ?? .warning,
                                           silenced: silenced.contains(rule) || silenced.contains("*"))
            }
        }
    }

    public struct HistoryFilter: Sendable {
        public var rule: String?
        public var since: Instant?
        public var limit = 100

        public init(rule: String? = nil, since: Instant? = nil, limit: Int = 100) {
            self.rule = rule
            self.since = since
            self.limit = limit
        }
    }

    /// State changes, silences and channel outages, the newest first.
    public func history(in scope: Scope, filter: HistoryFilter) async throws -> [AlertEventRecord] {
        try await database.read { db in
            var sql = "SELECT * FROM alert_event WHERE org_id = ?"
            var arguments: [any DatabaseValueConvertible] = [scope.orgID.rawValue]
            if let rule = filter.rule {
                sql += " AND rule = ?"
                arguments.append(rule)
            }
            if let since = filter.since {
                sql += " AND at >= ?"
                arguments.append(since.millisecondsSinceEpoch)
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments.append(filter.limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(AlertRows.event)
        }
    }

    // MARK: silences

    /// Names of rules silenced at `now` (every silence not ended when `now` is nil).
    static func silencedRules(org: OrgID, now: Instant?, _ db: Database) throws -> Set<String> {
        let at = now?.millisecondsSinceEpoch ?? Int64.max
        return Set(try String.fetchAll(db, sql: "SELECT rule FROM alert_silence WHERE org_id = ? AND ends_at > ? AND starts_at <= ?",
                                       arguments: [org.rawValue, now == nil ? 0 : at, at]))
    }

    public func silences(in scope: Scope, now: Instant, includeEnded: Bool) async throws -> [AlertSilenceRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alert_silence WHERE org_id = ?" + (includeEnded ? "" : " AND ends_at > ?") + " ORDER BY id DESC LIMIT 200",
                             arguments: includeEnded ? [scope.orgID.rawValue] : [scope.orgID.rawValue, now.millisecondsSinceEpoch]).map(AlertRows.silence)
        }
    }

    /// Holds `rule`'s notifications (or every rule's, `*`) back for `milliseconds`.
    public func silence(_ rule: String, milliseconds: Int64, comment: String, context: ChangeContext) async throws -> AlertSilenceRecord {
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = context.scope.orgID
            if rule != "*" { _ = try Self.rule(rule, org: org, db) }
            let ends = context.now.adding(milliseconds: milliseconds)
            try db.execute(sql: "INSERT INTO alert_silence (org_id, rule, starts_at, ends_at, comment, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [org.rawValue, rule, context.now.millisecondsSinceEpoch, ends.millisecondsSinceEpoch, comment, context.actor])
            let id = db.lastInsertedRowID
            try AlertRows.appendEvent(org: org, rule: rule, subject: "", change: "silenced", value: nil, at: context.now,
                                      detail: "until \(ends.rfc3339) by \(context.actor): \(comment)", db)
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .alertSilenced,
                                        targetType: ResourceType.alertSilence.rawValue, targetID: "\(id)", requestID: context.requestID,
                                        details: ["rule": rule, "until": ends.rfc3339, "comment": comment]), in: db)
            return AlertRows.silence(try Row.fetchOne(db, sql: "SELECT * FROM alert_silence WHERE id = ?", arguments: [id])!)
        }
    }

    /// Ends a silence now.
    public func endSilence(_ id: Int64, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let org = context.scope.orgID
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM alert_silence WHERE id = ? AND org_id = ?", arguments: [id, org.rawValue]) else {
                throw StorageError.notFound(.alertSilence, id: "\(id)")
            }
            let silence = AlertRows.silence(row)
            guard silence.endsAt > context.now else { throw StorageError.protected(.alertSilence, id: "\(id)", reason: "silence \(id) has already ended") }
            try db.execute(sql: "UPDATE alert_silence SET ends_at = ?, ended_by = ? WHERE id = ?",
                           arguments: [context.now.millisecondsSinceEpoch, context.actor, id])
            try AlertRows.appendEvent(org: org, rule: silence.rule, subject: "", change: "unsilenced", value: nil, at: context.now,
                                      detail: "silence \(id) ended by \(context.actor)", db)
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .alertUnsilenced,
                                        targetType: ResourceType.alertSilence.rawValue, targetID: "\(id)", requestID: context.requestID,
                                        details: ["rule": silence.rule]), in: db)
        }
    }

    /// Records a channel test and its outcome.
    public func recordTest(_ channel: String, error: String?, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let org = context.scope.orgID
            try AlertRows.appendEvent(org: org, rule: "channel:\(channel)", subject: channel, change: "tested", value: error == nil ? 1 : 0, at: context.now,
                                      detail: error.map { "refused: \($0.prefix(500))" } ?? "sent by \(context.actor)", db)
            var details = ["sent": "\(error == nil)"]
            if let error { details["error"] = String(error.prefix(500)) }
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .alertChannelTested,
                                        targetType: ResourceType.alertChannel.rawValue, targetID: channel, requestID: context.requestID,
                                        details: details), in: db)
        }
    }
}
