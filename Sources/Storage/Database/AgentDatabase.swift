import Core
import Foundation
import GRDB
import Metrics

/// agentd's one database file: a WAL-mode pool whose writes all go through one `Writer`.
///
/// Opening it applies pending migrations (all in one transaction) and refuses a file from a
/// newer agentd. Reads go straight to the pool's read connections (`read`); writes go through
/// `writer.submit`. Repositories take an `AgentDatabase` and never the pool itself.
public final class AgentDatabase: Sendable {
    public let options: DatabaseOptions
    public let writer: Writer
    /// The schema version after migration.
    public let schemaVersion: Int
    /// The migrations this start applied (empty when the file was up to date).
    public let appliedMigrations: [Int]
    /// Models and budget presence per org, for llm steps (see `LLMSettingsCache`).
    public let llmSettings = LLMSettingsCache()
    /// Running llm steps' budget reservations (see `BudgetGate`).
    public let budgetGate = BudgetGate()
    /// Environment settings per org, for the run path (see `EnvironmentCache`).
    public let environments = EnvironmentCache()
    let pool: DatabasePool

    /// Opens (creating if needed) and migrates the database. The writer is not started yet:
    /// call `writer.start()`, or run the `WriterService`.
    public init(options: DatabaseOptions, writerOptions: Writer.Options = .init(),
                migrator: Migrator = Migrator(), metrics: (any MetricsFactory)? = nil, now: Instant) throws {
        self.options = options
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(TimeInterval(options.busyTimeoutMilliseconds) / 1000)
        configuration.maximumReaderCount = options.maximumReaders
        configuration.label = "agentd"
        let synchronous = options.synchronous.rawValue
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // A new file gives the pages retention frees back to the file system, a few at a
            // time (`PRAGMA incremental_vacuum`). The mode is taken only by a file without
            // tables, and only before it is switched to WAL, which GRDB does after this;
            // an older file is converted by `convertToIncrementalVacuum`.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL") }
        }
        let directory = URL(fileURLWithPath: options.path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        let pool = try DatabasePool(path: options.path, configuration: configuration)
        // why: GRDB's WAL set-up sets synchronous=NORMAL on the writer connection after
        // prepareDatabase runs; assert the configured level again (../shared/PLATFORM.md).
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        }
        self.pool = pool
        self.appliedMigrations = try migrator.migrate(pool, now: now)
        self.schemaVersion = try pool.read { db in try Migrator.version(of: db) }
        self.writer = Writer(database: pool, options: writerOptions, metrics: metrics)
    }

    /// What `convertToIncrementalVacuum` did.
    public enum VacuumConversion: Sendable, Equatable {
        case already
        case converted(milliseconds: Int64)
        /// Not now, and why (the file stays as it is; retention frees pages inside it).
        case skipped(String)
    }

    /// Makes a file created before retention existed vacuum incrementally: the mode is set and
    /// the file rewritten once (`VACUUM`). Run before the writer starts. Skipped when the file
    /// is larger than `largestBytes` (the start would wait for the rewrite) or the disk holds
    /// less than twice its size free (the rewrite needs a copy).
    public func convertToIncrementalVacuum(largestBytes: Int64) throws -> VacuumConversion {
        if try pool.read({ db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") }) == 2 { return .already }
        let size = sizeOnDisk()
        let directory = URL(fileURLWithPath: options.path).deletingLastPathComponent().path
        let free = (try? FileManager.default.attributesOfFileSystem(forPath: directory)[.systemFreeSize] as? NSNumber)?.int64Value ?? 0
        guard size <= largestBytes else {
            return .skipped("the file is \(size >> 20) MiB, more than the \(largestBytes >> 20) MiB rewritten at start ([retention] convert_max_mb)")
        }
        guard free >= 2 * size else { return .skipped("rewriting it needs \(2 * size >> 20) MiB free on its disk; \(free >> 20) MiB are") }
        let began = ContinuousClock.now
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "VACUUM")
        }
        return .converted(milliseconds: (ContinuousClock.now - began).inMilliseconds)
    }

    /// Runs a read on one of the pool's read connections. Never blocks, nor is blocked by, the writer.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    /// A read outside any transaction (what `VACUUM INTO` needs).
    func readWithoutTransaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.unsafeRead(body)
    }

    /// Copies the write-ahead log into the main file (`PRAGMA wal_checkpoint(PASSIVE)`, which
    /// waits for no reader): after an incremental vacuum, this is when the main file shrinks.
    public func checkpoint() async throws {
        try await pool.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") }
    }

    /// Copies the write-ahead log into the file and empties it (`wal_checkpoint(TRUNCATE)`), so
    /// that old page images (an erased person's values) no longer sit in the log. A reader can
    /// hold it back for a moment: tried up to ten times; false if it never completed.
    public func truncateLog() async throws -> Bool {
        for _ in 0..<10 {
            let busy = try await pool.writeWithoutTransaction { db in
                try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") ?? 1
            }
            if busy == 0 { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// A trivial read: the database answers (the watchdog's liveness test).
    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// The bytes the database uses on disk: the main file plus its write-ahead log.
    public func sizeOnDisk() -> Int64 {
        let files = [options.path, options.path + "-wal"]
        return files.reduce(0) { total, path in
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
            return total + (size ?? 0)
        }
    }

    /// A pragma's current value on the writer connection (for status and tests).
    public func writerPragma(_ name: String) async throws -> String? {
        try await writer.submit { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    /// Folds the write-ahead log into the main file and closes every connection. Call after
    /// the writer has stopped; the `AgentDatabase` must not be used afterwards.
    public func close() throws {
        try pool.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
        try pool.close()
    }
}
