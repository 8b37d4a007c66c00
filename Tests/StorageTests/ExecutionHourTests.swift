import AgentSecurity
import Core
import Foundation
import GRDB
import Testing
@testable import Storage

/// `execution_hour` (what the console's dashboard reads instead of the executions): every
/// execution that ends is counted once, in its hour, outcome, team and duration bucket, and
/// the day read back honours team visibility.
@Suite struct ExecutionHourTests {
    static let created: Int64 = 1_800_000_000_000
    static let workflow: String = {
        var random = SystemRandomNumberGenerator()
        return WorkflowID.generate(at: Instant(millisecondsSinceEpoch: created), using: &random).rawValue
    }()

    static func insert(_ db: Database, _ id: String, org: OrgID, team: TeamID?) throws {
        try db.execute(sql: """
            INSERT INTO execution (id, org_id, team_id, workflow_id, workflow_name, workflow_version, environment, status, input,
                                   trigger, steps_total, created_by, created_at)
            VALUES (?, ?, ?, ?, 'x', 1, 'dev', 'running', '{}', 'api', 1, 'test', ?)
            """, arguments: [id, org.rawValue, team?.rawValue, workflow, created])
    }

    static func end(_ db: Database, _ id: String, _ status: String, after milliseconds: Int64) throws {
        try db.execute(sql: "UPDATE execution SET status = ?, finished_at = ? WHERE id = ?", arguments: [status, created + milliseconds, id])
    }

    @Test func endingCountsOnceAndTheDayHonoursTeams() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        defer { try? database.close() }
        var random = SystemRandomNumberGenerator()
        let now = Instant(millisecondsSinceEpoch: Self.created)
        let org = OrgID.generate(at: now, using: &random), other = OrgID.generate(at: now, using: &random)
        let red = TeamID.generate(at: now, using: &random), blue = TeamID.generate(at: now, using: &random)
        // Records are read back with their IDs parsed: real ones.
        let ids = (0..<103).map { _ in ExecutionID.generate(at: now, using: &random).rawValue }
        try await database.pool.writeWithoutTransaction { db in
            // why: the rows reference no real org or workflow; the counters do not care.
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            try db.inTransaction {
                for index in 0..<100 {
                    let team = index % 10 == 0 ? red : index % 10 == 1 ? blue : nil
                    try Self.insert(db, ids[index], org: org, team: team)
                    // 50 of 10 ms, 45 of 1 s, 5 failures of about a minute.
                    let (status, took): (String, Int64) = index < 50 ? ("succeeded", 10) : index < 95 ? ("succeeded", 1000) : ("failed", 60_000 + Int64(index))
                    try Self.end(db, ids[index], status, after: took)
                }
                // Ending twice (a late second end) and a non-ending change count nothing more.
                try db.execute(sql: "UPDATE execution SET status = 'cancelled' WHERE id = ?", arguments: [ids[0]])
                try Self.insert(db, ids[100], org: other, team: nil)
                try Self.end(db, ids[100], "failed", after: 5)
                try Self.insert(db, ids[101], org: org, team: nil)
                return .commit
            }
        }
        let hour = Self.created / Milliseconds.hour * Milliseconds.hour
        let store = ExecutionStore(database: database, audit: AuditLog(database: database, digest: ChainDigest.sha256), instance: "test")
        let later = Instant(millisecondsSinceEpoch: Self.created + 2 * Milliseconds.minute)
        let admin = Scope(orgID: org, reach: .org, roles: [.admin])
        let day = try await store.day(in: admin, now: later)
        #expect(day.hours.keys.sorted() == [hour])
        #expect(day.hours[hour] == [ExecutionStatus.succeeded: 95, .failed: 5])
        #expect(day.p50 == 10)
        #expect(day.p95 == 1000)
        // A member of red sees rows of no team and of red only: 80 + 10.
        let member = Scope(orgID: org, reach: .org, roles: [.developer], teams: [red])
        #expect(try await store.day(in: member, now: later).hours[hour]?.values.reduce(0, +) == 90)
        #expect(try await store.day(in: Scope(orgID: other, reach: .org, roles: [.admin]), now: later).hours[hour] == [ExecutionStatus.failed: 1])
        // A day later, that hour has left the window.
        #expect(try await store.day(in: admin, now: later.adding(milliseconds: Milliseconds.day)).hours.isEmpty)

        let failures = try await store.recentFailures(in: admin, since: now, limit: 3)
        #expect(failures.map(\.id.rawValue) == [ids[99], ids[98], ids[97]])
        #expect(try await store.recentFailures(in: admin, since: later, limit: 3).isEmpty)
    }

    @Test func theMigrationsSQLBucketsAsCoreDoes() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        defer { try? database.close() }
        var drawn: [Int64] = [-5, 0, 1, 2, 3, 10, 11, 14, 15, 16, 999, 1000, 1001, 70_000_000, 700_000_000, 700_000_001, Int64.max / 2]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 { drawn.append(Int64.random(in: 0...1_000_000_000, using: &random)) }
        let samples = drawn
        let sql = "SELECT " + DurationBuckets.sql("max(0, ?1)")
        let fromSQL = try await database.read { db in try samples.map { try Int.fetchOne(db, sql: sql, arguments: [$0]) ?? -1 } }
        #expect(fromSQL == samples.map { DurationBuckets.bucket(milliseconds: max(0, $0)) })
    }
}
