import Core
import Foundation
import GRDB

/// Poisoned jobs (DESIGN §5): a step that kills the process (a trap, an out-of-memory kill)
/// would otherwise be taken over and run again at every start, and kill it again. So a job is
/// marked `in_worker` durably before its step runs; a start that finds the mark knows the
/// process died while the step ran and counts it (`crash_count`); at the limit the job is failed
/// as `poisoned` instead of run again. A clean stop clears the marks of the steps it cut short:
/// they did not crash anything.
extension ExecutionStore {
    /// Marks a job as being in a worker, before its step runs: committed before the caller goes
    /// on, so a step that kills the process is known to have been running. False when the job
    /// is no longer this ticket's (completed, cancelled, taken over): the worker drops it.
    public func begin(_ ticket: JobTicket) async throws -> Bool {
        try await database.writer.submit { db in
            try db.cachedStatement(sql: "UPDATE job SET in_worker = 1 WHERE id = ? AND lease_token = ? AND status = 'open'")
                .execute(arguments: [ticket.id, ticket.token])
            return db.changesCount == 1
        }
    }

    /// At a clean stop, once no worker runs: the steps the stop cut short are not crashes.
    public func clearWorkerMarks() async throws {
        let instance = self.instance
        try await database.writer.submit { db in
            try db.cachedStatement(sql: "UPDATE job SET in_worker = 0 WHERE status = 'open' AND lease_owner = ? AND in_worker = 1")
                .execute(arguments: [instance])
        }
    }

    /// In the transaction that makes `ready` jobs: marks the one the completing worker runs next
    /// itself (the first of its own execution), so a chain's steps cost no commit more for the
    /// mark. Returns its id.
    static func beginNext(of execution: String, in ready: [JobTicket], _ db: Database) throws -> Int64? {
        guard let next = ready.first(where: { $0.executionID == execution }), next.purpose == .run else { return nil }
        try db.cachedStatement(sql: "UPDATE job SET in_worker = 1 WHERE id = ?").execute(arguments: [next.id])
        return next.id
    }

    /// What recovery does with a job an earlier process left open: run it again, counting a
    /// crash if it was in a worker, or fail it as poisoned when that makes `poisonAfter`.
    enum Takeover: Equatable {
        case rerun(crashes: Int, counted: Bool)
        case poison(crashes: Int)

        static func of(_ row: Row, poisonAfter: Int) -> Takeover {
            let inWorker: Int = row["in_worker"]
            let crashes: Int = row["crash_count"]
            guard inWorker == 1 else { return .rerun(crashes: crashes, counted: false) }
            return crashes + 1 >= max(1, poisonAfter) ? .poison(crashes: crashes + 1) : .rerun(crashes: crashes + 1, counted: true)
        }
    }

    /// Fails a poisoned job's step and its execution, in recovery's transaction. The job is
    /// done; nothing runs it again.
    func poison(_ ticket: JobTicket, crashes: Int, now: Int64, _ db: Database, _ effects: inout ExecutionEffects) throws {
        try StatusTransitions.closeJob(ticket.id, token: nil, setting: [.set("in_worker", 0), .set("crash_count", crashes)], db)
        let error = StepError(.poisoned, "agentd stopped unexpectedly while this step ran, \(crashes) times; it is not run again "
                                         + "(see the log of those runs; [engine] poison_after)")
        try Events.append(db, execution: ticket.executionID, at: now, type: .stepPoisoned, node: ticket.node, attempt: ticket.attempt,
                          data: ["crashes": .integer(crashes)])
        try failForGood(ticket, error: error, now: now, db, &effects)
    }

    /// Fails a step (its job already done) and so its execution, with no retry: the failure
    /// is not one another attempt would mend.
    func failForGood(_ ticket: JobTicket, error: StepError, now: Int64, _ db: Database, _ effects: inout ExecutionEffects) throws {
        guard let execution = try? Self.record(ticket.executionID, db), !execution.status.isTerminal else { return }
        guard try StatusTransitions.step(ticket.executionID, node: ticket.node, from: StepStatus.attempting, to: .failed,
                                         setting: [.set("error", error.json.canonicalText), .set("finished_at", now)], db).didMove else { return }
        try Events.append(db, execution: ticket.executionID, at: now, type: .stepFailed, node: ticket.node, attempt: ticket.attempt,
                          data: ["error": error.json])
        try end(execution, as: .failed, error: ["node": .string(ticket.node), "error": error.json], now: now, db, &effects)
    }
}
