import Core
import Foundation
import GRDB

/// The master keys the database's secrets depend on, by id and check value (never the keys).
public struct VaultKeyStore: Sendable {
    private let database: AgentDatabase

    public init(database: AgentDatabase) { self.database = database }

    /// Key id → check value for every key not yet retired.
    public func expected() async throws -> [String: String] {
        try await database.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, check_value FROM vault_key WHERE retired_at IS NULL")
                .map { ($0["id"] as String, $0["check_value"] as String) })
        }
    }

    /// Marks keys retired: nothing is sealed under them any more.
    public func retire(_ ids: [String], now: Instant) async throws {
        try await database.writer.submit { db in
            for id in ids {
                let used = try Int.fetchOne(db, sql: """
                    SELECT (SELECT count(*) FROM secret_version WHERE key_id = ?1) + (SELECT count(*) FROM change_secret WHERE key_id = ?1)
                    """, arguments: [id]) ?? 0
                guard used == 0 else { throw StorageError.protected(.secret, id: id, reason: "\(used) values are still sealed under \(id)") }
                try db.execute(sql: "UPDATE vault_key SET retired_at = ? WHERE id = ? AND retired_at IS NULL",
                               arguments: [now.millisecondsSinceEpoch, id])
            }
        }
    }

    /// The passphrase source's salt, made on first use.
    public func passphraseSalt(orMake make: @escaping @Sendable () -> [UInt8]) async throws -> [UInt8] {
        try await database.writer.submit { db in
            if let existing = try Data.fetchOne(db, sql: "SELECT vault_salt FROM installation WHERE vault_salt IS NOT NULL") {
                return Array(existing)
            }
            let salt = make()
            try db.execute(sql: "UPDATE installation SET vault_salt = ?", arguments: [Data(salt)])
            return salt
        }
    }

    /// Records keys on first use (an empty table: a new installation).
    public func register(_ keys: [(id: String, checkValue: String)], now: Instant) async throws {
        try await database.writer.submit { db in
            for key in keys {
                try db.execute(sql: "INSERT OR IGNORE INTO vault_key (id, check_value, created_at) VALUES (?, ?, ?)",
                               arguments: [key.id, key.checkValue, now.millisecondsSinceEpoch])
            }
        }
    }
}
