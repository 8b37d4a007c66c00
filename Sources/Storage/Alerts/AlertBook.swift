import Core
import GRDB

/// What the alert evaluator reads and writes each round (docs/observability.md#alerts): every
/// enabled rule of every org with its instances and silences, the measures those rules need (from
/// the executions, budgets and queues agentd already keeps: nothing scrapes itself), and the
/// round's outcome in one unit.
public struct AlertBook: Sendable {
    let database: AgentDatabase
    let audit: AuditLog
    let parsed = ParsedRuleText()

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    public struct Rule: Sendable {
        public let record: AlertRuleRecord
        public let orgName: String
        /// By subject.
        public let instances: [String: AlertState]
        public let silenced: Bool
    }

    /// Workflow outcomes in a window: finished and failed, per org and workflow name.
    public typealias Outcomes = [OrgID: [String: (finished: Int, failed: Int)]]

    public struct Measures: Sendable {
        /// By window (ms).
        public var outcomes: [Int64: Outcomes] = [:]
        /// Failures in a row of each workflow that failed lately, per org.
        public var consecutiveFailures: [OrgID: [String: Int]] = [:]
        /// Spent over limit this period, per org, by budget (`org` or the team's name).
        public var budgetUsed: [OrgID: [String: Double]] = [:]
        /// Queued executions per org.
        public var queued: [OrgID: Int] = [:]
    }

    /// How far back a workflow's last failure may be for `consecutive_failures(workflow='*')` to
    /// look at it.
    public static let consecutiveLookbackMilliseconds = 7 * Milliseconds.day
    static let consecutiveLimit = 1000

