import Core
import Foundation
import GRDB

extension ExecutionStore {
    /// Records how an attempt ended and everything that follows from it, in one transaction:
    /// the step's status, retries, successors made ready or skipped, the execution's end and a
    /// parent's waiting step. Fenced: a ticket whose job was completed, cancelled or recovered
    /// since (its token is stale) changes nothing (`accepted` false).
    /// Model calls the attempt made are recorded even when the completion is stale: the tokens
    /// were spent either way.
    /// `beginNext`: the caller runs the first job this makes ready in the same execution itself,
    /// right after; it is marked in this transaction (`begin`), its id in `effects.begun`.
    public func complete(_ ticket: JobTicket, _ outcome: StepOutcome, startedAt: Instant?, now: Instant, jitter: Double,
                         secretsRead: [String: Int] = [:], calls: [LLMCall] = [], releaseReservation: Bool = false,
                         beginNext: Bool = false, piiMasked: [String: Int] = [:]) async throws -> ExecutionEffects {
        let store = self
        let audit = self.audit
        let settings = database.llmSettings
        // The reservation is released once the outcome (its cost) is committed, or the attempt
        // is dropped: never before, or another step could take what this one spent.
        defer { if releaseReservation { database.budgetGate.release(job: ticket.id, token: ticket.token) } }
        return try await database.writer.submit { db in
            // Read once: the calls' records and the transition both need it (its status and
            // identity; the cost columns the ledger updates are not used below).
            var loaded: ExecutionRecord?
            if !calls.isEmpty {
                let execution = try Self.record(ticket.executionID, db, payload: false)
                try CostLedger.record(calls, of: execution, now: now, audit: audit, settings: settings, db)
                loaded = execution
            }
            var effects = ExecutionEffects()
            // why: a worker whose lease was taken over (or whose step was cancelled) must not
            // record its outcome a second time.
            guard try StatusTransitions.closeJob(ticket.id, token: ticket.token, db).didMove else {
                effects.accepted = false
                return effects
            }
            // Only the lease that ends the step ends its conversation: a stale one must not
            // take the checkpoint from the worker that took its job over.
            if !calls.isEmpty {
                try db.cachedStatement(sql: "DELETE FROM llm_checkpoint WHERE execution_id = ? AND node_id = ?")
                    .execute(arguments: [ticket.executionID, ticket.node])
            }
            let execution = try loaded ?? Self.record(ticket.executionID, db, payload: false)
            // Which secrets a step read is audited with its outcome, in the same transaction.
            for (path, version) in secretsRead.sorted(by: { $0.key < $1.key }) {
                try audit.append(AuditEntry(at: now, orgID: execution.orgID.rawValue, actor: "execution:\(execution.id.rawValue)",
                                            action: .secretRead, targetType: ResourceType.secret.rawValue,
                                            targetID: "\(execution.environment.rawValue)/\(path)", requestID: nil,
                                            details: ["version": "\(version)", "node": ticket.node, "attempt": "\(ticket.attempt)",
                                                      "workflow": execution.workflowName]), in: db)
            }
            guard !execution.status.isTerminal else { return effects }
            if let startedAt {
                try db.cachedStatement(sql: "UPDATE step_run SET started_at = coalesce(started_at, ?) WHERE execution_id = ? AND node_id = ?")
                    .execute(arguments: [startedAt.millisecondsSinceEpoch, ticket.executionID, ticket.node])
            }
            // What the worker masked in this attempt (its output, its error, its prompts) is
            // counted with the outcome that holds it.
            try PrivacyRows.add(piiMasked, execution: ticket.executionID, db)
            effects.piiMasked = PIICounts.adding(effects.piiMasked, piiMasked)
            try store.apply(outcome, to: ticket.node, attempt: ticket.attempt, of: execution, now: now, jitter: jitter, db, &effects)
            if beginNext { effects.begun = try Self.beginNext(of: ticket.executionID, in: effects.ready, db) }
            return effects
        }
    }

