import Core
import Foundation
import GRDB

/// Firing schedules (DESIGN §5: the database is polled only for timers, and schedules are
/// timers). Each due schedule is fired in a writer unit of its own that records every slot it
/// passes (fired, queued, skipped, failed), starts the executions, and moves `next_fire_at` on
/// only if it still holds the value read: a second process, or a restart halfway, finds the slot
/// gone. A slot's `schedule_fire` row is its lock: a slot is fired once, ever.
extension ExecutionStore {
    /// Fires the schedules due by `now` (at most `limit`, oldest slot first). A slot found more
    /// than `graceMs` after its time is missed, and its schedule's catch-up policy decides.
    public func fireDueSchedules(now: Instant, graceMs: Int64 = 60_000, limit: Int = 1000) async throws -> ScheduleFiring {
        let due = try await database.read { db in
            try String.fetchAll(db.cachedStatement(sql: Self.dueSchedulesSQL), arguments: [now.millisecondsSinceEpoch, limit])
        }
        var firing = ScheduleFiring()
        firing.considered = due.count
        let store = self
        let audit = self.audit
        let database = self.database
        // Each schedule is its own unit, submitted all at once: the writer commits them in a few
        // batches (each unit in its own savepoint), not one commit per schedule, so a minute
        // boundary where hundreds are due is fired in milliseconds, not seconds.
        let outcomes = await withTaskGroup(of: (String, Result<ScheduleFiring, any Error>).self) { group in
            for id in due {
                group.addTask {
                    do {
                        return (id, .success(try await database.writer.submit { db in
                            try store.fire(id, now: now, graceMs: graceMs, audit: audit, db)
                        }))
                    } catch {
                        return (id, .failure(error))
                    }
                }
            }
            var outcomes: [(String, Result<ScheduleFiring, any Error>)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        for (id, outcome) in outcomes {
            switch outcome {
            case .success(let one):
                firing.effects.merge(one.effects)
                firing.fired += one.fired
                firing.firedSlots += one.firedSlots
                firing.missed += one.missed
                firing.failed += one.failed
            case .failure(StorageError.writerStopped), .failure(is SlotTaken):
                continue
            case .failure(let error):
                firing.failed.append((id, "\(error)"))
            }
        }
        return firing
    }

    /// The earliest slot of an active schedule, if any: when the timer must wake.
    public func nextScheduleDue() async throws -> Int64? {
        try await database.read { db in try Int64.fetchOne(db.cachedStatement(sql: Self.nextScheduleSQL)) }
    }

    /// On the `schedule_due` partial index (QueryPlanTests keeps them there).
    static let dueSchedulesSQL = "SELECT id FROM schedule WHERE status = 'active' AND next_fire_at <= ? ORDER BY next_fire_at LIMIT ?"
    static let nextScheduleSQL = "SELECT min(next_fire_at) FROM schedule WHERE status = 'active'"

    /// One schedule's due slots, in the caller's transaction.
    func fire(_ id: String, now: Instant, graceMs: Int64, audit: AuditLog, _ db: Database) throws -> ScheduleFiring {
        var firing = ScheduleFiring()
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT s.*, w.name AS workflow_name FROM schedule s JOIN workflow w ON w.id = s.workflow_id WHERE s.id = ?
            """), arguments: [id]) else { return firing }
        let schedule = try ScheduleStore.record(from: row)
        guard schedule.status == .active, let due = schedule.nextFireAt, due <= now else { return firing }
        let plan = FirePlan.plan(due: due, recurrence: schedule.spec.recurrence, policy: schedule.spec.catchUp, now: now, graceMs: graceMs)
        for (slot, reason) in plan.skipped {
            try Self.record(slot: slot, of: id, outcome: .skipped, reason: reason.rawValue, now: now, db)
        }
        firing.missed = plan.skipped.count + plan.uncounted
        var last = schedule.lastExecutionID
        var queued: Int64? = row["queued_slot_at"]
        for slot in plan.fire {
            if schedule.spec.overlap != .allow, let previous = last,
               let running = try? Self.record(previous, db, payload: false), !running.status.isTerminal {
                switch schedule.spec.overlap {
                case .skip:
                    try Self.record(slot: slot, of: id, outcome: .skipped, reason: SkipReason.overlap.rawValue, now: now, db)
                    firing.missed += 1
                    continue
                case .queueOne:
                    if queued == nil {
                        queued = slot.millisecondsSinceEpoch
                        try Self.record(slot: slot, of: id, outcome: .queued, reason: "waiting for \(previous) to end", now: now, db)
                    } else {
                        try Self.record(slot: slot, of: id, outcome: .skipped, reason: SkipReason.overlap.rawValue, now: now, db)
                        firing.missed += 1
                    }
                    continue
                case .cancelPrevious:
                    try end(running, as: .cancelled, error: StepError(.cancelled, "cancelled by schedule \(schedule.name): its next slot came").json,
                            now: now.millisecondsSinceEpoch, db, &firing.effects)
                case .allow:
                    break
                }
            }
            if let started = try start(schedule, slot: slot, now: now, audit: audit, db, &firing) { last = started }
        }
        // Moved on only from the slot read: another process that fired it first wins.
        try db.cachedStatement(sql: """
            UPDATE schedule SET next_fire_at = ?, last_execution_id = ?, queued_slot_at = ? WHERE id = ? AND next_fire_at = ?
            """).execute(arguments: [plan.next?.millisecondsSinceEpoch, last, queued, id, due.millisecondsSinceEpoch])
        guard db.changesCount == 1 else { throw SlotTaken() }
        if plan.next == nil { try StatusTransitions.schedule(id, from: [.active], to: .done, db) }
        return firing
    }

    /// After an execution ends: the slot a `queue_one` schedule kept waiting for it starts now.
    func startQueuedSlots(after execution: String, now: Int64, _ db: Database, _ effects: inout ExecutionEffects) throws {
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, queued_slot_at FROM schedule WHERE last_execution_id = ? AND queued_slot_at IS NOT NULL"),
                                    arguments: [execution])
        for row in rows {
            let id: String = row["id"]
            let slot = Instant(millisecondsSinceEpoch: row["queued_slot_at"])
            try db.cachedStatement(sql: "UPDATE schedule SET queued_slot_at = NULL WHERE id = ?").execute(arguments: [id])
            let schedule = try ScheduleStore.record(id, db)
            guard schedule.status == .active else {
                try Self.record(slot: slot, of: id, outcome: .skipped, reason: "the schedule was \(schedule.status.rawValue) when it could start",
                                now: Instant(millisecondsSinceEpoch: now), db, replacingQueued: true)
                continue
            }
            var firing = ScheduleFiring()
            if let started = try start(schedule, slot: slot, now: Instant(millisecondsSinceEpoch: now), audit: audit, db, &firing) {
                try db.cachedStatement(sql: "UPDATE schedule SET last_execution_id = ? WHERE id = ?").execute(arguments: [started, id])
            }
            effects.merge(firing.effects)
        }
    }

    /// Starts the schedule's execution for `slot`, in a savepoint: a start that fails (the
    /// workflow is no longer deployed, its input no longer fits its schema, a quota) is recorded
    /// as the slot's failure and the schedule goes on. Nil when nothing started.
    private func start(_ schedule: ScheduleRecord, slot: Instant, now: Instant, audit: AuditLog, _ db: Database,
                       _ firing: inout ScheduleFiring) throws -> String? {
        // The slot's row is taken first: a slot another process fired is not fired again.
        guard try Self.claim(slot: slot, of: schedule.id.rawValue, now: now, db) else { return nil }
        let actor = "schedule:\(schedule.id.rawValue)"
        let record: ExecutionRecord, effects: ExecutionEffects
        switch try startForTrigger(workflow: schedule.workflowID, environment: schedule.environment, input: schedule.input, trigger: "schedule",
                                   actor: actor, org: schedule.orgID, team: schedule.teamID, now: now, db) {
        case .success(let started):
            (record, effects) = started
        case .failure(let failure):
            try db.cachedStatement(sql: "UPDATE schedule_fire SET outcome = 'failed', reason = ? WHERE schedule_id = ? AND planned_at = ?")
                .execute(arguments: [failure.reason, schedule.id.rawValue, slot.millisecondsSinceEpoch])
            firing.failed.append((schedule.name, failure.reason))
            return nil
        }
        try db.cachedStatement(sql: "UPDATE schedule_fire SET execution_id = ? WHERE schedule_id = ? AND planned_at = ?")
            .execute(arguments: [record.id.rawValue, schedule.id.rawValue, slot.millisecondsSinceEpoch])
        try audit.append(AuditEntry(at: now, orgID: schedule.orgID.rawValue, actor: actor, action: .executionStarted,
                                    targetType: ResourceType.execution.rawValue, targetID: record.id.rawValue, requestID: nil,
                                    details: ["workflow": record.workflowName, "version": "\(record.workflowVersion)", "schedule": schedule.name,
                                              "slot": slot.rfc3339]), in: db)
        firing.effects.merge(effects)
        firing.fired += 1
        firing.firedSlots.append(slot)
        return record.id.rawValue
    }

    /// Takes the slot for firing: inserts its row as fired, or turns its queued row into one;
    /// false when the slot already has another outcome (fired by another process).
    private static func claim(slot: Instant, of schedule: String, now: Instant, _ db: Database) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT INTO schedule_fire (schedule_id, planned_at, at, outcome) VALUES (?, ?, ?, 'fired')
            ON CONFLICT (schedule_id, planned_at) DO UPDATE SET outcome = 'fired', at = excluded.at WHERE outcome = 'queued'
            """).execute(arguments: [schedule, slot.millisecondsSinceEpoch, now.millisecondsSinceEpoch])
        return db.changesCount == 1
    }

    /// Records a slot that starts nothing (now, or not yet).
    private static func record(slot: Instant, of schedule: String, outcome: ScheduleFireRecord.Outcome, reason: String?, now: Instant,
                               _ db: Database, replacingQueued: Bool = false) throws {
        let conflict = replacingQueued ? "DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason WHERE outcome = 'queued'" : "DO NOTHING"
        try db.cachedStatement(sql: """
            INSERT INTO schedule_fire (schedule_id, planned_at, at, outcome, reason) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (schedule_id, planned_at) \(conflict)
            """).execute(arguments: [schedule, slot.millisecondsSinceEpoch, now.millisecondsSinceEpoch, outcome.rawValue, reason])
    }
}

/// Another process moved the schedule on first: this unit's work is rolled back.
struct SlotTaken: Error {}
