import Core
import Foundation
import GRDB

/// What a backup file holds, checked: it opens as agentd's database, SQLite finds it intact,
/// and its audit chain verifies from the first row to the last.
public struct BackupCheck: Sendable {
    public let schemaVersion: Int
    public let integrity: String
    public let auditEntries: Int64
    public let auditBreak: Int64?
    public let executions: Int
    public let orgs: Int

    public var isGood: Bool { integrity == "ok" && auditBreak == nil }
}

public enum BackupError: Error, CustomStringConvertible, Sendable {
    case outsideDirectory(String, directory: String)
    case exists(String)
    case notADatabase(String)
    case tooNew(Int, binary: Int)
    case damaged(String)

    public var description: String {
        switch self {
        case .outsideDirectory(let path, let directory): "\(path) is not in the backup directory \(directory) ([backup] directory)"
        case .exists(let path): "\(path) exists already; name a new file"
        case .notADatabase(let path): "\(path) is not an agentd database"
        case .tooNew(let version, let binary): "the backup has schema version \(version); this agentd knows up to \(binary): restore it with a newer agentd"
        case .damaged(let reason): "the backup is damaged: \(reason)"
        }
    }
}

extension AgentDatabase {
    /// Writes a consistent snapshot of the database to `path` while writes go on (`VACUUM INTO`
    /// on a read connection: the copy is the database as of one moment), then syncs it and
    /// moves it into place, so that `path` never names a half-written file.
    public func backup(to path: String) async throws {
        // A hidden name of its own (two backups never share one), and `link` to publish it:
        // unlike `rename`, it fails rather than replace a file that appeared meanwhile.
        let url = URL(fileURLWithPath: path)
        let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial").path
        defer { unlink(partial) }
        try await readWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [partial]) }
        let descriptor = open(partial, O_RDONLY)
        if descriptor >= 0 {
            Glibc.fsync(descriptor)
            Glibc.close(descriptor)
        }
        guard link(partial, path) == 0 else {
            if errno == EEXIST { throw BackupError.exists(path) }
            throw BackupError.damaged("cannot put the backup in place at \(path): \(String(cString: strerror(errno)))")
        }
    }
}

public enum Backups {
    /// Opens `path` read-only and checks it (see `BackupCheck`). Never writes to it.
    public static func check(path: String, digest: @escaping AuditChain.Digest) throws -> BackupCheck {
        var configuration = Configuration()
        configuration.readonly = true
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(path: path, configuration: configuration) } catch { throw BackupError.notADatabase(path) }
        return try queue.read { db in
            guard (try? Int32.fetchOne(db, sql: "PRAGMA application_id")) == Schema.applicationID else { throw BackupError.notADatabase(path) }
            let version = try Migrator.version(of: db)
            guard version <= Schema.latestVersion else { throw BackupError.tooNew(version, binary: Schema.latestVersion) }
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            var checked: Int64 = 0
            // After retention removed the oldest events, the chain starts at the first kept row
            // (whether a checkpoint vouches for that cut is `agentctl audit verify`'s question).
            var previous = try Row.fetchOne(db, sql: "SELECT seq, prev_hash FROM audit_event ORDER BY seq LIMIT 1")
                .flatMap { row -> (sequence: Int64, hash: String)? in
                    let first: Int64 = row["seq"]
                    return first > 1 ? (first - 1, row["prev_hash"]) : nil
                }
            var broken: Int64?
            while broken == nil {
                let records = try Row.fetchAll(db, sql: "SELECT * FROM audit_event WHERE seq > ? ORDER BY seq LIMIT 2000",
                                               arguments: [previous?.sequence ?? 0]).map(AuditLog.record(from:))
                guard let last = records.last else { break }
                if let breakAt = AuditChain.verify(records, after: previous, digest: digest) {
                    broken = breakAt.sequence
                } else {
                    checked += Int64(records.count)
                    previous = (last.sequence, last.hash)
                }
            }
            return BackupCheck(schemaVersion: version, integrity: integrity, auditEntries: checked, auditBreak: broken,
                               executions: try Int.fetchOne(db, sql: "SELECT count(*) FROM execution") ?? 0,
                               orgs: try Int.fetchOne(db, sql: "SELECT count(*) FROM org") ?? 0)
        }
    }

    /// The file a backup request names, inside `directory`: a plain name is put there; a path
    /// must already be there (after resolving `..` and symbolic links of its folder).
    public static func target(_ requested: String, directory: String) throws -> String {
        let base = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        let candidate = requested.contains("/") ? requested : base + "/" + requested
        let folder = URL(fileURLWithPath: candidate).deletingLastPathComponent().resolvingSymlinksInPath().path
        let name = URL(fileURLWithPath: candidate).lastPathComponent
        guard folder == base, !name.isEmpty, name != ".", name != "..", !name.hasPrefix(".") else {
            throw BackupError.outsideDirectory(requested, directory: base)
        }
        let path = folder + "/" + name
        guard !FileManager.default.fileExists(atPath: path) else { throw BackupError.exists(path) }
        return path
    }
}