    /// Fails a step whose job could not be loaded or recorded, and its execution, in a
    /// transaction of its own (fenced like a completion). No retry: the failure is agentd's.
    /// Model calls the attempt made are charged here too: the tokens were spent.
    public func abandon(_ ticket: JobTicket, error: StepError, now: Instant, calls: [LLMCall] = []) async throws -> ExecutionEffects {
        let store = self
        let audit = self.audit
        let settings = database.llmSettings
        defer { database.budgetGate.release(job: ticket.id, token: ticket.token) }
        return try await database.writer.submit { db in
            var effects = ExecutionEffects()
            if !calls.isEmpty, let execution = try? Self.record(ticket.executionID, db, payload: false) {
                try CostLedger.record(calls, of: execution, now: now, audit: audit, settings: settings, db)
            }
            guard try StatusTransitions.closeJob(ticket.id, token: ticket.token, db).didMove, let execution = try? Self.record(ticket.executionID, db, payload: false), !execution.status.isTerminal else {
                effects.accepted = false
                return effects
            }
            try store.failForGood(ticket, error: error, now: now.millisecondsSinceEpoch, db, &effects)
            return effects
        }
    }

    /// Marks a step running (for steps that take a while: the engine calls this only once a
    /// step has run for a moment, so fast steps cost one commit, not two).
    @discardableResult
    public func markRunning(_ ticket: JobTicket, startedAt: Instant, leaseUntil: Instant) async throws -> Bool {
        try await database.writer.submit { db in
            // The lease starts here: a step that runs this long keeps it alive with heartbeats.
            try db.cachedStatement(sql: "UPDATE job SET lease_expires_at = ? WHERE id = ? AND lease_token = ? AND status = 'open'")
                .execute(arguments: [leaseUntil.millisecondsSinceEpoch, ticket.id, ticket.token])
            guard db.changesCount == 1 else { return false }
            // A retried attempt runs from retry_wait, a resumed step from waiting.
            guard try StatusTransitions.step(ticket.executionID, node: ticket.node, from: [.ready, .retryWait, .waiting], to: .running,
                                             setting: [.keepFirst("started_at", startedAt.millisecondsSinceEpoch)], db).didMove else { return false }
            try Events.append(db, execution: ticket.executionID, at: startedAt.millisecondsSinceEpoch, type: .stepStarted,
                              node: ticket.node, attempt: ticket.attempt)
            return true
        }
    }

    /// Extends a running step's lease. False when the job is no longer this ticket's (completed,
    /// cancelled, or taken over after its lease expired): the worker's result will be refused.
    public func heartbeat(_ ticket: JobTicket, leaseUntil: Instant) async throws -> Bool {
        try await database.writer.submit { db in
            try db.cachedStatement(sql: "UPDATE job SET lease_expires_at = ? WHERE id = ? AND lease_token = ? AND status = 'open'")
                .execute(arguments: [leaseUntil.millisecondsSinceEpoch, ticket.id, ticket.token])
            return db.changesCount == 1
        }
    }

