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
    /// history. With an archive, their records are written to it first. Executions brought back
    /// from the archive stay until their hold ends. Returns how many went.
    public func removeExecutions(org: OrgID, finishedBefore cutoff: Instant, limit: Int, archive: ExecutionArchive?, now: Instant) async throws -> Int {
        let due = try await database.read { db in
            let ids = try String.fetchAll(db, sql: """
                SELECT id FROM execution WHERE org_id = ? AND finished_at IS NOT NULL AND finished_at < ?
                    AND (retention_hold_until IS NULL OR retention_hold_until < ?)
                ORDER BY finished_at LIMIT ?
                """, arguments: [org.rawValue, cutoff.millisecondsSinceEpoch, now.millisecondsSinceEpoch, limit])
            // Read in the same snapshot as the ids; a finished execution no longer changes.
            return (ids, archive == nil ? [] : try ids.compactMap { try ExecutionArchive.record(db, execution: $0) })
        }
        guard !due.0.isEmpty else { return 0 }
        try archive?.write(due.1)
        let ids = due.0
        try await database.writer.submit { db in
            try db.execute(sql: "DELETE FROM execution WHERE id IN (\(Self.placeholders(ids.count))) AND finished_at IS NOT NULL",
                           arguments: StatementArguments(ids))
        }
        return ids.count
    }

    /// Removes the step outputs and event data of up to `limit` executions that finished before
    /// `cutoff` (and not before `keptFrom`: older ones are removed whole, so stripping them first
    /// would be wasted writes); their statuses, errors and timings stay. Returns how many
    /// executions.
    public func removePayloads(org: OrgID, finishedBefore cutoff: Instant, keptFrom: Instant?, limit: Int, now: Instant) async throws -> Int {
        try await database.writer.submit { db in
            let ids = try String.fetchAll(db, sql: """
                SELECT id FROM execution WHERE org_id = ? AND finished_at IS NOT NULL AND finished_at < ? AND finished_at >= ?
                    AND payloads_removed_at IS NULL AND (retention_hold_until IS NULL OR retention_hold_until < ?)
                ORDER BY finished_at LIMIT ?
                """, arguments: [org.rawValue, cutoff.millisecondsSinceEpoch, keptFrom?.millisecondsSinceEpoch ?? 0, now.millisecondsSinceEpoch, limit])
            guard !ids.isEmpty else { return 0 }
            let list = Self.placeholders(ids.count), arguments = StatementArguments(ids)
            try db.execute(sql: "UPDATE step_run SET output = NULL WHERE execution_id IN (\(list)) AND output IS NOT NULL", arguments: arguments)
            try db.execute(sql: "UPDATE execution_event SET data = NULL WHERE execution_id IN (\(list)) AND data IS NOT NULL", arguments: arguments)
            try db.execute(sql: "UPDATE execution SET payloads_removed_at = ? WHERE id IN (\(list))",
                           arguments: [now.millisecondsSinceEpoch] + arguments)
            return ids.count
        }
    }

    /// Removes the oldest audit events up to the next keyed checkpoint among those older than
    /// `cutoff` (`AuditRetention.nextCut`), and records the cut in the chain in the same
    /// transaction (`retention.removed` with `audit_through`), so verification can vouch for
    /// it at any moment. Nil when nothing may be cut. Events a forwarding target (`target`) has
    /// not received stay.
    public func removeAuditStep(olderThan cutoff: Instant, forwardTarget: String?, period: String, now: Instant) async throws -> (removed: Int, through: Int64)? {
        let audit = self.audit
        return try await database.writer.submit { db in
            guard let oldest = try Int64.fetchOne(db, sql: "SELECT min(seq) FROM audit_event"),
                  let newest = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_event"),
                  let due = try Int64.fetchOne(db, sql: "SELECT seq FROM audit_event WHERE at < ? ORDER BY at DESC, seq DESC LIMIT 1",
                                               arguments: [cutoff.millisecondsSinceEpoch])
            else { return nil }
            let forwarded = try forwardTarget.flatMap {
                try Int64.fetchOne(db, sql: "SELECT last_seq FROM audit_forward_cursor WHERE target = ?", arguments: [$0])
            }
            let sequences = try Int64.fetchAll(db, sql: "SELECT seq FROM audit_checkpoint WHERE seq >= ? AND seq <= ?", arguments: [oldest, due])
            guard let through = AuditRetention.nextCut(checkpointSequences: sequences, oldestKept: oldest, newest: newest, dueThrough: due,
                                                        forwardedThrough: forwardTarget == nil ? nil : (forwarded ?? 0))
            else { return nil }
            try db.execute(sql: "DELETE FROM audit_event WHERE seq <= ?", arguments: [through])
            let removed = db.changesCount
            try audit.append(AuditEntry(at: now, orgID: nil, actor: "system", action: .retentionRemoved,
                                        details: ["audit_through": "\(through)", "audit_events": "\(removed)", "audit_period": period]), in: db)
            return (removed, through)
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

    /// Units the writer has committed so far (retention's pacing tells from it whether others write).
    public var writerUnits: Int { database.writer.currentStatistics.units }

    /// Lets the main file shrink now rather than at the next automatic checkpoint.
    public func checkpoint() async throws { try await database.checkpoint() }

    // MARK: - Passes and standing

    public struct PassRecord: Sendable, Equatable {
        public var startedAt: Instant
        public var finishedAt: Instant?
        public var executionsRemoved = 0
        public var payloadsRemoved = 0
        public var auditRemoved = 0
        /// Audit rows up to this one are gone (nil: none this pass).
        public var auditThrough: Int64?
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
            // Audit removals are recorded by each cut as it happens.
            guard pass.executionsRemoved + pass.payloadsRemoved > 0 else { return }
            try audit.append(AuditEntry(at: pass.finishedAt ?? pass.startedAt, orgID: nil, actor: "system", action: .retentionRemoved,
                                        details: ["executions": "\(pass.executionsRemoved)", "step_payloads": "\(pass.payloadsRemoved)",
                                                  "pages_freed": "\(pass.pagesFreed)"]),
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
                try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM execution WHERE org_id = ? AND finished_at IS NOT NULL AND finished_at < ?
                        AND (retention_hold_until IS NULL OR retention_hold_until < ?)
                    """, arguments: [org.rawValue, $0.millisecondsSinceEpoch, now.millisecondsSinceEpoch]) ?? 0
            } ?? 0
            // Those due whole are counted once, above.
            let payloads = try cutoffs.stepPayloads.map {
                try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM execution WHERE org_id = ? AND finished_at IS NOT NULL AND finished_at < ? AND finished_at >= ?
                        AND payloads_removed_at IS NULL AND (retention_hold_until IS NULL OR retention_hold_until < ?)
                    """, arguments: [org.rawValue, $0.millisecondsSinceEpoch, cutoffs.executions?.millisecondsSinceEpoch ?? 0,
                                     now.millisecondsSinceEpoch]) ?? 0
            } ?? 0
            return (executions, payloads)
        }
    }

    // MARK: - Restore

    public struct Restored: Sendable, Equatable {
        public var restored = 0
        /// Already in the database (restored before, or never removed).
        public var present = 0
        /// Their workflow or org is gone: nothing to restore them under.
        public var orphaned = 0

        public init() {}
    }

    /// Brings archived executions back, with their steps and events, held from retention until
    /// `holdUntil`; audited once.
    public func restore(_ entries: [ExecutionArchive.Entry], month: String, holdUntil: Instant, context: ChangeContext) async throws -> Restored {
        let audit = self.audit
        return try await database.writer.submit { db in
            var result = Restored()
            let columns = try Self.columns(of: ["execution", "step_run", "execution_event"], db)
            for entry in entries {
                guard case .object(let execution)? = entry.record["execution"] else { continue }
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM execution WHERE id = ?", arguments: [entry.id]) == true {
                    // Kept for the investigation too.
                    try db.execute(sql: "UPDATE execution SET retention_hold_until = max(coalesce(retention_hold_until, 0), ?) WHERE id = ?",
                                   arguments: [holdUntil.millisecondsSinceEpoch, entry.id])
                    result.present += 1
                    continue
                }
                let workflow = execution["workflow_id"]?.stringValue ?? ""
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM workflow WHERE id = ? AND org_id = ?", arguments: [workflow, entry.orgID]) == true else {
                    result.orphaned += 1
                    continue
                }
                var row = execution
                row["retention_hold_until"] = .integer(Int(holdUntil.millisecondsSinceEpoch))
                try Self.insert(row, into: "execution", columns: columns["execution"] ?? [], db)
                for step in entry.record["steps"]?.arrayValue ?? [] { if case .object(let object) = step { try Self.insert(object, into: "step_run", columns: columns["step_run"] ?? [], db) } }
                for event in entry.record["events"]?.arrayValue ?? [] {
                    if case .object(let object) = event { try Self.insert(object, into: "execution_event", columns: columns["execution_event"] ?? [], db) }
                }
                result.restored += 1
            }
            try audit.append(AuditEntry(at: context.now, orgID: context.scope.reach == .org ? context.scope.orgID.rawValue : nil, actor: context.actor,
                                        action: .archiveRestored, requestID: context.requestID,
                                        details: ["month": month, "restored": "\(result.restored)", "present": "\(result.present)",
                                                  "orphaned": "\(result.orphaned)", "hold_until": holdUntil.rfc3339]), in: db)
            return result
        }
    }

    private static func columns(of tables: [String], _ db: Database) throws -> [String: Set<String>] {
        var columns: [String: Set<String>] = [:]
        for table in tables { columns[table] = Set(try db.columns(in: table).map(\.name)) }
        return columns
    }

    /// Inserts an archived row: the columns the table still has, as they were stored.
    private static func insert(_ row: [String: JSONValue], into table: String, columns: Set<String>, _ db: Database) throws {
        let kept = row.filter { columns.contains($0.key) }.sorted { $0.key < $1.key }
        guard !kept.isEmpty else { return }
        let values: [(any DatabaseValueConvertible)?] = kept.map { _, value in
            switch value {
            case .null: nil
            case .integer(let number): Int64(number)
            case .number(let number): number
            case .bool(let flag): flag ? 1 : 0
            case .string(let text): text
            default: value.canonicalText
            }
        }
        try db.execute(sql: "INSERT INTO \(table) (\(kept.map(\.key).joined(separator: ", "))) VALUES (\(placeholders(kept.count)))",
                       arguments: StatementArguments(values))
    }

    static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
}
