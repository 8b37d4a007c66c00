import Core
import Foundation
import GRDB
import Testing
@testable import Storage

/// Statuses are written in one place (`StatusTransitions`), checked against Core's tables,
/// conditional on where the row is; the database's CHECKs refuse what is not a state.
@Suite struct StatusTransitionTests {
    /// Rows of every status table, with foreign keys off (no org or workflow is needed).
    static func seed(_ db: Database, execution: ExecutionStatus = .running, step: StepStatus = .ready) throws {
        try db.execute(sql: """
            INSERT INTO execution (id, org_id, workflow_id, workflow_name, workflow_version, environment, status, input,
                                   trigger, steps_total, created_by, created_at)
            VALUES ('ex_1', 'org_a', 'wf_x', 'x', 1, 'dev', ?, '{}', 'api', 1, 'test', 0)
            """, arguments: [execution.rawValue])
        try db.execute(sql: "INSERT INTO step_run (execution_id, node_id, status, attempt) VALUES ('ex_1', 'a', ?, 1)", arguments: [step.rawValue])
        try db.execute(sql: """
            INSERT INTO job (id, execution_id, node_id, attempt, org_id, status, ready_at, lease_token) VALUES (7, 'ex_1', 'a', 1, 'org_a', 'open', 0, 3)
            """)
    }

