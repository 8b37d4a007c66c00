import Core
import GRDB

/// How far a forwarding target has received the audit chain (docs/observability.md#audit-forwarding).
public struct AuditForwardState: Sendable, Hashable {
    public let target: String
    /// The last event written to the target (0: none yet).
    public let lastSequence: Int64
    /// The newest event in the chain.
    public let headSequence: Int64
    public let updatedAt: Instant?
    /// Why the last attempt failed, while it keeps failing.
    public let lastError: String?

    public var lag: Int64 { max(0, headSequence - lastSequence) }
}

/// The durable cursor of each forwarding target, and the events after it in chain order.
public struct AuditForwardCursor: Sendable {
    let database: AgentDatabase
    public let target: String

    public init(database: AgentDatabase, target: String) {
        self.database = database
        self.target = target
    }

    public func state() async throws -> AuditForwardState {
        try await database.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT * FROM audit_forward_cursor WHERE target = ?", arguments: [target])
            let head = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_event") ?? 0
            return AuditForwardState(target: target, lastSequence: row?["last_seq"] ?? 0, headSequence: head,
                                     updatedAt: (row?["updated_at"] as Int64?).map { Instant(millisecondsSinceEpoch: $0) },
                                     lastError: row?["last_error"])
        }
    }

    /// Up to `limit` events after the cursor, oldest first.
    public func pending(limit: Int) async throws -> [AuditRecord] {
        try await database.read { db in
            let after = try Int64.fetchOne(db, sql: "SELECT last_seq FROM audit_forward_cursor WHERE target = ?", arguments: [target]) ?? 0
            return try Row.fetchAll(db, sql: "SELECT * FROM audit_event WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [after, limit])
                .map(AuditLog.record(from:))
        }
    }

    /// After a batch was written: the cursor moves to `sequence` (never back) and the error is cleared.
    public func advance(to sequence: Int64, now: Instant) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: """
                INSERT INTO audit_forward_cursor (target, last_seq, updated_at, last_error) VALUES (?, ?, ?, NULL)
                ON CONFLICT (target) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq), updated_at = excluded.updated_at, last_error = NULL
                """, arguments: [target, sequence, now.millisecondsSinceEpoch])
        }
    }

    /// A failed attempt: the cursor stays where it is; the reason is kept for `agentctl status`.
    public func failed(_ reason: String, now: Instant) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: """
                INSERT INTO audit_forward_cursor (target, last_seq, updated_at, last_error) VALUES (?, 0, ?, ?)
                ON CONFLICT (target) DO UPDATE SET updated_at = excluded.updated_at, last_error = excluded.last_error
                """, arguments: [target, now.millisecondsSinceEpoch, String(reason.prefix(500))])
        }
    }
}
