import Core
import Foundation
import GRDB

/// The audit hash chain in the database.
///
/// `append` runs inside the writer unit of the change it records, so the change and its audit
/// row commit together or not at all; a unit that fails takes its audit rows with it. Rows are
/// never updated, except by the erasure of a person (`AuditLog+Erasure`), and never deleted
/// except by retention, from the oldest.
public struct AuditLog: Sendable {
    let database: AgentDatabase
    let digest: AuditChain.Digest
    private let checkpoints: CheckpointPolicy?

    /// Without `checkpoints`, no checkpoints are written and `verify` checks the chain alone.
    public init(database: AgentDatabase, digest: @escaping AuditChain.Digest, checkpoints: CheckpointPolicy? = nil) {
        self.database = database
        self.digest = digest
        self.checkpoints = checkpoints
    }

    /// Appends `entry` to the chain. Call only inside a writer unit (`writer.submit`).
    @discardableResult
    public func append(_ entry: AuditEntry, in db: Database) throws -> AuditRecord {
        // Cached: this runs in every audited unit (every execution's start among them).
        let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"))
        let sequence: Int64 = (last?[0] as Int64? ?? 0) + 1
        let previousHash: String = last?[1] ?? AuditChain.genesis
        // Unpredictable, so that once erasure drops it the erased values cannot be found again by
        // hashing guesses.
        // Two draws of 8 bytes: each draw is a getrandom call, on the writer thread.
        var random = SystemRandomNumberGenerator()
        let (high, low) = (random.next(), random.next())
        let salt = AuditChain.hex((0..<16).map { UInt8(truncatingIfNeeded: ($0 < 8 ? high : low) >> (UInt64($0 % 8) * 8)) })
        let form = AuditChain.sealedForm
        let hash = AuditChain.hash(sequence: sequence, entry: entry, previousHash: previousHash, digest: digest, form: form, salt: salt)
        try db.cachedStatement(sql: """
            INSERT INTO audit_event (seq, at, org_id, actor, action, outcome, target_type, target_id, request_id,
                                     details, prev_hash, hash, form, salt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                sequence, entry.at.millisecondsSinceEpoch, entry.orgID, entry.actor, entry.action.rawValue,
                entry.outcome.rawValue, entry.targetType, entry.targetID, entry.requestID,
                Self.encode(entry.details), previousHash, hash, form, salt,
            ])
        if let checkpoints {
            // In the same transaction as the event that completes the interval: the two commit
            // together, so a crash cannot leave the interval's last event without its checkpoint.
            let last = try AuditCheckpointRows.last(in: db)
            if AuditCheckpoints.isDue(sequence: sequence, lastCheckpointSequence: last?.sequence, interval: checkpoints.interval) {
                try AuditCheckpointRows.write(after: last?.number, sequence: sequence, headHash: hash, at: entry.at,
                                              policy: checkpoints, in: db)
            }
        }
        return AuditRecord(sequence: sequence, entry: entry, previousHash: previousHash, hash: hash, form: form, salt: salt)
    }

    /// Writes a checkpoint of the chain as it stands, unless the newest one already covers it
    /// (agentd calls this at a clean stop). Returns the checkpoint written, or nil.
    @discardableResult
    public func checkpoint(now: Instant) async throws -> AuditCheckpoint? {
        guard let checkpoints else { return nil }
        return try await database.writer.submit { db in
            guard let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1") else {
                return nil
            }
            let sequence: Int64 = head["seq"]
            let last = try AuditCheckpointRows.last(in: db)
            guard sequence > last?.sequence ?? 0 else { return nil }
            return try AuditCheckpointRows.write(after: last?.number, sequence: sequence, headHash: head["hash"], at: now,
                                                 policy: checkpoints, in: db)
        }
    }

    /// Appends an event that accompanies no other change (e.g. a refused request).
    public func record(_ entry: AuditEntry) async throws {
        let log = self
        try await database.writer.submit { db in _ = try log.append(entry, in: db) }
    }

    /// Which events to list.
    public struct Filter: Sendable, Hashable {
        public var action: AuditAction?
        public var actor: String?
        public var since: Instant?
        public var until: Instant?

        public init(action: AuditAction? = nil, actor: String? = nil, since: Instant? = nil, until: Instant? = nil) {
            self.action = action
            self.actor = actor
            self.since = since
            self.until = until
        }
    }

    /// Events the scope may see, oldest first. An org-scoped caller sees its own org's events only.
    public func list(in scope: Scope, filter: Filter, page: PageRequest) async throws -> Page<AuditRecord> {
        try await database.read { db in
            var query = KeysetQuery("SELECT * FROM audit_event", key: .integer("seq"))
            if scope.reach == .org { query.filter(" AND org_id = ?", [scope.orgID.rawValue]) }
            if let action = filter.action { query.filter(" AND action = ?", [action.rawValue]) }
            if let actor = filter.actor { query.filter(" AND actor = ?", [actor]) }
            if let since = filter.since { query.filter(" AND at >= ?", [since.millisecondsSinceEpoch]) }
            if let until = filter.until { query.filter(" AND at < ?", [until.millisecondsSinceEpoch]) }
            return try query.page(page, db, cursor: { String($0.sequence) }, Self.record(from:))
        }
    }

    /// The outcome of checking the whole chain and its checkpoints.
    public struct Verification: Sendable, Hashable {
        public let checked: Int64
        /// The last row that verified.
        public let lastSequence: Int64
        public let firstBreak: AuditChain.Break?
        /// Checkpoints found authentic and in agreement with the chain (all of them when
        /// `checkpointFinding` is nil); nil when this log has no checkpoint key.
        public var checkpointsChecked: Int?
        /// The newest checkpoint that agreed: what an operator compares with the journal.
        public var lastCheckpoint: AuditCheckpoint?
        /// The first checkpoint the chain contradicts, or a forged or missing checkpoint.
        public var checkpointFinding: AuditCheckpoints.Finding?
        /// Rows 1 to this were removed by retention (0: none); verification starts after them.
        public var removedThrough: Int64 = 0

        public var isIntact: Bool { firstBreak == nil && checkpointFinding == nil }
    }

    /// Recomputes every row's hash and link, oldest first, in chunks, then checks every
    /// checkpoint against the chain as stored. Installation-wide: the chain is one for the
    /// whole box.
    public func verify(chunk: Int = 2000) async throws -> Verification {
        // Where the chain starts: row 1, or just after the rows retention removed, where a keyed
        // checkpoint and a retention record must vouch for the cut.
        let (first, cuts, stored) = try await database.read { db in
            let first = try Row.fetchOne(db, sql: "SELECT seq, prev_hash FROM audit_event ORDER BY seq LIMIT 1")
                .map { (sequence: $0["seq"] as Int64, previousHash: $0["prev_hash"] as String) }
            let cuts = Set(try String.fetchAll(db, sql: "SELECT details FROM audit_event WHERE action = ?",
                                               arguments: [AuditAction.retentionRemoved.rawValue])
                .compactMap { Self.decode($0)["audit_through"].flatMap(Int64.init) })
            let stored = try Row.fetchAll(db, sql: "SELECT * FROM audit_checkpoint ORDER BY id").map(AuditCheckpointRows.checkpoint(from:))
            return (first, cuts, stored)
        }
        var start: (sequence: Int64, hash: String)?
        var startFinding: AuditCheckpoints.Finding?
        if let first, first.sequence > 1 {
            if let checkpoints, let anchor = AuditRetention.startIsAnchored(oldestKept: first.sequence, firstPreviousHash: first.previousHash,
                                                                             checkpoints: stored, recordedCuts: cuts, mac: checkpoints.mac) {
                start = (anchor.sequence, anchor.headHash)
            } else {
                startFinding = .startRemoved(through: first.sequence - 1)
                start = (first.sequence - 1, first.previousHash)  // the rest is still checked
            }
        }
        var result = try await verifyChain(chunk: chunk, after: start)
        result.removedThrough = start?.sequence ?? 0
        result.checkpointFinding = startFinding
        guard let checkpoints, startFinding == nil else { return result }
        let (chainLength, hashes) = try await database.read { db in
            let chainLength = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_event") ?? 0
            var hashes: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT seq, hash FROM audit_event WHERE seq IN (SELECT seq FROM audit_checkpoint)
                """) {
                hashes[row["seq"]] = row["hash"]
            }
            return (chainLength, hashes)
        }
        let finding = AuditCheckpoints.check(stored, chainLength: chainLength, removedThrough: result.removedThrough,
                                             storedHash: { hashes[$0] }, mac: checkpoints.mac)
        let agreed = finding.map { found in stored.prefix { $0.number < found.checkpointNumber }.count } ?? stored.count
        result.checkpointsChecked = agreed
        result.lastCheckpoint = agreed > 0 ? stored[agreed - 1] : nil
        result.checkpointFinding = finding
        return result
    }

    private func verifyChain(chunk: Int, after start: (sequence: Int64, hash: String)?) async throws -> Verification {
        var previous = start
        var checked: Int64 = 0
        while true {
            let after = previous?.sequence ?? 0
            let records = try await database.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM audit_event WHERE seq > ? ORDER BY seq LIMIT ?",
                                 arguments: [after, chunk]).map(Self.record(from:))
            }
            if records.isEmpty { break }
            if let broken = AuditChain.verify(records, after: previous, digest: digest) {
                let good = records.prefix { $0.sequence < broken.sequence }.count
                return Verification(checked: checked + Int64(good), lastSequence: after + Int64(good),
                                    firstBreak: broken)
            }
            checked += Int64(records.count)
            if let last = records.last { previous = (last.sequence, last.hash) }
        }
        return Verification(checked: checked, lastSequence: previous?.sequence ?? 0, firstBreak: nil)
    }

    // MARK: - Rows

    /// Sorted keys, as `decode` reads back (Core's canonical JSON: Foundation's JSONSerialization
    /// took a third of an execution's audit append in engine-bench).
    static func encode(_ details: [String: String]) -> String {
        JSONValue.object(details.mapValues { .string($0) }).canonicalText
    }

    static func decode(_ text: String) -> [String: String] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: String] ?? [:]
    }

    static func record(from row: Row) throws -> AuditRecord {
        // An unknown action in the table can only come from tampering or a newer agentd; it is
        // kept as a content change so verification names the row.
        let action = AuditAction(rawValue: row["action"]) ?? .permissionDenied
        let outcome = AuditOutcome(rawValue: row["outcome"]) ?? .denied
        let entry = AuditEntry(at: Instant(millisecondsSinceEpoch: row["at"]), orgID: row["org_id"], actor: row["actor"],
                               action: action, outcome: outcome, targetType: row["target_type"],
                               targetID: row["target_id"], requestID: row["request_id"],
                               details: decode(row["details"]))
        let sealed = (row["sealed"] as String?).map(decode) ?? [:]
        return AuditRecord(sequence: row["seq"], entry: entry, previousHash: row["prev_hash"], hash: row["hash"],
                           form: row["form"] ?? 1, salt: row["salt"], sealed: sealed)
    }
}
