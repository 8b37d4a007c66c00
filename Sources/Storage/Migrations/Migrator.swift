import Core
import GRDB

/// Brings a database up to `Schema.latestVersion`.
///
/// All pending migrations run in one `IMMEDIATE` transaction: a start either upgrades fully or
/// leaves the file as it was. The version lives in `PRAGMA user_version` (read without touching
/// any table) and each applied step is recorded in `schema_migration`.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration] = Schema.migrations) {
        self.migrations = migrations
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The schema version of an open database (0 for a new, empty file).
    public static func version(of db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
    }

    /// Applies what is pending and returns the versions it applied.
    /// Throws `StorageError.schemaTooNew` for a database from a newer agentd, and
    /// `StorageError.notAgentdDatabase` for another program's file.
    @discardableResult
    public func migrate(_ writer: any DatabaseWriter, now: Instant) throws -> [Int] {
        try writer.writeWithoutTransaction { db in
            var applied: [Int] = []
            try db.inTransaction(.immediate) {
                let current = try Self.version(of: db)
                let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                if appID != 0 && appID != Schema.applicationID {
                    throw StorageError.notAgentdDatabase(path: writer.path, applicationID: appID)
                }
                if current == 0 && appID == 0 {
                    let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                    if tables > 0 { throw StorageError.notAgentdDatabase(path: writer.path, applicationID: appID) }
                }
                if current > latestVersion {
                    throw StorageError.schemaTooNew(database: current, binary: latestVersion)
                }
                for migration in migrations where migration.version > current {
                    try db.execute(sql: migration.sql)
                    try db.execute(sql: "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)",
                                   arguments: [migration.version, migration.name, now.millisecondsSinceEpoch])
                    applied.append(migration.version)
                }
                if current == 0 {
                    try db.execute(sql: "INSERT INTO installation (singleton, created_at) VALUES (1, ?)",
                                   arguments: [now.millisecondsSinceEpoch])
                    try db.execute(sql: "PRAGMA application_id = \(Schema.applicationID)")
                }
                if let last = applied.last {
                    // PRAGMA cannot take bound parameters; `last` is an Int from our own table.
                    try db.execute(sql: "PRAGMA user_version = \(last)")
                }
                return .commit
            }
            return applied
        }
    }
}
