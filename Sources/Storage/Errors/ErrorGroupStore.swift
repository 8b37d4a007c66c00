import Core
import GRDB

/// A group of failures with one fingerprint, as a caller may see it: counts and times only over
/// the workflows their scope reaches.
public struct ErrorGroup: Sendable, Hashable {
    public struct Workflow: Sendable, Hashable {
        public let id: String
        public let name: String
        public let count: Int
        public let lastSeen: Instant
        /// The latest failed execution of this workflow in the group.
        public let sampleExecution: String
    }

    public let fingerprint: String
    public let kind: String
    public let node: String?
    /// The normalised message the group is keyed on (`timed out after <n> ms`).
    public let message: String
    /// The latest occurrence's own message (as the execution stored it: secrets already scrubbed).
    public let sampleMessage: String
    public let sampleExecution: String
    public let firstSeen: Instant
    public let lastSeen: Instant
    public let count: Int
    public let workflows: [Workflow]
}

/// Failed executions grouped by fingerprint (docs/observability.md#errors): recorded in the unit
/// that ends an execution as failed, read per org through the caller's team visibility.
public struct ErrorGroupStore: Sendable {
    let database: AgentDatabase

    public init(database: AgentDatabase) { self.database = database }

    public struct Filter: Sendable {
        public var since: Instant?
        public var workflow: String?
        public var kind: String?
        public var limit: Int

        public init(since: Instant? = nil, workflow: String? = nil, kind: String? = nil, limit: Int = 50) {
            self.since = since
            self.workflow = workflow
            self.kind = kind
            self.limit = limit
        }
    }

    /// The groups the caller can see, the most recently seen first.
    public func list(in scope: Scope, filter: Filter) async throws -> [ErrorGroup] {
        try await database.read { db in
            var sql = "SELECT * FROM error_group WHERE org_id = ?"
            var arguments: [any DatabaseValueConvertible] = [scope.orgID.rawValue]
            let visibility = TeamVisibility(scope)
            sql += visibility.clause("team_id")
            arguments += visibility.arguments
            if let since = filter.since {
                sql += " AND last_seen >= ?"
                arguments.append(since.millisecondsSinceEpoch)
            }
            if let workflow = filter.workflow {
                sql += " AND (workflow_name = ? OR workflow_id = ?)"
                arguments += [workflow, workflow]
            }
            if let kind = filter.kind {
                sql += " AND kind = ?"
                arguments.append(kind)
            }
            let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
            return Array(Self.groups(rows).prefix(filter.limit))
        }
    }

    /// One group by fingerprint; "not found" when none of its workflows is the caller's to see.
    public func get(_ fingerprint: String, in scope: Scope) async throws -> ErrorGroup {
        try await database.read { db in
            let visibility = TeamVisibility(scope)
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM error_group WHERE org_id = ? AND fingerprint = ?" + visibility.clause("team_id"),
                                        arguments: StatementArguments([scope.orgID.rawValue, fingerprint] + visibility.arguments))
            guard let group = Self.groups(rows).first else { throw StorageError.notFound(.errorGroup, id: fingerprint) }
            return group
        }
    }

    // MARK: - Inside the unit that ends an execution

    /// Counts a failed execution in its group. `error` is what the execution stored: the failing
    /// step's `{node, error: {kind, message}}`, or `{kind, message}` for the execution itself.
    static func record(_ execution: ExecutionRecord, error: JSONValue?, now: Int64, _ db: Database) throws {
        let inner = error?["error"] ?? error
        let kind = inner?["kind"]?.stringValue ?? "internal"
        let node = error?["node"]?.stringValue
        let message = inner?["message"]?.stringValue ?? "(no message)"
        let fingerprint = ErrorFingerprint.of(kind: kind, node: node, message: message)
        try db.cachedStatement(sql: """
            INSERT INTO error_group (org_id, fingerprint, workflow_id, workflow_name, team_id, kind, node, message, sample_message,
                sample_execution_id, first_seen, last_seen, count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
            ON CONFLICT (org_id, fingerprint, workflow_id) DO UPDATE SET workflow_name = excluded.workflow_name, team_id = excluded.team_id,
                sample_message = excluded.sample_message, sample_execution_id = excluded.sample_execution_id,
                last_seen = max(last_seen, excluded.last_seen), count = count + 1
            """).execute(arguments: [execution.orgID.rawValue, fingerprint, execution.workflowID.rawValue, execution.workflowName,
                                     execution.teamID?.rawValue, kind, node, ErrorFingerprint.normalise(message),
                                     String(message.prefix(2000)), execution.id.rawValue, now, now])
    }

    /// Rows (one per workflow) folded into groups, the most recently seen first.
    static func groups(_ rows: [Row]) -> [ErrorGroup] {
        var byFingerprint: [String: [Row]] = [:]
        for row in rows { byFingerprint[row["fingerprint"], default: []].append(row) }
        return byFingerprint.map { fingerprint, rows in
            let latest = rows.max { ($0["last_seen"] as Int64) < ($1["last_seen"] as Int64) }!
            let workflows = rows.map { row in
                ErrorGroup.Workflow(id: row["workflow_id"], name: row["workflow_name"], count: row["count"],
                                    lastSeen: Instant(millisecondsSinceEpoch: row["last_seen"]), sampleExecution: row["sample_execution_id"])
            }.sorted { $0.lastSeen > $1.lastSeen }
            return ErrorGroup(fingerprint: fingerprint, kind: latest["kind"], node: latest["node"], message: latest["message"],
                              sampleMessage: latest["sample_message"], sampleExecution: latest["sample_execution_id"],
                              firstSeen: Instant(millisecondsSinceEpoch: rows.map { $0["first_seen"] as Int64 }.min()!),
                              lastSeen: Instant(millisecondsSinceEpoch: latest["last_seen"]),
                              count: rows.map { $0["count"] as Int }.reduce(0, +), workflows: workflows)
        }.sorted { ($0.lastSeen, $0.fingerprint) > ($1.lastSeen, $1.fingerprint) }
    }
}
