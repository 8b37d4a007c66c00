import Core
import GRDB
import Testing
@testable import Storage

/// The one keyset pagination: every row once, in order, however the pages are cut.
@Suite struct KeysetQueryTests {
    static let ids = ["k_a", "k_b", "k_c", "k_d", "k_e", "k_f", "k_g"]

    static func database(_ directory: TemporaryDirectory) async throws -> AgentDatabase {
        let database = try openDatabase(in: directory)
        try await database.writer.submit { db in
            try db.execute(sql: "CREATE TABLE probe_row (id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, odd INTEGER NOT NULL) STRICT")
            for (index, id) in Self.ids.enumerated() {
                try db.execute(sql: "INSERT INTO probe_row (id, n, odd) VALUES (?, ?, ?)", arguments: [id, index + 1, (index + 1) % 2])
            }
        }
        return database
    }

    /// Reads every page of `query` with `limit` rows a page.
    static func readAll(_ query: KeysetQuery, limit: Int, key: @escaping @Sendable (Row) -> String,
                        _ database: AgentDatabase) async throws -> (keys: [String], pages: Int) {
        var keys: [String] = []
        var after: String?
        var pages = 0
        repeat {
            let request = PageRequest(limit: limit, after: after)
            let page = try await database.read { db in try query.page(request, db, cursor: { $0 }, key) }
            #expect(page.items.count <= limit)
            keys += page.items
            after = page.nextAfter
            pages += 1
        } while after != nil && pages < 20
        return (keys, pages)
    }

    @Test(arguments: 1...8)
    func textKeysAscendEveryRowOnce(limit: Int) async throws {
        let directory = try TemporaryDirectory()
        let database = try await Self.database(directory)
        let all = try await Self.readAll(KeysetQuery("SELECT * FROM probe_row", key: .text("id")), limit: limit, key: { $0["id"] }, database)
        #expect(all.keys == Self.ids)
        // A full last page is followed by none: the extra row read tells.
        #expect(all.pages == (Self.ids.count + limit - 1) / limit)
        await database.writer.stop()
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func integerKeysDescendWithTheirFilters(limit: Int) async throws {
        let directory = try TemporaryDirectory()
        let database = try await Self.database(directory)
        var query = KeysetQuery("SELECT * FROM probe_row", key: .integer("n"), order: .descending)
        query.filter(" AND odd = ?", [1])
        let all = try await Self.readAll(query, limit: limit, key: { String($0["n"] as Int) }, database)
        #expect(all.keys == ["7", "5", "3", "1"])
        await database.writer.stop()
    }

    @Test func aCursorThatIsNoNumberIsRefusedForAnIntegerKey() throws {
        let query = KeysetQuery("SELECT * FROM probe_row", key: .integer("n"))
        #expect(throws: StorageError.invalidCursor) { try query.statement(PageRequest(limit: 5, after: "k_c")) }
        let (sql, arguments) = try query.statement(PageRequest(limit: 5, after: "3"))
        #expect(sql == "SELECT * FROM probe_row WHERE n > ? ORDER BY n ASC LIMIT ?")
        #expect(arguments.count == 2)
    }

    @Test func pagesOfMergedItemsCutTheSameWay() {
        let request = PageRequest(limit: 2)
        #expect(request.fetchLimit == 3)
        let full = request.page(of: ["x", "y", "z"], cursor: { "@" + $0 })
        #expect(full.items == ["x", "y"] && full.nextAfter == "@y")
        let last = request.page(of: ["x", "y"], cursor: { "@" + $0 })
        #expect(last.items == ["x", "y"] && last.nextAfter == nil)
    }
}