    /// Jobs whose lease expired (their worker stopped heartbeating: hung past its timeout, or
    /// its process died) go back to ready under a new token; their steps show `step.recovered`.
    /// Never touches a job that is done.
    public func expireLeases(now: Instant) async throws -> (ExecutionEffects, expired: Int) {
        let instance = self.instance
        let any = try await database.read { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM job WHERE status = 'open' AND lease_expires_at IS NOT NULL AND lease_expires_at < ? LIMIT 1"),
                             arguments: [now.millisecondsSinceEpoch]) != nil
        }
        guard any else { return (ExecutionEffects(), 0) }
        return try await database.writer.submit { db in
            var effects = ExecutionEffects()
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM job WHERE status = 'open' AND lease_expires_at IS NOT NULL AND lease_expires_at < ?"),
                                        arguments: [now.millisecondsSinceEpoch])
            for row in rows {
                let ticket = Jobs.ticket(from: row)
                try db.cachedStatement(sql: "UPDATE job SET lease_owner = ?, lease_token = lease_token + 1, lease_expires_at = NULL WHERE id = ?")
                    .execute(arguments: [instance, ticket.id])
                try StatusTransitions.step(ticket.executionID, node: ticket.node, from: [.running], to: .ready, db)
                try Events.append(db, execution: ticket.executionID, at: now.millisecondsSinceEpoch, type: .stepRecovered,
                                  node: ticket.node, attempt: ticket.attempt, data: ["reason": "its lease expired"])
                effects.ready.append(JobTicket(id: ticket.id, executionID: ticket.executionID, node: ticket.node, attempt: ticket.attempt,
                                               purpose: ticket.purpose, orgID: ticket.orgID, token: ticket.token + 1, readyAt: ticket.readyAt))
                effects.changed.append(ticket.executionID)
            }
            return (effects, rows.count)
        }
    }

    /// Cancels an execution: no more dispatch, every unfinished step cancelled, child
    /// executions cancelled, running steps told to stop (the effects), in one transition.
    public func cancel(_ reference: String, context: ChangeContext) async throws -> (ExecutionRecord, ExecutionEffects) {
        let store = self
        let audit = self.audit
        return try await database.writer.submit { db in
            let execution = try Self.visible(reference, context.scope, db)
            guard !execution.status.isTerminal else {
                throw ExecutionError.alreadyFinished(id: execution.id.rawValue, status: execution.status.rawValue)
            }
            var effects = ExecutionEffects()
            try store.end(execution, as: .cancelled, error: StepError(.cancelled, "cancelled by \(context.actor)").json,
                          now: context.now.millisecondsSinceEpoch, db, &effects)
            try audit.append(AuditEntry(at: context.now, orgID: execution.orgID.rawValue, actor: context.actor, action: .executionCancelled,
                                        targetType: ResourceType.execution.rawValue, targetID: execution.id.rawValue,
                                        requestID: context.requestID, details: ["workflow": execution.workflowName]), in: db)
            return (try Self.record(execution.id.rawValue, db), effects)
        }
    }

    /// At start: every job left open by an earlier agentd process becomes this one's (a new
    /// token fences out anything the old one might still say), steps it left running go back to
    /// ready, and nothing terminal is touched. A job that was in a worker when that process
    /// died counts a crash; at `poisonAfter` crashes it is failed as poisoned instead
    /// (`ExecutionStore+Crashes`). Returns what to run now and what later.
    public func recover(now: Instant, poisonAfter: Int = 3) async throws -> (ExecutionEffects, recovered: Int, poisoned: [JobTicket]) {
        let instance = self.instance
        let store = self
        // Nothing runs yet: steps reserve again when they run.
        database.budgetGate.clear()
        return try await database.writer.submit { db in
            let stale = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM job WHERE status = 'open' AND (lease_owner IS NULL OR lease_owner != ?)"),
                                         arguments: [instance])
            var effects = ExecutionEffects()
            var poisoned: [JobTicket] = []
            for row in stale {
                let ticket = Jobs.ticket(from: row)
                let crashes: Int
                let counted: Bool
                switch Takeover.of(row, poisonAfter: poisonAfter) {
                case .poison(let total):
                    try store.poison(ticket, crashes: total, now: now.millisecondsSinceEpoch, db, &effects)
                    poisoned.append(ticket)
                    continue
                case .rerun(let total, let wasCounted):
                    (crashes, counted) = (total, wasCounted)
                }
                // The dead process's lease expiry goes too: the job is this process's now, and
                // its lease starts when a worker here marks it running.
                try db.cachedStatement(sql: """
                    UPDATE job SET lease_owner = ?, lease_token = lease_token + 1, lease_expires_at = NULL, in_worker = 0, crash_count = ? WHERE id = ?
                    """)
                    .execute(arguments: [instance, crashes, ticket.id])
                let moved = try StatusTransitions.step(ticket.executionID, node: ticket.node, from: [.running], to: .ready, db).didMove
                if moved || counted {
                    try Events.append(db, execution: ticket.executionID, at: now.millisecondsSinceEpoch, type: .stepRecovered,
                                      node: ticket.node, attempt: ticket.attempt,
                                      data: counted ? ["reason": "agentd stopped unexpectedly while it ran", "crashes": .integer(crashes)] : nil)
                }
                let fresh = JobTicket(id: ticket.id, executionID: ticket.executionID, node: ticket.node, attempt: ticket.attempt,
                                      purpose: ticket.purpose, orgID: ticket.orgID, token: ticket.token + 1, readyAt: ticket.readyAt)
                if fresh.readyAt <= now.millisecondsSinceEpoch { effects.ready.append(fresh) } else { effects.timers.append(fresh) }
            }
            return (effects, stale.count - poisoned.count, poisoned)
        }
    }

    /// Open jobs of this process that are due by `now` (timers: backoff, delays).
    public func dueJobs(now: Instant, limit: Int = 1000) async throws -> [JobTicket] {
        let instance = self.instance
        return try await database.read { db in
            // Timers only: jobs made ready by a commit are already in memory, and a backlog of them
            // must not hide a due retry or delay from this query.
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM job WHERE status = 'open' AND timer = 1 AND ready_at <= ? AND lease_owner = ? ORDER BY ready_at LIMIT ?"),
                             arguments: [now.millisecondsSinceEpoch, instance, limit]).map(Jobs.ticket(from:))
        }
    }

    /// The next time a job of this process falls due, if any.
    public func nextDue() async throws -> Int64? {
        let instance = self.instance
        return try await database.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(ready_at) FROM job WHERE status = 'open' AND timer = 1 AND lease_owner = ?"), arguments: [instance])
        }
    }

    /// The earliest deadline of an execution that has not ended, if any.
    public func nextDeadline() async throws -> Int64? {
        try await database.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: Self.nextDeadlineSQL))
        }
    }

    /// The earliest end of a lease held on an open job, if any (past it the job is freed).
    public func nextLeaseEnd() async throws -> Int64? {
        try await database.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: Self.nextLeaseEndSQL))
        }
    }

    /// On partial indexes (`execution_unfinished`, and `job_lease_end` of migration 30;
    /// QueryPlanTests keeps them there): the timer reads them at every wake.
    static let nextDeadlineSQL = """
        SELECT min(deadline_at) FROM execution WHERE status IN ('queued', 'running', 'waiting') AND deadline_at IS NOT NULL
        """
    static let nextLeaseEndSQL = "SELECT min(lease_expires_at) FROM job WHERE status = 'open' AND lease_expires_at IS NOT NULL"

    /// Fails executions past their deadline.
    public func expireDeadlines(now: Instant) async throws -> ExecutionEffects {
        let store = self
        // Read first: the timer calls this every second, and most seconds nothing expires.
        let any = try await database.read { db in
            try Int.fetchOne(db.cachedStatement(sql: """
                SELECT 1 FROM execution WHERE status IN ('queued', 'running', 'waiting') AND deadline_at IS NOT NULL AND deadline_at <= ? LIMIT 1
                """), arguments: [now.millisecondsSinceEpoch]) != nil
        }
        guard any else { return ExecutionEffects() }
        let ids = try await database.read { db in
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT id FROM execution WHERE status IN ('queued', 'running', 'waiting') AND deadline_at IS NOT NULL AND deadline_at <= ?
                """), arguments: [now.millisecondsSinceEpoch])
        }
        // One transaction each: one that cannot end must not keep the others from ending.
        var effects = ExecutionEffects()
        for id in ids {
            do {
                effects.merge(try await database.writer.submit { db in
                    var effects = ExecutionEffects()
                    try store.end(try Self.record(id, db), as: .failed, error: StepError(.timeout, "the execution passed its deadline").json,
                                  now: now.millisecondsSinceEpoch, db, &effects)
                    return effects
                })
            } catch StorageError.writerStopped {
                break
            } catch {
                continue
            }
        }
        return effects
    }

    /// What a worker needs to run a job: the execution, its compiled workflow and the current
    /// outputs of its steps. nil when the job is no longer open with this token.
    public func jobContext(_ ticket: JobTicket) async throws -> (ExecutionRecord, CompiledWorkflow, [String: StepRunRecord])? {
        let workflows = self.workflows
        return try await database.read { db in
            guard try Int.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM job WHERE id = ? AND lease_token = ? AND status = 'open'"),
                                   arguments: [ticket.id, ticket.token]) != nil else { return nil }
            let execution = try Self.record(ticket.executionID, db)
            let compiled = try workflows.compiled(workflow: execution.workflowID.rawValue, version: execution.workflowVersion, db)
            // Only the step itself and the ancestors its templates read: a long chain or a wide
            // fan-out would otherwise decode every earlier output for every step.
            let wanted = compiled.reads[ticket.node] ?? (compiled.ancestors[ticket.node] ?? []).union([ticket.node])
            let steps = Dictionary(uniqueKeysWithValues: try Self.steps(ticket.executionID, only: wanted, db).map { ($0.node, $0) })
            return (execution, compiled, steps)
        }
    }

    /// Starts a child execution for a `workflow` step and leaves the step waiting for it; the
    /// child's end completes the step (in the child's last transaction).
    public func startChild(_ ticket: JobTicket, request: NewExecution, context: ChangeContext) async throws -> ExecutionEffects {
        let store = self
        let inputText = request.input.canonicalText
        defer { database.budgetGate.release(job: ticket.id, token: ticket.token) }
        return try await database.writer.submit { db in
            var effects = ExecutionEffects()
            guard try StatusTransitions.closeJob(ticket.id, token: ticket.token, db).didMove else {
                effects.accepted = false
                return effects
            }
            let parent = try Self.record(ticket.executionID, db)
            guard !parent.status.isTerminal else { return effects }
            do {
                let (child, childEffects) = try store.insert(request, inputText: inputText, context: context, db)
                effects.merge(childEffects)
                try store.apply(.child(child.id.rawValue), to: ticket.node, attempt: ticket.attempt, of: parent,
                                now: context.now.millisecondsSinceEpoch, jitter: 0, db, &effects)
            } catch let error as ValidationError {
                let message = error.violations.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
                try store.apply(.failed(StepError(.validation, "the child workflow's input is invalid: \(message)")), to: ticket.node,
                                attempt: ticket.attempt, of: parent, now: context.now.millisecondsSinceEpoch, jitter: 0, db, &effects)
            } catch let error as StorageError {
                try store.apply(.failed(StepError(.validation, "the child workflow cannot start: \(error)")), to: ticket.node,
                                attempt: ticket.attempt, of: parent, now: context.now.millisecondsSinceEpoch, jitter: 0, db, &effects)
            } catch ExecutionError.piiBlocked(let kinds) {
                // The same refusal as a step's own: classified, not retried, naming only the kinds.
                try store.apply(.failed(StepError(.piiBlocked, "the child workflow's input holds personal data of kind \(kinds.joined(separator: ", ")), "
                                                  + "which its privacy policy blocks")), to: ticket.node,
                                attempt: ticket.attempt, of: parent, now: context.now.millisecondsSinceEpoch, jitter: 0, db, &effects)
            } catch let error as ExecutionError {
                try store.apply(.failed(StepError(.validation, "the child workflow cannot start: \(error)")), to: ticket.node,
                                attempt: ticket.attempt, of: parent, now: context.now.millisecondsSinceEpoch, jitter: 0, db, &effects)
            }
            return effects
        }
    }

    // MARK: - Transitions inside a transaction

    func apply(_ outcome: StepOutcome, to node: String, attempt: Int, of execution: ExecutionRecord, now: Instant, jitter: Double,
               _ db: Database, _ effects: inout ExecutionEffects) throws {
        try apply(outcome, to: node, attempt: attempt, of: execution, now: now.millisecondsSinceEpoch, jitter: jitter, db, &effects)
    }

    func apply(_ outcome: StepOutcome, to node: String, attempt: Int, of execution: ExecutionRecord, now: Int64, jitter: Double,
               _ db: Database, _ effects: inout ExecutionEffects) throws {
        let id = execution.id.rawValue
        let compiled = try workflows.compiled(workflow: execution.workflowID.rawValue, version: execution.workflowVersion, db)
        var statuses = try Self.statuses(id, db)
        effects.changed.append(id)
        /// Moves the step from wherever its attempt ran (see `StepStatus`); false when it was not
        /// there (already ended): then nothing follows from this outcome.
        func move(to status: StepStatus, _ setting: [StatusTransitions.Assignment], event: ExecutionEventType, data: JSONValue?) throws -> Bool {
            guard try StatusTransitions.step(id, node: node, from: StepStatus.attempting, to: status, setting: setting, db).didMove else { return false }
            try Events.append(db, execution: id, at: now, type: event, node: node, attempt: attempt, data: data)
            statuses[node] = status
            return true
        }
        func finishStep(_ status: StepStatus, output: JSONValue?, error: JSONValue?, event: ExecutionEventType, data: JSONValue?) throws -> Bool {
            try move(to: status, [.set("output", output?.canonicalText), .set("error", error?.canonicalText), .set("finished_at", now)],
                     event: event, data: data)
        }
        // The outcome's moves; `return` in here ends them early (a step that had ended already).
        func record() throws {
        switch outcome {
        case .succeeded(let output, let selected):
            guard try finishStep(.succeeded, output: output, error: nil, event: .stepSucceeded, data: nil) else { return }
            try advance(execution, compiled, from: node, selected: selected.map(Set.init), statuses: &statuses, now: now, db, &effects)
        case .skipped(let reason):
            guard try finishStep(.skipped, output: nil, error: nil, event: .stepSkipped, data: ["reason": .string(reason)]) else { return }
            try advance(execution, compiled, from: node, selected: nil, statuses: &statuses, now: now, db, &effects)
        case .failed(let error):
            let retry = compiled.steps[node]?.retry
            if Backoff.shouldRetry(attempt: attempt, policy: retry, error: error), let retry {
                let delay = Backoff.delayMs(afterAttempt: attempt, policy: retry, error: error, unit: jitter)
                guard try move(to: .retryWait, [.set("attempt", attempt + 1), .set("error", error.json.canonicalText)], event: .stepRetrying,
                               data: ["error": error.json, "delay_ms": .integer(delay), "next_attempt": .integer(attempt + 1)]) else { return }
                let ticket = try Jobs.open(db, execution: id, node: node, attempt: attempt + 1, purpose: .run, org: execution.orgID.rawValue,
                                           readyAt: now + Int64(delay), owner: instance, timer: delay > 0)
                if delay == 0 { effects.ready.append(ticket) } else { effects.timers.append(ticket) }
            } else {
                guard try finishStep(.failed, output: nil, error: error.json, event: .stepFailed, data: ["error": error.json]) else { return }
                try end(execution, as: .failed, error: ["node": .string(node), "error": error.json], now: now, db, &effects)
            }
        case .wait(let until, let output):
            guard try move(to: .waiting, [.set("output", output.canonicalText)], event: .stepWaiting, data: ["until_ms": .integer(Int(until))]) else { return }
            effects.timers.append(try Jobs.open(db, execution: id, node: node, attempt: attempt, purpose: .resume, org: execution.orgID.rawValue,
                                                readyAt: until, owner: instance, timer: true))
        case .child(let child):
            _ = try move(to: .waiting, [.keepFirst("started_at", now)], event: .stepWaiting, data: ["child": .string(child)])
        case .approval(let policy, let message):
            let approval = ApprovalID.generate(at: Instant(millisecondsSinceEpoch: now)).rawValue
            guard try move(to: .waiting, [.keepFirst("started_at", now)], event: .stepWaiting, data: ["approval": .string(approval)]) else { return }
            try openApproval(approval, policy: policy, message: message, node: node, attempt: attempt, of: execution, now: now, db, &effects)
        }
        }
        try record()
        // An execution whose only unfinished steps wait (a delay, a child, an approval) is
        // waiting itself, and running again once one of its steps can run.
        let active = statuses.values.contains { $0 == .ready || $0 == .running || $0 == .retryWait }
        if execution.status == .running, !active, statuses.values.contains(.waiting) {
            try StatusTransitions.execution(id, from: [.running], to: .waiting, db)
        } else if execution.status == .waiting, active {
            try StatusTransitions.execution(id, from: [.waiting], to: .running, db)
        }
    }

    /// Successors made ready or skipped after `node` succeeded or was skipped; the execution's
    /// end when nothing is left.
    private func advance(_ execution: ExecutionRecord, _ compiled: CompiledWorkflow, from node: String, selected: Set<String>?,
                         statuses: inout [String: StepStatus], now: Int64, _ db: Database, _ effects: inout ExecutionEffects) throws {
        let id = execution.id.rawValue
        let moves = ExecutionPlanner.advance(compiled.dag, statuses: statuses, completed: node, selected: selected)
        for next in moves.ready {
            guard try StatusTransitions.step(id, node: next, from: [.pending], to: .ready, setting: [.set("attempt", 1)], db).didMove else { continue }
            statuses[next] = .ready
            effects.ready.append(try Jobs.open(db, execution: id, node: next, attempt: 1, purpose: .run, org: execution.orgID.rawValue,
                                               readyAt: now, owner: instance))
        }
        for skipped in moves.skipped {
            guard try StatusTransitions.step(id, node: skipped, from: [.pending], to: .skipped, setting: [.set("finished_at", now)], db).didMove else {
                continue
            }
            try Events.append(db, execution: id, at: now, type: .stepSkipped, node: skipped,
                              data: ["reason": .string(selected?.contains(skipped) == false ? "not selected by \(node)" : "nothing upstream succeeded")])
            statuses[skipped] = .skipped
        }
        try db.cachedStatement(sql: "UPDATE execution SET steps_done = steps_done + ? WHERE id = ?").execute(arguments: [1 + moves.skipped.count, id])
        guard let outcome = ExecutionPlanner.outcome(statuses) else { return }
        if outcome == .succeeded {
            do {
                var output = try Self.output(execution, compiled, now: now, db)
                // Built from masked outputs, but a template's own text may hold more.
                if let masking = execution.privacy?.scanner(atLeast: .mask) {
                    let (masked, counts) = masking.mask(output)
                    output = masked
                    try PrivacyRows.add(counts, execution: id, db)
                    effects.piiMasked = PIICounts.adding(effects.piiMasked, counts)
                }
                try end(execution, as: .succeeded, output: output, error: nil, now: now, db, &effects)
            } catch let error as TemplateError {
                try end(execution, as: .failed, error: StepError(.validation, "the workflow's output: \(error)").json, now: now, db, &effects)
            }
        } else {
            try end(execution, as: outcome, error: nil, now: now, db, &effects)
        }
    }

    /// Where an execution may end from, by end state, and the steps an end cancels: Core's
    /// tables asked once, as every end uses them.
    static let endable = Dictionary(uniqueKeysWithValues: ExecutionStatus.allCases.map { ($0, ExecutionStatus.sources(of: $0)) })
    static let cancellableSteps = StepStatus.sources(of: .cancelled)

    /// Ends an execution (once): unfinished steps cancelled, open jobs closed, children
    /// cancelled, and a parent's waiting step completed with the result.
    func end(_ execution: ExecutionRecord, as status: ExecutionStatus, output: JSONValue? = nil, error: JSONValue?, now: Int64,
             _ db: Database, _ effects: inout ExecutionEffects) throws {
        let id = execution.id.rawValue
        // Ended once: a second end (a deadline after a cancel, a late child) finds it moved.
        guard let event = ExecutionEventType.ended(status),
              try StatusTransitions.execution(id, from: Self.endable[status] ?? [], to: status,
                                              setting: [.set("output", output?.canonicalText), .set("error", error?.canonicalText),
                                                        .set("finished_at", now)], db).didMove else { return }
        try StatusTransitions.step(id, node: nil, from: Self.cancellableSteps, to: .cancelled, setting: [.set("finished_at", now)], db)
        try StatusTransitions.closeJobs(ofExecution: id, db)
        try cancelApprovals(ofExecution: id, now: now, db)
        if status == .failed { try ErrorGroupStore.record(execution, error: error, now: now, db) }
        var data: [String: JSONValue] = [:]
        if let error { data["error"] = error }
        try Events.append(db, execution: id, at: now, type: event, data: .object(data))
        effects.finished.append(id)
        effects.ended.append((id, execution.orgID.rawValue, execution.workflowName, execution.workflowID.rawValue, status,
                              max(0, now - execution.createdAt.millisecondsSinceEpoch)))
        effects.changed.append(id)
        if status != .succeeded { effects.cancelRunning.append(id) }
        // A place is free: start what waits for one, and a schedule's slot queued behind this one.
        try promoteQueued(org: execution.orgID, now: now, db, &effects)
        try startQueuedSlots(after: id, now: now, db, &effects)
        for child in try String.fetchAll(db.cachedStatement(sql: """
            SELECT id FROM execution WHERE parent_execution_id = ? AND status IN ('queued', 'running', 'waiting')
            """), arguments: [id]) {
            try end(try Self.record(child, db), as: .cancelled, error: StepError(.cancelled, "the parent execution ended").json, now: now, db, &effects)
        }
        // The parent may be gone (its workflow deleted): then there is nothing to complete.
        if let parentID = execution.parentExecutionID, let node = execution.parentNode, let parent = try? Self.record(parentID, db) {
            guard !parent.status.isTerminal else { return }
            let attempt = try Int.fetchOne(db.cachedStatement(sql: "SELECT attempt FROM step_run WHERE execution_id = ? AND node_id = ?"), arguments: [parentID, node]) ?? 1
            let outcome: StepOutcome = status == .succeeded
                ? .succeeded(["execution_id": .string(id), "output": output ?? .null])
                : .failed(StepError(status == .cancelled ? .cancelled : .internal, "child execution \(id) \(status.rawValue)"))
            try apply(outcome, to: node, attempt: attempt, of: parent, now: now, jitter: 0, db, &effects)
        }
    }

    /// The execution's output: the workflow's `output` templates over the step outputs, or
    /// else the outputs of its last steps (those with no successors) that succeeded.
    static func output(_ execution: ExecutionRecord, _ compiled: CompiledWorkflow, now: Int64, _ db: Database) throws -> JSONValue {
        let steps = try Self.steps(execution.id.rawValue, db)
        if let template = compiled.output {
            // The record a completion holds may lack its input (see `record(_:_:payload:)`).
            let execution = try Self.record(execution.id.rawValue, db)
            return try template.render(in: StepContexts.workflow(execution, steps: Dictionary(uniqueKeysWithValues: steps.map { ($0.node, $0) }),
                                                                 now: Instant(millisecondsSinceEpoch: now)))
        }
        var leaves: [String: JSONValue] = [:]
        for step in steps where (compiled.dag.successors[step.node] ?? []).isEmpty && step.status == .succeeded {
            leaves[step.node] = step.output ?? .null
        }
        return .object(leaves)
    }

    static func statuses(_ execution: String, _ db: Database) throws -> [String: StepStatus] {
        var statuses: [String: StepStatus] = [:]
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: "SELECT node_id, status FROM step_run WHERE execution_id = ?"), arguments: [execution])
        while let row = try cursor.next() {
            statuses[row[0]] = StepStatus(rawValue: row[1]) ?? .failed
        }
        return statuses
    }
}

/// The template contexts steps see.
public enum StepContexts {
    /// For node inputs, `when` and the workflow output: the execution's input, every step's
    /// `output`/`status`/`error`/`attempts`, and the execution's identity.
    public static func workflow(_ execution: ExecutionRecord, steps: [String: StepRunRecord], now: Instant) -> TemplateContext {
        var nodes: [String: JSONValue] = [:]
        for (id, step) in steps {
            nodes[id] = ["output": step.output ?? .null, "status": .string(step.status.rawValue), "error": step.error ?? .null,
                         "attempts": .integer(step.attempt)]
        }
        return TemplateContext(roots: ["input": execution.input, "nodes": .object(nodes), "execution": identity(execution)], now: now)
    }

    /// For a step's config: its own input and the execution's identity.
    public static func step(_ execution: ExecutionRecord, input: JSONValue, now: Instant,
                            secrets: TemplateContext.SecretResolver? = nil, named: JSONValue = .object([:])) -> TemplateContext {
        TemplateContext(roots: ["input": input, "execution": identity(execution), "secrets": named], now: now, secretResolver: secrets)
    }

    static func identity(_ execution: ExecutionRecord) -> JSONValue {
        ["id": .string(execution.id.rawValue), "workflow": .string(execution.workflowName), "version": .integer(execution.workflowVersion),
         "environment": .string(execution.environment.rawValue)]
    }
}
