import Core
import Foundation
import GRDB
import AgentSecurity
import Testing
@testable import Storage

/// Keyed checkpoints in the real audit log: written in the event's transaction, announced
/// only after commit, and contradicted by a truncated, rewritten or forged database.
@Suite struct AuditCheckpointLogTests {
    let directory: TemporaryDirectory
    let database: AgentDatabase
    let audit: AuditLog
    let announced = Announcements()

    final class Announcements: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [AuditCheckpoint] = []
        func add(_ checkpoint: AuditCheckpoint) { lock.withLock { items.append(checkpoint) } }
        var all: [AuditCheckpoint] { lock.withLock { items } }
    }

    init() throws {
        directory = try TemporaryDirectory()
        database = try openDatabase(in: directory)
        let announced = self.announced
        audit = AuditLog(database: database, digest: ChainDigest.sha256,
                         checkpoints: CheckpointPolicy(interval: 5, mac: CheckpointKey(hashKey: Array(repeating: 7, count: 32)).mac,
                                                       announce: { announced.add($0) }))
    }

    func event(_ index: Int) -> AuditEntry {
        AuditEntry(at: testNow.adding(milliseconds: Int64(index)), orgID: index.isMultiple(of: 2) ? nil : "org_x",
                   actor: "uid:0", action: .orgCreated, targetID: "org-\(index)", details: ["name": "org-\(index)"])
    }

    func record(_ count: Int) async throws {
        for index in 0..<count { try await audit.record(event(index)) }
    }

    func sql(_ text: String) async throws {
        try await database.writer.submit { db in try db.execute(sql: text) }
    }

    @Test func aCheckpointEveryIntervalAndOneOnRequestAnnouncedAfterCommit() async throws {
        try await record(12)
        #expect(announced.all.map(\.sequence) == [5, 10])
        let stop = try #require(try await audit.checkpoint(now: testNow.adding(milliseconds: 100)))
        #expect(stop.number == 3 && stop.sequence == 12)
        // Nothing new since: no second checkpoint.
        #expect(try await audit.checkpoint(now: testNow.adding(milliseconds: 200)) == nil)
        #expect(announced.all.map(\.number) == [1, 2, 3])
        // The next interval counts from the stop checkpoint.
        try await record(5)
        #expect(announced.all.map(\.sequence) == [5, 10, 12, 17])

        let result = try await audit.verify()
        #expect(result.isIntact)
        #expect(result.checked == 17 && result.checkpointsChecked == 4)
        #expect(result.lastCheckpoint?.sequence == 17)
        #expect(result.lastCheckpoint?.headHash == announced.all.last?.headHash)
        await database.writer.stop()
    }

    @Test func aFailedUnitTakesItsCheckpointWithItAndAnnouncesNothing() async throws {
        try await record(4)
        let log = audit
        await #expect(throws: PlannedFailure.self) {
            try await database.writer.submit { db in
                _ = try log.append(event(4), in: db)
                throw PlannedFailure(index: 4)
            }
        }
        #expect(announced.all.isEmpty)
        try await record(1)
        #expect(announced.all.map(\.number) == [1])
        #expect(try await audit.verify().isIntact)
        await database.writer.stop()
    }

    @Test func deletedTailRowsContradictTheLastCheckpoint() async throws {
        try await record(12)
        _ = try await audit.checkpoint(now: testNow.adding(milliseconds: 100))
        // What an attacker with the file does: drop the newest rows. The rest still links.
        try await sql("DELETE FROM audit_event WHERE seq > 8")
        let result = try await audit.verify()
        #expect(result.firstBreak == nil)
        let finding = try #require(result.checkpointFinding)
        #expect(finding.kind == "truncated" && finding.checkpointNumber == 2)
        #expect(finding.reason.contains("rows 9 to 10 were deleted"), "\(finding.reason)")
        #expect(result.checkpointsChecked == 1 && result.lastCheckpoint?.sequence == 5)
        await database.writer.stop()
    }

    @Test func aRewrittenAndRehashedChainContradictsTheCheckpoint() async throws {
        try await record(12)
        // Change row 7 and recompute every hash from there: the plain chain verifies.
        let digest = ChainDigest.sha256
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE audit_event SET actor = 'uid:1000' WHERE seq = 7")
            var previous = try String.fetchOne(db, sql: "SELECT hash FROM audit_event WHERE seq = 6") ?? ""
            for row in try Row.fetchAll(db, sql: "SELECT * FROM audit_event WHERE seq >= 7 ORDER BY seq") {
                let record = try AuditLog.record(from: row)
                let hash = AuditChain.hash(sequence: record.sequence, entry: record.entry, previousHash: previous, digest: digest,
                                           form: record.form, salt: record.salt, sealed: record.sealed)
                try db.execute(sql: "UPDATE audit_event SET prev_hash = ?, hash = ? WHERE seq = ?",
                               arguments: [previous, hash, record.sequence])
                previous = hash
            }
        }
        let result = try await audit.verify()
        #expect(result.firstBreak == nil)
        let finding = try #require(result.checkpointFinding)
        #expect(finding.kind == "rewritten" && finding.checkpointNumber == 2, "\(finding.reason)")
        #expect(!result.isIntact)
        await database.writer.stop()
    }

    @Test func aCheckpointEditedWithoutTheKeyIsForged() async throws {
        try await record(10)
        try await sql("DELETE FROM audit_event WHERE seq > 7")
        // Move the last checkpoint back to agree with the shortened chain.
        try await sql("UPDATE audit_checkpoint SET seq = 7, head_hash = (SELECT hash FROM audit_event WHERE seq = 7) WHERE id = 2")
        let finding = try #require(try await audit.verify().checkpointFinding)
        #expect(finding.kind == "forged" && finding.checkpointNumber == 2, "\(finding.reason)")
        await database.writer.stop()
    }

    @Test func aDatabaseReadWithAnotherKeySeesForgedCheckpoints() async throws {
        try await record(5)
        let other = AuditLog(database: database, digest: ChainDigest.sha256,
                             checkpoints: CheckpointPolicy(interval: 5, mac: CheckpointKey(hashKey: Array(repeating: 8, count: 32)).mac))
        #expect(try await other.verify().checkpointFinding?.kind == "forged")
        await database.writer.stop()
    }
}
