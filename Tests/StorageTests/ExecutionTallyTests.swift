import Core
import Foundation
import GRDB
import Testing
@testable import Storage

/// `execution_tally` (what `/metrics` reads instead of counting history) follows every insert,
/// status change, rolled-back savepoint and delete of executions, exactly.
@Suite struct ExecutionTallyTests {
    static func insert(_ db: Database, _ id: String, org: String, status: String) throws {
        try db.execute(sql: """
            INSERT INTO execution (id, org_id, workflow_id, workflow_name, workflow_version, environment, status, input,
                                   trigger, steps_total, created_by, created_at)
            VALUES (?, ?, 'wf_x', 'x', 1, 'production', ?, '{}', 'api', 1, 'test', 0)
            """, arguments: [id, org, status])
    }

    static func tally(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT org_id, status, n FROM execution_tally WHERE n <> 0") {
            out["\(row["org_id"] as String)/\(row["status"] as String)"] = row["n"]
        }
        return out
    }

    static func counted(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT org_id, status, count(*) AS n FROM execution GROUP BY org_id, status") {
            out["\(row["org_id"] as String)/\(row["status"] as String)"] = row["n"]
        }
        return out
    }

    @Test func theTallyFollowsEveryChangeAndIgnoresRolledBackOnes() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        defer { try? database.close() }
        let (tally, counted) = try await database.pool.writeWithoutTransaction { db in
            // why: the rows reference no real org or workflow; the tally does not care.
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            try db.inTransaction {
                for (id, org) in [("ex_1", "org_a"), ("ex_2", "org_a"), ("ex_3", "org_b"), ("ex_4", "org_b")] {
                    try Self.insert(db, id, org: org, status: "queued")
                }
                try db.execute(sql: "UPDATE execution SET status = 'running' WHERE id IN ('ex_1', 'ex_3')")
                try db.execute(sql: "UPDATE execution SET status = 'succeeded' WHERE id = 'ex_1'")
                // Same status again: no change to count.
                try db.execute(sql: "UPDATE execution SET status = 'running' WHERE id = 'ex_3'")
                // A unit that fails rolls its savepoint back, tallies included.
                try db.execute(sql: "SAVEPOINT unit")
                try db.execute(sql: "UPDATE execution SET status = 'failed' WHERE id = 'ex_2'")
                try Self.insert(db, "ex_5", org: "org_a", status: "queued")
                try db.execute(sql: "ROLLBACK TO SAVEPOINT unit")
                try db.execute(sql: "RELEASE SAVEPOINT unit")
                try db.execute(sql: "DELETE FROM execution WHERE id = 'ex_4'")
                return .commit
            }
            return (try Self.tally(db), try Self.counted(db))
        }
        #expect(tally == ["org_a/succeeded": 1, "org_a/queued": 1, "org_b/running": 1], "\(tally)")
        #expect(tally == counted)
    }

    @Test func theMetricsReadNoExecutionRows() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        defer { try? database.close() }
        let plan = try await database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + ExecutionStore.gaugesSQL).map { $0["detail"] as String }
        }
        #expect(plan.count == 1 && plan[0].contains("execution_tally") && !plan[0].contains("execution "), "\(plan)")
    }
}
