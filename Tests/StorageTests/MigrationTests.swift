import Core
import Foundation
import GRDB
import Testing
@testable import Storage

@Suite struct MigrationTests {
    @Test func anEmptyFileGetsTheWholeSchemaAndSafePragmas() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        #expect(database.schemaVersion == Schema.latestVersion)
        #expect(database.appliedMigrations == Schema.migrations.map(\.version))
        #expect(try await database.writerPragma("synchronous") == "2")  // FULL
        #expect(try await database.writerPragma("foreign_keys") == "1")
        #expect(try await database.writerPragma("journal_mode") == "wal")
        #expect(try await database.writerPragma("busy_timeout") == "5000")
        #expect(try await database.writerPragma("application_id") == String(Schema.applicationID))
        let tables = try await database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        let expected: Set = ["installation", "org", "schema_migration", "audit_event", "user_account", "membership",
                             "api_key", "password", "password_history", "session"]
        #expect(expected.isSubset(of: Set(tables)), "\(tables)")
        // FTS5's virtual tables and their shadow tables cannot be STRICT; every other one is.
        let (strict, ordinary) = try await database.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM pragma_table_list WHERE strict = 1 AND schema = 'main'"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM pragma_table_list WHERE type = 'table' AND schema = 'main' AND name NOT LIKE 'sqlite_%'"))
        }
        #expect(strict == ordinary, "every table is STRICT")
        #expect(ordinary ?? 0 > 60)
        await database.writer.stop()
    }

    @Test func synchronousNormalWhenConfigured() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory, synchronous: .normal)
        #expect(try await database.writerPragma("synchronous") == "1")
        await database.writer.stop()
    }

    @Test func anOlderDatabaseIsUpgradedAndKeepsItsRows() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("agentd.db")
        let old = try DatabaseQueue(path: path)
        try Migrator(migrations: Array(Schema.migrations.prefix(1))).migrate(old, now: testNow)
        #expect(try await old.read { try Migrator.version(of: $0) } == 1)
        try old.close()

        let database = try openDatabase(in: directory)
        #expect(database.appliedMigrations == Array(Schema.migrations.dropFirst().map(\.version)))
        #expect(database.schemaVersion == Schema.latestVersion)
        let created = try await database.read { db in try Int64.fetchOne(db, sql: "SELECT created_at FROM installation") }
        #expect(created == testNow.millisecondsSinceEpoch)
        let recorded = try await database.read { db in try Int.fetchAll(db, sql: "SELECT version FROM schema_migration ORDER BY version") }
        #expect(recorded == Schema.migrations.map(\.version))
        await database.writer.stop()
    }

    @Test func aNewerDatabaseIsRefusedNamingBothVersions() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        await database.writer.stop()
        try database.close()
        let raw = try DatabaseQueue(path: directory.file("agentd.db"))
        try await raw.writeWithoutTransaction { try $0.execute(sql: "PRAGMA user_version = 99") }
        try raw.close()

        #expect(throws: StorageError.schemaTooNew(database: 99, binary: Schema.latestVersion)) {
            _ = try openDatabase(in: directory)
        }
    }

    @Test func anotherProgramsDatabaseIsRefusedUntouched() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("agentd.db")
        let other = try DatabaseQueue(path: path)
        try other.write { try $0.execute(sql: "CREATE TABLE invoices (id INTEGER PRIMARY KEY)") }
        try other.close()

        #expect(throws: StorageError.notAgentdDatabase(path: path, applicationID: 0)) {
            _ = try openDatabase(in: directory)
        }
        let check = try DatabaseQueue(path: path)
        #expect(try check.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master") } == ["invoices"])
    }

    @Test func aFailingMigrationLeavesTheFileAsItWas() throws {
        let directory = try TemporaryDirectory()
        let queue = try DatabaseQueue(path: directory.file("agentd.db"))
        let broken = Migrator(migrations: Schema.migrations + [Migration(version: 99, name: "broken", sql: "CREATE TABLE x (;")])
        #expect(throws: DatabaseError.self) { try broken.migrate(queue, now: testNow) }
        #expect(try queue.read { try Migrator.version(of: $0) } == 0)
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") } == 0)
    }
}
