import Core
import Foundation
import GRDB
import Testing
@testable import Storage

@Suite struct WriterTests {
    static func makeTable(_ database: AgentDatabase) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: "CREATE TABLE item (id INTEGER PRIMARY KEY, value TEXT NOT NULL) STRICT")
        }
    }

    @Test func aFailingUnitRollsBackAloneAndTheRestOfItsBatchCommits() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory, start: false)
        let writer = database.writer
        // Queue 50 units before the writer runs, so they land in one batch.
        let results = Task {
            try await withThrowingTaskGroup(of: (Int, Result<Int, PlannedFailure>).self) { group in
                for index in 0..<50 {
                    group.addTask {
                        do {
                            let value = try await writer.submit { db -> Int in
                                try db.execute(sql: "INSERT INTO installation_probe (value) VALUES (?)", arguments: [index])
                                if index % 7 == 0 { throw PlannedFailure(index: index) }
                                return index * 10
                            }
                            return (index, .success(value))
                        } catch let failure as PlannedFailure {
                            return (index, .failure(failure))
                        }
                    }
                }
                return try await group.reduce(into: [Int: Result<Int, PlannedFailure>]()) { $0[$1.0] = $1.1 }
            }
        }
        // Generous: under the whole suite the 50 submitting tasks may wait long for a thread.
        #expect(try await eventually(timeout: .seconds(60)) { writer.queueDepth == 50 })
        try await Self.createProbeTable(directory)
        writer.start()
        let outcome = try await results.value

        for index in 0..<50 {
            if index % 7 == 0 {
                #expect(outcome[index] == .failure(PlannedFailure(index: index)))
            } else {
                #expect(outcome[index] == .success(index * 10))
            }
        }
        let stored = try await database.read { db in
            try Int.fetchAll(db, sql: "SELECT value FROM installation_probe ORDER BY value")
        }
        #expect(stored == (0..<50).filter { $0 % 7 != 0 })
        let statistics = writer.currentStatistics
        #expect(statistics.failedUnits == 8)
        #expect(statistics.maxBatch >= 50)
        await writer.stop()
    }

    /// Creates the probe table through a second connection while the writer is not running yet.
    static func createProbeTable(_ directory: TemporaryDirectory) async throws {
        let queue = try DatabaseQueue(path: directory.file("agentd.db"))
        try await queue.write { db in
            try db.execute(sql: "CREATE TABLE installation_probe (value INTEGER NOT NULL) STRICT")
        }
        try queue.close()
    }

    @Test func aLoneFailingUnitLeavesNoTrace() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        try await Self.makeTable(database)
        await #expect(throws: PlannedFailure(index: 1)) {
            try await database.writer.submit { db in
                try db.execute(sql: "INSERT INTO item (value) VALUES ('half-done')")
                throw PlannedFailure(index: 1)
            }
        }
        let count = try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM item") }
        #expect(count == 0)
        // The writer carries on.
        try await database.writer.submit { db in try db.execute(sql: "INSERT INTO item (value) VALUES ('next')") }
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM item") } == 1)
        #expect(database.writer.currentStatistics.failedUnits == 1)
        await database.writer.stop()
    }

    @Test func twoHundredConcurrentWritersNeverSeeBusy() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        try await Self.makeTable(database)
        let writer = database.writer
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for caller in 0..<200 {
                group.addTask {
                    var failed = 0
                    for step in 0..<20 {
                        do {
                            try await writer.submit { db in
                                try db.execute(sql: "INSERT INTO item (value) VALUES (?)", arguments: ["\(caller)-\(step)"])
                            }
                        } catch {
                            failed += 1
                        }
                    }
                    return failed
                }
            }
            // Readers run alongside and never block the writer.
            for _ in 0..<20 {
                group.addTask {
                    for _ in 0..<20 { _ = try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM item") } }
                    return 0
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(failures == 0)
        let count = try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM item") }
        #expect(count == 4000)
        let statistics = writer.currentStatistics
        #expect(statistics.units == 4001)
        #expect(statistics.commits < statistics.units, "group commit should pack several units per transaction")
        await writer.stop()
    }

    @Test func aResultIsReadableAsSoonAsSubmitReturns() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        try await Self.makeTable(database)
        for index in 0..<50 {
            let id = try await database.writer.submit { db -> Int64 in
                try db.execute(sql: "INSERT INTO item (value) VALUES (?)", arguments: ["v\(index)"])
                return db.lastInsertedRowID
            }
            let value = try await database.read { db in try String.fetchOne(db, sql: "SELECT value FROM item WHERE id = ?", arguments: [id]) }
            #expect(value == "v\(index)")
        }
        await database.writer.stop()
    }

    @Test func stopCommitsWhatIsQueuedThenRefusesNewUnits() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory, start: false)
        try await Self.createProbeTable(directory)
        let writer = database.writer
        let queued = Task {
            try await writer.submit { db in try db.execute(sql: "INSERT INTO installation_probe (value) VALUES (1)") }
        }
        #expect(try await eventually { writer.queueDepth == 1 })
        writer.start()
        await writer.stop()
        try await queued.value
        #expect(!writer.isRunning)
        await #expect(throws: StorageError.writerStopped) {
            try await writer.submit { db in try db.execute(sql: "INSERT INTO installation_probe (value) VALUES (2)") }
        }
        let values = try await database.read { db in try Int.fetchAll(db, sql: "SELECT value FROM installation_probe") }
        #expect(values == [1])
    }

    @Test func aWriterThatNeverStartedFailsItsQueuedUnitsOnStop() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory, start: false)
        let writer = database.writer
        let queued = Task { try await writer.submit { _ in 1 } }
        #expect(try await eventually { writer.queueDepth == 1 })
        await writer.stop()
        await #expect(throws: StorageError.writerStopped) { _ = try await queued.value }
    }
}
