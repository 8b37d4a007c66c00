import Core
import Foundation
import GRDB
import Testing
@testable import Storage

/// Every search the grammar accepts is an FTS5 expression SQLite accepts, and finds what it
/// says: whatever a person types, the index never sees syntax it did not mean.
@Suite struct SearchExpressionTests {
    static func index() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE VIRTUAL TABLE doc USING fts5(body)")
            for body in ["invoice timeout on payment", "payment failed for invoice 42", "refund issued", "chargeback opened, retry later",
                         #"he said "hi" and left"#, "invoicing run", "support-triage timeout"] {
                try db.execute(sql: "INSERT INTO doc (body) VALUES (?)", arguments: [body])
            }
        }
        return queue
    }

    static func find(_ queue: DatabaseQueue, _ text: String) throws -> [String] {
        let query = try SearchQuery.parse(text, now: Instant(millisecondsSinceEpoch: 0))
        guard let expression = query.matchExpression else { return [] }
        return try queue.read { db in try String.fetchAll(db, sql: "SELECT body FROM doc WHERE doc MATCH ? ORDER BY rowid", arguments: [expression]) }
    }

    @Test func theGrammarMeansWhatItSays() throws {
        let queue = try Self.index()
        #expect(try Self.find(queue, "invoice timeout") == ["invoice timeout on payment"])
        #expect(try Self.find(queue, #""payment failed""#) == ["payment failed for invoice 42"])
        #expect(try Self.find(queue, "invoic*") == ["invoice timeout on payment", "payment failed for invoice 42", "invoicing run"])
        #expect(try Self.find(queue, "refund OR chargeback") == ["refund issued", "chargeback opened, retry later"])
        #expect(try Self.find(queue, "payment invoice -timeout") == ["payment failed for invoice 42"])
        #expect(try Self.find(queue, "timeout support-triage") == ["support-triage timeout"])
        #expect(try Self.find(queue, #""hi""#) == [#"he said "hi" and left"#])
    }

    @Test func anythingTypedIsAValidExpression() throws {
        let queue = try Self.index()
        let pieces = ["NEAR(", ")", "^", "*", "\"", "\"\"", "AND", "NOT", "OR", "-", "col:", ":", "{a}", "+", "a", "é", "''", "(", "-x", "y*", "\\"]
        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 1...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
                .joined(separator: Bool.random(using: &generator) ? " " : "")
            guard let query = try? SearchQuery.parse(text, now: Instant(millisecondsSinceEpoch: 0)), let expression = query.matchExpression else { continue }
            accepted += 1
            #expect(throws: Never.self, "\(text) → \(expression)") {
                try queue.read { db in _ = try Row.fetchAll(db, sql: "SELECT rowid FROM doc WHERE doc MATCH ?", arguments: [expression]) }
            }
        }
        #expect(accepted > 200)
    }
}
