import Core
import Foundation
import GRDB

/// What retention reads and removes (docs/compliance.md#retention). Every removal is a small
/// writer unit of its own, so a pass never holds the writer long: the engine's commits go
/// between its batches.
public struct RetentionStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    // MARK: - Org periods

    public struct OrgRetention: Sendable, Equatable {
        public let orgID: OrgID
        public let name: String
        public let override: RetentionOverride
    }

    /// Every org's own periods (those without any too).
    public func orgs() async throws -> [OrgRetention] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, retention_executions_ms, retention_step_payloads_ms FROM org ORDER BY id")
                .map(Self.orgRetention(from:))
        }
    }

    public func org(_ reference: String, in scope: Scope) async throws -> OrgRetention {
        try await database.read { db in try Self.read(reference, scope, db) }
    }

    /// Sets (or, with nil periods, clears) an org's own periods; audited.
    public func set(_ override: RetentionOverride, org reference: String, context: ChangeContext) async throws -> OrgRetention {
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = try UserStore.org(reference, context.scope, db)
            // 0 stands for "forever", NULL for the site's period.
            func column(_ period: RetentionPeriod?) -> Int64? { period.map { $0.milliseconds ?? 0 } }
            try db.execute(sql: "UPDATE org SET retention_executions_ms = ?, retention_step_payloads_ms = ? WHERE id = ?",
                           arguments: [column(override.executions), column(override.stepPayloads), org.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .retentionChanged,
                                        targetType: ResourceType.org.rawValue, targetID: org.rawValue, requestID: context.requestID,
                                        details: ["executions": override.executions?.text ?? "site", "step_payloads": override.stepPayloads?.text ?? "site"]),
                             in: db)
            return try Self.read(org.rawValue, context.scope, db)
        }
    }

    private static func read(_ reference: String, _ scope: Scope, _ db: Database) throws -> OrgRetention {
        let org = try UserStore.org(reference, scope, db)
        guard let row = try Row.fetchOne(db, sql: "SELECT id, name, retention_executions_ms, retention_step_payloads_ms FROM org WHERE id = ?",
                                         arguments: [org.rawValue])
        else { throw StorageError.notFound(.org, id: reference) }
        return orgRetention(from: row)
    }

    private static func orgRetention(from row: Row) -> OrgRetention {
        func period(_ value: Int64?) -> RetentionPeriod? { value.map { $0 == 0 ? .forever : .milliseconds($0) } }
        return OrgRetention(orgID: OrgID(row["id"] as String)!, name: row["name"],
                            override: RetentionOverride(executions: period(row["retention_executions_ms"]),
                                                        stepPayloads: period(row["retention_step_payloads_ms"])))
    }

    // MARK: - Removal, a batch at a time

    /// Removes up to `limit` of the org's executions that finished before `cutoff`, with their
    /// steps, jobs, events and approvals (the foreign keys cascade); model calls stay, as cost
    /// history. Returns how many went.
    public func removeExecutions(org: OrgID, finishedBefore cutoff: Instant, limit: Int) async throws -> Int {
        try await database.writer.submit { db in
            let ids = try String.fetchAll(db, sql: """
                SELECT id FROM execution WHERE org_id = ? AND finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at LIMIT ?
                """, arguments: [org.rawValue, cutoff.millisecondsSinceEpoch, limit])
            guard !ids.isEmpty else { return 0 }
            try db.execute(sql: "DELETE FROM execution WHERE id IN (\(Self.placeholders(ids.count)))", arguments: StatementArguments(ids))
            return ids.count
        }
    }

    /// Removes the step outputs and event data of up to `limit` executions that finished before
    /// `cutoff`; their statuses, errors and timings stay. Returns how many executions.
    public func removePayloads(org: OrgID, finishedBefore cutoff: Instant, limit: Int, now: Instant) async throws -> Int {
        try await database.writer.submit { db in
            let ids = try String.fetchAll(db, sql: """
                SELECT id FROM execution WHERE org_id = ? AND finished_at IS NOT NULL AND finished_at < ? AND payloads_removed_at IS NULL
                ORDER BY finished_at LIMIT ?
                """, arguments: [org.rawValue, cutoff.millisecondsSinceEpoch, limit])
            guard !ids.isEmpty else { return 0 }
            let list = Self.placeholders(ids.count), arguments = StatementArguments(ids)
            try db.execute(sql: "UPDATE step_run SET output = NULL WHERE execution_id IN (\(list)) AND output IS NOT NULL", arguments: arguments)
            try db.execute(sql: "UPDATE execution_event SET data = NULL WHERE execution_id IN (\(list)) AND data IS NOT NULL", arguments: arguments)
            try db.execute(sql: "UPDATE execution SET payloads_removed_at = ? WHERE id IN (\(list))",
                           arguments: [now.millisecondsSinceEpoch] + arguments)
            return ids.count
        }
    }

    /// Gives up to `pages` free pages back to the file system (`PRAGMA incremental_vacuum`);
    /// returns how many it gave. Nothing when the file does not vacuum incrementally.
    public func freePages(upTo pages: Int) async throws -> Int {
        try await database.writer.submit { db in
            guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2 else { return 0 }
            let before = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            guard before > 0 else { return 0 }
            // The pragma returns a row per page it frees; all must be stepped through.
            _ = try Row.fetchAll(db, sql: "PRAGMA incremental_vacuum(\(pages))")
            return before - (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0)
        }
    }

    /// Lets the main file shrink now rather than at the next automatic checkpoint.
    public func checkpoint() async throws { try await database.checkpoint() }

    // MARK: - Passes and standing

    public struct PassRecord: Sendable, Equatable {
        public var startedAt: Instant
        public var finishedAt: Instant?
        public var executionsRemoved = 0
        public var payloadsRemoved = 0
        public var auditRemoved = 0
        public var pagesFreed = 0
        public var error: String?

        public init(startedAt: Instant) { self.startedAt = startedAt }
    }

    /// Keeps the pass's figures (one row: the latest) and audits what it removed.
    public func record(_ pass: PassRecord) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            try db.execute(sql: """
                INSERT INTO retention_pass (id, started_at, finished_at, executions_removed, payloads_removed, audit_removed, pages_freed, error)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, finished_at = excluded.finished_at,
                    executions_removed = excluded.executions_removed, payloads_removed = excluded.payloads_removed,
                    audit_removed = excluded.audit_removed, pages_freed = excluded.pages_freed, error = excluded.error
                """, arguments: [pass.startedAt.millisecondsSinceEpoch, pass.finishedAt?.millisecondsSinceEpoch, pass.executionsRemoved,
                                 pass.payloadsRemoved, pass.auditRemoved, pass.pagesFreed, pass.error])
            guard pass.executionsRemoved + pass.payloadsRemoved + pass.auditRemoved > 0 else { return }
            try audit.append(AuditEntry(at: pass.finishedAt ?? pass.startedAt, orgID: nil, actor: "system", action: .retentionRemoved,
                                        details: ["executions": "\(pass.executionsRemoved)", "step_payloads": "\(pass.payloadsRemoved)",
                                                  "audit_events": "\(pass.auditRemoved)", "pages_freed": "\(pass.pagesFreed)"]),
                             in: db)
        }
    }

    public func lastPass() async throws -> PassRecord? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM retention_pass WHERE id = 1") else { return nil }
            var pass = PassRecord(startedAt: Instant(millisecondsSinceEpoch: row["started_at"]))
            pass.finishedAt = (row["finished_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:))
            pass.executionsRemoved = row["executions_removed"]
            pass.payloadsRemoved = row["payloads_removed"]
            pass.auditRemoved = row["audit_removed"]
            pass.pagesFreed = row["pages_freed"]
            pass.error = row["error"]
            return pass
        }
    }

    /// The file's pages: in use and free, their size, and whether it vacuums incrementally.
    public struct FileStanding: Sendable, Equatable {
        public let pageSize: Int
        public let pages: Int
        public let freePages: Int
        public let incrementalVacuum: Bool
    }

    public func file() async throws -> FileStanding {
        try await database.read { db in
            FileStanding(pageSize: try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096, pages: try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0,
                         freePages: try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0,
                         incrementalVacuum: try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2)
        }
    }

    /// How many of an org's executions are due for removal, and how many for payload removal.
    public func due(org: OrgID, policy: RetentionPolicy, now: Instant) async throws -> (executions: Int, payloads: Int) {
        let cutoffs = policy.cutoffs(now: now)
        return try await database.read { db in
            let executions = try cutoffs.executions.map {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM execution WHERE org_id = ? AND finished_at IS NOT NULL AND finished_at < ?",
                                 arguments: [org.rawValue, $0.millisecondsSinceEpoch]) ?? 0
            } ?? 0
            let payloads = try cutoffs.stepPayloads.map {
                try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM execution WHERE org_id = ? AND finished_at IS NOT NULL AND finished_at < ? AND payloads_removed_at IS NULL
                    """, arguments: [org.rawValue, $0.millisecondsSinceEpoch]) ?? 0
            } ?? 0
            return (executions, payloads)
        }
    }

    static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
}