    /// The rules and the measures they need, read in one transaction.
    public func load(now: Instant) async throws -> (rules: [Rule], measures: Measures) {
        let parsed = self.parsed
        return try await database.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.*, o.name AS org_name FROM alert_rule r JOIN org o ON o.id = r.org_id WHERE r.enabled = 1 ORDER BY r.org_id, r.name
                """)
            var instances: [OrgID: [String: [String: AlertState]]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM alert_instance") {
                guard let org = OrgID(row["org_id"] as String) else { continue }
                instances[org, default: [:]][row["rule"] as String, default: [:]][row["subject"] as String] = AlertRows.state(row)
            }
            var silences: [OrgID: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT org_id, rule FROM alert_silence WHERE ends_at > ? AND starts_at <= ?",
                                        arguments: [now.millisecondsSinceEpoch, now.millisecondsSinceEpoch]) {
                if let org = OrgID(row["org_id"] as String) { silences[org, default: []].insert(row["rule"]) }
            }
            var rules: [Rule] = []
            var measures = Measures()
            var budgetOrgs: Set<OrgID> = [], consecutiveNamed: [OrgID: Set<String>] = [:], consecutiveAll: Set<OrgID> = [], queueOrgs: Set<OrgID> = []
            for row in rows {
                let record = try AlertRows.rule(row, parsed: parsed)
                let org = record.orgID
                rules.append(Rule(record: record, orgName: row["org_name"], instances: instances[org]?[record.name] ?? [:],
                                  silenced: silences[org].map { $0.contains(record.name) || $0.contains("*") } ?? false))
                let expression = record.expression
                switch expression.kind {
                case .failureRate: measures.outcomes[expression.windowMilliseconds] = [:]
                case .consecutiveFailures:
                    if expression.isPerSubject { consecutiveAll.insert(org) } else { consecutiveNamed[org, default: []].insert(expression.subject) }
                case .budgetUsed: budgetOrgs.insert(org)
                case .queueDepth: queueOrgs.insert(org)
                case .apiLatencyP99, .writerStall, .vaultSealed, .diskFree: break
                }
            }
            for window in measures.outcomes.keys {
                measures.outcomes[window] = try Self.outcomes(since: now.adding(milliseconds: -window), db)
            }
            for org in consecutiveAll.union(consecutiveNamed.keys) {
                // A rule for each workflow looks at every recent failure, which covers the named ones.
                let names = consecutiveAll.contains(org) ? nil : consecutiveNamed[org]
                measures.consecutiveFailures[org] = try Self.consecutiveFailures(org: org, workflows: names,
                                                                                 since: now.adding(milliseconds: -Self.consecutiveLookbackMilliseconds), db)
            }
            let gate = database.budgetGate
            for org in budgetOrgs {
                var used: [String: Double] = [:]
                for budget in try Budgets.all(org: org, db) where budget.limitMicros > 0 {
                    let status = try Budgets.status(budget, now: now, gate: gate, db)
                    used[budget.teamName ?? "org"] = Double(status.spentMicros) / Double(budget.limitMicros)
                }
                measures.budgetUsed[org] = used
            }
            // One index seek per org with a queue rule: grouping every org's rows would walk the
            // whole (org, status) index, a million entries on a busy box.
            for org in queueOrgs {
                measures.queued[org] = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM execution WHERE org_id = ? AND status = 'queued'"),
                                                        arguments: [org.rawValue]) ?? 0
            }
            return (rules, measures)
        }
    }

    static func outcomes(since: Instant, _ db: Database) throws -> Outcomes {
        var outcomes: Outcomes = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT org_id, workflow_name, count(*) AS finished, sum(status = 'failed') AS failed FROM execution INDEXED BY execution_finished
            WHERE finished_at >= ? GROUP BY org_id, workflow_name
            """), arguments: [since.millisecondsSinceEpoch]) {
            guard let org = OrgID(row["org_id"] as String) else { continue }
            outcomes[org, default: [:]][row["workflow_name"] as String] = (row["finished"], row["failed"])
        }
        return outcomes
    }

    /// For each named workflow (nil: each that failed since `since`), how many of its latest
    /// finished executions failed in a row, newest first. The workflows that failed lately come
    /// from the error groups (a row per workflow and fingerprint), not from the executions, whose
    /// failures of a week may be many thousands.
    static func consecutiveFailures(org: OrgID, workflows: Set<String>?, since: Instant, _ db: Database) throws -> [String: Int] {
        let names = try workflows.map(Array.init) ?? String.fetchAll(db.cachedStatement(sql: """
            SELECT DISTINCT workflow_name FROM error_group WHERE org_id = ? AND last_seen >= ?
            """), arguments: [org.rawValue, since.millisecondsSinceEpoch])
        var counts: [String: Int] = [:]
        for name in names {
            guard let workflow = try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM workflow WHERE org_id = ? AND name = ?"),
                                                     arguments: [org.rawValue, name]) else { continue }
            let statuses = try String.fetchCursor(db.cachedStatement(sql: """
                SELECT status FROM execution INDEXED BY execution_by_workflow WHERE workflow_id = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT ?
                """), arguments: [workflow, consecutiveLimit])
            var count = 0
            while let status = try statuses.next(), status == ExecutionStatus.failed.rawValue { count += 1 }
            counts[name] = count
        }
        return counts
    }

    /// One instance's new state (nil: inactive, its row removed).
    public struct Update: Sendable {
        public let org: OrgID
        public let rule: String
        public let subject: String
        public let state: AlertState?

        public init(org: OrgID, rule: String, subject: String, state: AlertState?) {
            self.org = org
            self.rule = rule
            self.subject = subject
            self.state = state
        }
    }

    public struct Change: Sendable {
        public let org: OrgID
        public let rule: String
        public let subject: String
        public let change: AlertChange
        public let value: Double

        public init(org: OrgID, rule: String, subject: String, change: AlertChange, value: Double) {
            self.org = org
            self.rule = rule
            self.subject = subject
            self.change = change
            self.value = value
        }
    }

    /// Writes a round's outcome in one unit: instance rows, history and audit of each change,
    /// and a delivery per channel of each notification.
    public func record(updates: [Update], changes: [Change], notifications: [(org: OrgID, channels: [String], notification: AlertNotification)],
                       now: Instant) async throws {
        guard !updates.isEmpty || !changes.isEmpty || !notifications.isEmpty else { return }
        let audit = self.audit
        try await database.writer.submit { db in
            for update in updates {
                if let state = update.state {
                    try db.cachedStatement(sql: """
                        INSERT INTO alert_instance (org_id, rule, subject, phase, since, fired_at, notified_at, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (org_id, rule, subject) DO UPDATE SET phase = excluded.phase, since = excluded.since, fired_at = excluded.fired_at,
                            notified_at = excluded.notified_at, value = excluded.value
                        """).execute(arguments: [update.org.rawValue, update.rule, update.subject, state.phase.rawValue, state.since.millisecondsSinceEpoch,
                                          state.firedAt?.millisecondsSinceEpoch, state.notifiedAt?.millisecondsSinceEpoch, state.value])
                } else {
                    try db.cachedStatement(sql: "DELETE FROM alert_instance WHERE org_id = ? AND rule = ? AND subject = ?")
                        .execute(arguments: [update.org.rawValue, update.rule, update.subject])
                }
            }
            for change in changes {
                try AlertRows.appendEvent(org: change.org, rule: change.rule, subject: change.subject, change: change.change.rawValue, value: change.value, at: now, db)
                var details = ["change": change.change.rawValue, "value": AlertNotification.Instance.text(change.value)]
                if !change.subject.isEmpty { details["subject"] = change.subject }
                try audit.append(AuditEntry(at: now, orgID: change.org.rawValue, actor: "system", action: .alertStateChanged,
                                            targetType: ResourceType.alertRule.rawValue, targetID: change.rule, requestID: nil, details: details), in: db)
            }
            for (org, channels, notification) in notifications {
                for channel in channels {
                    _ = try AlertOutbox.enqueue(notification, org: org, channel: channel, now: now, db)
                }
            }
        }
    }

    /// Across every org, for `agentctl status`: alerts firing and pending, channels down,
    /// notifications not yet taken.
    public struct Summary: Sendable, Hashable, Encodable {
        public let firing: Int
        public let pending: Int
        public let channelsDown: Int
        public let undelivered: Int
    }

    public static func summary(_ database: AgentDatabase) async throws -> Summary {
        try await database.read { db in
            Summary(firing: try Int.fetchOne(db, sql: "SELECT count(*) FROM alert_instance WHERE phase = 'firing'") ?? 0,
                    pending: try Int.fetchOne(db, sql: "SELECT count(*) FROM alert_instance WHERE phase = 'pending'") ?? 0,
                    channelsDown: try Int.fetchOne(db, sql: "SELECT count(*) FROM alert_channel WHERE down_since IS NOT NULL") ?? 0,
                    undelivered: try Int.fetchOne(db, sql: "SELECT count(*) FROM alert_delivery WHERE state = 'pending'") ?? 0)
        }
    }
}