    /// Runs `body` in a transaction that is rolled back, on a fresh database.
    static func withRows<T: Sendable>(execution: ExecutionStatus = .running, step: StepStatus = .ready,
                            _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        defer { try? database.close() }
        return try await database.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            var result: T?
            try db.inTransaction {
                try seed(db, execution: execution, step: step)
                result = try body(db)
                return .rollback
            }
            return result!
        }
    }

    static func status(_ db: Database, _ table: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT status FROM \(table) LIMIT 1")
    }

    @Test func aMoveFromWhereTheRowIsWritesItAndSaysHowMany() async throws {
        let (result, status) = try await Self.withRows(step: .ready) { db in
            (try StatusTransitions.step("ex_1", node: "a", from: [.ready, .running], to: .succeeded, setting: [.set("finished_at", 5)], db),
             try Self.status(db, "step_run"))
        }
        #expect(result == .moved(1))
        #expect(status == "succeeded")
    }

    @Test func aLostRaceIsTypedAndChangesNothing() async throws {
        // The step already ended (another worker, a cancel): a stale completion finds it gone.
        let (result, status) = try await Self.withRows(step: .cancelled) { db in
            (try StatusTransitions.step("ex_1", node: "a", from: StepStatus.attempting, to: .succeeded, db), try Self.status(db, "step_run"))
        }
        #expect(result == .lost)
        #expect(status == "cancelled")
    }

    @Test func aStaleLeaseCannotCloseTheJob() async throws {
        let (stale, current, status) = try await Self.withRows { db in
            (try StatusTransitions.closeJob(7, token: 2, db), try StatusTransitions.closeJob(7, token: 3, db), try Self.status(db, "job"))
        }
        #expect(stale == .lost)
        #expect(current == .moved(1))
        #expect(status == "done")
    }

    @Test func aMoveTheTableRefusesIsNeverWritten() async throws {
        let (error, status) = try await Self.withRows(execution: .queued) { db in
            // A queued execution ran no step: it cannot succeed.
            let error = #expect(throws: IllegalTransition.self) {
                try StatusTransitions.execution("ex_1", from: [.queued, .running], to: .succeeded, db)
            }
            return (error, try Self.status(db, "execution"))
        }
        #expect(error == IllegalTransition(from: "queued", to: "succeeded"))
        #expect(status == "queued")
    }

    @Test(arguments: [
        ("UPDATE execution SET status = 'paused'", "execution_status"),
        ("UPDATE step_run SET status = 'done'", "step_run_status"),
        ("UPDATE job SET status = 'running'", "job_status"),
        ("INSERT INTO step_run (execution_id, node_id, status) VALUES ('ex_1', 'b', 'Ready')", "step_run_status"),
        ("INSERT INTO job (execution_id, node_id, attempt, org_id, status, ready_at) VALUES ('ex_1', 'b', 1, 'org_a', '', 0)", "job_status"),
    ])
    func theDatabaseRefusesAStatusOutsideTheTables(_ sql: String, _ constraint: String) async throws {
        let error = try await Self.withRows { db in
            do {
                try db.execute(sql: sql)
                return nil as DatabaseError?
            } catch let error as DatabaseError {
                return error
            }
        }
        #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
        #expect(error?.message?.contains(constraint) == true, "\(String(describing: error))")
    }

    /// An ended execution or step, or a closed job, never moves again: Core's tables have no
    /// move out of an ended state, so the helper refuses before writing.
    @Test(arguments: [ExecutionStatus.succeeded, .failed, .cancelled])
    func anEndedExecutionNeverMovesAgain(_ ended: ExecutionStatus) async throws {
        let status = try await Self.withRows(execution: ended) { db in
            for target in ExecutionStatus.allCases where target != ended {
                #expect(throws: IllegalTransition.self) { try StatusTransitions.execution("ex_1", from: [ended], to: target, db) }
            }
            return try Self.status(db, "execution")
        }
        #expect(status == ended.rawValue)
    }

    @Test(arguments: [StepStatus.succeeded, .failed, .skipped, .cancelled])
    func anEndedStepNeverMovesAgain(_ ended: StepStatus) async throws {
        let status = try await Self.withRows(step: ended) { db in
            for target in StepStatus.allCases where target != ended {
                #expect(throws: IllegalTransition.self) { try StatusTransitions.step("ex_1", node: "a", from: [ended], to: target, db) }
            }
            return try Self.status(db, "step_run")
        }
        #expect(status == ended.rawValue)
    }

    @Test func aClosedJobIsNeverReopened() async throws {
        #expect(!JobStatus.done.canMove(to: .open))
        let (again, status) = try await Self.withRows { db in
            _ = try StatusTransitions.closeJob(7, token: 3, db)
            return (try StatusTransitions.closeJob(7, token: 3, db), try Self.status(db, "job"))
        }
        #expect(again == .lost)
        #expect(status == "done")
    }

    /// Every SQL text in Sources that writes a status column: only `StatusTransitions.swift`
    /// (and the migrations, which define the tables) may. A `SET … status` or a quoted state in an
    /// `INSERT` anywhere else fails here, naming the file and the statement.
    @Test func noStatusIsWrittenOutsideTheTransitionHelper() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        let states = Set(ExecutionStatus.allCases.map(\.rawValue) + StepStatus.allCases.map(\.rawValue) + JobStatus.allCases.map(\.rawValue)
                         + ScheduleStatus.allCases.map(\.rawValue))
        var offenders: [String] = []
        var scanned = 0
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let file as URL in files where file.pathExtension == "swift" {
            let path = file.path
            guard !path.contains("/Migrations/"), !path.hasSuffix("/StatusTransitions.swift") else { continue }
            scanned += 1
            for statement in Self.sqlStrings(in: try String(contentsOf: file, encoding: .utf8)) {
                if let reason = Self.writesStatus(statement, states: states) {
                    offenders.append("\(file.lastPathComponent): \(reason): \(statement.prefix(160))")
                }
            }
        }
        #expect(scanned > 100, "the scan found the sources")
        #expect(offenders.isEmpty, "status written outside StatusTransitions:\n\(offenders.joined(separator: "\n"))")
    }

    @Test func theScanCatchesWhatItLooksFor() {
        let states: Set = ["open", "done", "running"]
        #expect(Self.writesStatus("UPDATE job SET status = 'done' WHERE id = ?", states: states) != nil)
        #expect(Self.writesStatus("UPDATE step_run SET output = ?, status = ? WHERE x = ?", states: states) != nil)
        #expect(Self.writesStatus("INSERT INTO job (a, status) VALUES (?, 'open')", states: states) != nil)
        #expect(Self.writesStatus("UPDATE job SET lease_expires_at = ? WHERE id = ? AND status = 'open'", states: states) == nil)
        #expect(Self.writesStatus("SELECT 1 FROM job WHERE status = 'open'", states: states) == nil)
        #expect(Self.sqlStrings(in: "let a = \"UPDATE x SET status = 'done'\"\nlet b = \"\"\"\n  UPDATE y\n  SET status = ?\n  \"\"\"").count == 2)
    }

    /// The string literals of a Swift file (single-line and multi-line) that look like SQL writes.
    static func sqlStrings(in source: String) -> [String] {
        var strings: [String] = []
        var rest = Substring(source)
        while let start = rest.firstIndex(of: "\"") {
            if rest[start...].hasPrefix("\"\"\"") {
                let body = rest[rest.index(start, offsetBy: 3)...]
                guard let end = body.range(of: "\"\"\"") else { break }
                strings.append(String(body[..<end.lowerBound]))
                rest = body[end.upperBound...]
            } else {
                let body = rest[rest.index(after: start)...]
                var index = body.startIndex
                var escaped = false
                while index < body.endIndex, escaped || body[index] != "\"", body[index] != "\n" {
                    escaped = !escaped && body[index] == "\\"
                    index = body.index(after: index)
                }
                strings.append(String(body[..<index]))
                rest = index < body.endIndex ? body[body.index(after: index)...] : body[index...]
            }
        }
        return strings.filter { $0.range(of: #"\b(UPDATE|INSERT)\b"#, options: .regularExpression) != nil }
    }

    /// Why `sql` writes a status, or nil when it does not.
    static func writesStatus(_ sql: String, states: Set<String>) -> String? {
        let flat = sql.replacingOccurrences(of: "\n", with: " ")
        if let set = flat.range(of: #"\bSET\b(.*?)(\bWHERE\b|$)"#, options: .regularExpression),
           flat[set].range(of: #"\bstatus\s*="#, options: .regularExpression) != nil, flat.contains("UPDATE") {
            return "sets status"
        }
        if flat.contains("INSERT"), flat.range(of: #"\bstatus\b"#, options: .regularExpression) != nil,
           states.contains(where: { flat.contains("'\($0)'") }) {
            return "inserts a status literal"
        }
        return nil
    }
}
