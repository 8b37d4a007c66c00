import Foundation
import GRDB
import Testing
@testable import Storage

/// The map of personal data (`PersonalData`) against the migrated schema: a table, or a column
/// that names a person, added without a decision fails here, so GDPR export and erasure cannot
/// silently miss it.
@Suite struct PersonalDataTests {
    static func schema() throws -> [String: Set<String>] {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory, start: false)
        return try database.pool.read { db in
            var tables: [String: Set<String>] = [:]
            for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
                tables[name] = Set(try db.columns(in: name).map(\.name))
            }
            return tables
        }
    }

    @Test func everyTableIsMappedAndEveryMappedColumnExists() throws {
        let schema = try Self.schema()
        let unmapped = schema.keys.filter { PersonalData.tables[$0] == nil }.sorted()
        #expect(unmapped.isEmpty, "tables without a PersonalData entry (say what they hold about people, or .none): \(unmapped)")
        let gone = PersonalData.tables.keys.filter { schema[$0] == nil }.sorted()
        #expect(gone.isEmpty, "PersonalData lists tables the schema no longer has: \(gone)")
        for (table, entry) in PersonalData.tables {
            let missing = (entry.names + entry.mentions).filter { !(schema[table]?.contains($0) ?? false) }
            #expect(missing.isEmpty, "\(table): PersonalData names columns it does not have: \(missing)")
        }
    }

    @Test func everyColumnThatNamesAPersonIsListed() throws {
        for (table, columns) in try Self.schema() {
            let unlisted = columns.filter(PersonalData.looksLikeAPerson).filter { !(PersonalData.tables[table]?.names.contains($0) ?? false) }
            #expect(unlisted.isEmpty, "\(table): columns that name a person but are not in PersonalData.tables[\"\(table)\"].names: \(unlisted.sorted())")
        }
    }

    @Test func theCheckCatchesAnUnlistedPersonColumn() {
        #expect(PersonalData.looksLikeAPerson("approved_by") && PersonalData.looksLikeAPerson("user_id"))
        #expect(!PersonalData.looksLikeAPerson("workflow_id") && !PersonalData.looksLikeAPerson("bytes"))
    }
}
