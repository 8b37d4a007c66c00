import Core
import GRDB

/// Failed executions after a forwarding target's cursor, in the order they ended
/// (docs/observability.md#sentry), and the durable cursor itself.
public struct ErrorForwardCursor: Sendable {
    let database: AgentDatabase
    public let target: String

    /// The name a Sentry's cursor is kept under.
    public static func target(_ dsn: SentryDSN) -> String { "sentry:" + dsn.redacted }

    public init(database: AgentDatabase, target: String) {
        self.database = database
        self.target = target
    }

    /// How far the target got: the last failure sent, how many ended since and wait, the last error.
    public struct State: Sendable, Hashable {
        public let lastSent: Instant?
        public let pending: Int
        public let lastError: String?
    }

    public func state() async throws -> State {
        try await database.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT * FROM error_forward_cursor WHERE target = ?", arguments: [target])
            let at: Int64 = row?["finished_at"] ?? 0, id: String = row?["execution_id"] ?? ""
            let pending = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM execution INDEXED BY execution_failed_at WHERE status = 'failed' AND (finished_at > ? OR (finished_at = ? AND id > ?))
                """, arguments: [at, at, id]) ?? 0
            return State(lastSent: at > 0 ? Instant(millisecondsSinceEpoch: at) : nil, pending: row == nil ? 0 : pending, lastError: row?["last_error"])
        }
    }

    public struct Position: Sendable, Hashable {
        public let finishedAt: Int64
        public let executionID: String
    }

    /// Up to `limit` failures after the cursor that ended at or before `settledBefore` (one
    /// that ended later may still be committing behind one that ended earlier).
    public func pending(limit: Int, settledBefore: Instant) async throws -> [(Position, SentryEnvelope.Failure)] {
        try await database.read { db in
            let cursor = try Row.fetchOne(db, sql: "SELECT finished_at, execution_id FROM error_forward_cursor WHERE target = ?", arguments: [target])
            let at: Int64 = cursor?["finished_at"] ?? 0, id: String = cursor?["execution_id"] ?? ""
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, org_id, workflow_name, workflow_version, environment, error, finished_at FROM execution INDEXED BY execution_failed_at
                WHERE status = 'failed' AND (finished_at > ? OR (finished_at = ? AND id > ?)) AND finished_at <= ?
                ORDER BY finished_at, id LIMIT ?
                """, arguments: [at, at, id, settledBefore.millisecondsSinceEpoch, limit])
            return try rows.map { row in
                let error = try (row["error"] as String?).map(JSONParser.parse)
                let inner = error?["error"] ?? error
                let finished: Int64 = row["finished_at"]
                return (Position(finishedAt: finished, executionID: row["id"]),
                        SentryEnvelope.Failure(executionID: row["id"], orgID: row["org_id"], workflow: row["workflow_name"],
                                               workflowVersion: row["workflow_version"], environment: row["environment"],
                                               node: error?["node"]?.stringValue, kind: inner?["kind"]?.stringValue ?? "internal",
                                               message: inner?["message"]?.stringValue ?? "(no message)",
                                               finishedAt: Instant(millisecondsSinceEpoch: finished)))
            }
        }
    }

    /// A new target does not replay history: it starts at the newest failure there is now.
    public func startIfNew(now: Instant) async throws {
        try await database.writer.submit { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM error_forward_cursor WHERE target = ?", arguments: [target]) == nil else { return }
            let newest = try Row.fetchOne(db, sql: """
                SELECT finished_at, id FROM execution INDEXED BY execution_failed_at WHERE status = 'failed' ORDER BY finished_at DESC, id DESC LIMIT 1
                """)
            try db.execute(sql: "INSERT INTO error_forward_cursor (target, finished_at, execution_id, updated_at) VALUES (?, ?, ?, ?)",
                           arguments: [target, newest?["finished_at"] ?? 0, newest?["id"] ?? "", now.millisecondsSinceEpoch])
        }
    }

    public func advance(to position: Position, now: Instant) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: """
                INSERT INTO error_forward_cursor (target, finished_at, execution_id, updated_at, last_error) VALUES (?, ?, ?, ?, NULL)
                ON CONFLICT (target) DO UPDATE SET finished_at = excluded.finished_at, execution_id = excluded.execution_id,
                    updated_at = excluded.updated_at, last_error = NULL
                """, arguments: [target, position.finishedAt, position.executionID, now.millisecondsSinceEpoch])
        }
    }

    public func failed(_ reason: String, now: Instant) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE error_forward_cursor SET last_error = ?, updated_at = ? WHERE target = ?",
                           arguments: [String(reason.prefix(500)), now.millisecondsSinceEpoch, target])
        }
    }
}
