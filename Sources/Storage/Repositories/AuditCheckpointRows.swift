import Core
import GRDB

/// How the audit log writes checkpoints (`AuditCheckpoints`): how often, under which MAC, and
/// whom to tell once one has committed.
public struct CheckpointPolicy: Sendable {
    /// A checkpoint every `interval` events.
    public let interval: Int
    /// HMAC under a key kept outside the database (`Security.CheckpointKey`).
    public let mac: AuditCheckpoints.MAC
    /// Called after the checkpoint's transaction has committed (agentd logs the chain head to
    /// the journal, a record outside the database). Runs on the writer thread: keep it short.
    public let announce: @Sendable (AuditCheckpoint) -> Void

    public init(interval: Int, mac: @escaping AuditCheckpoints.MAC,
                announce: @escaping @Sendable (AuditCheckpoint) -> Void = { _ in }) {
        self.interval = interval
        self.mac = mac
        self.announce = announce
    }
}

/// The `audit_checkpoint` table. Rows are only ever inserted.
enum AuditCheckpointRows {
    /// The newest checkpoint's number and the chain length it covered.
    static func last(in db: Database) throws -> (number: Int64, sequence: Int64)? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, seq FROM audit_checkpoint ORDER BY id DESC LIMIT 1"))
        else { return nil }
        return (row["id"], row["seq"])
    }

    /// Inserts the next checkpoint and arranges for it to be announced once committed.
    @discardableResult
    static func write(after previous: Int64?, sequence: Int64, headHash: String, at: Instant,
                      policy: CheckpointPolicy, in db: Database) throws -> AuditCheckpoint {
        let checkpoint = AuditCheckpoints.seal(after: previous, sequence: sequence, headHash: headHash, at: at, mac: policy.mac)
        try db.cachedStatement(sql: "INSERT INTO audit_checkpoint (id, seq, head_hash, at, mac) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [checkpoint.number, checkpoint.sequence, checkpoint.headHash,
                                 checkpoint.at.millisecondsSinceEpoch, checkpoint.mac])
        let announce = policy.announce
        // After commit, and only if this very row survived: the unit's savepoint may have been
        // rolled back inside a batch that committed (then another unit may hold the number).
        // A read that fails here (the database closing) skips the announcement rather than
        // announce a checkpoint that may not exist; the next checkpoint covers this one's events.
        db.afterNextTransaction { db in
            do {
                let kept = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM audit_checkpoint WHERE id = ? AND mac = ?)",
                                             arguments: [checkpoint.number, checkpoint.mac]) ?? false
                if kept { announce(checkpoint) }
            } catch {
                return
            }
        }
        return checkpoint
    }

    static func checkpoint(from row: Row) -> AuditCheckpoint {
        AuditCheckpoint(number: row["id"], sequence: row["seq"], headHash: row["head_hash"],
                        at: Instant(millisecondsSinceEpoch: row["at"]), mac: row["mac"])
    }
}
