import Core
import Foundation
import GRDB
import Testing
@testable import Engine
@testable import Storage

/// The state machine as the store applies it: moves the tables allow, from where the row is,
/// with the audit row in the same unit as the change it records.
@Suite struct TransitionFlowTests {
    /// `execution.started` audit rows, by execution id, with their request ids.
    func startAudits(_ harness: Harness) async throws -> [String: String?] {
        try await harness.database.read { db in
            var out: [String: String?] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT target_id, request_id FROM audit_event WHERE action = ?",
                                        arguments: [AuditAction.executionStarted.rawValue]) {
                out[row["target_id"]] = row["request_id"] as String?
            }
            return out
        }
    }

    @Test func aRetriedAttemptRunsFromRetryWait_andIsShownRunning() async throws {
        try await withHarness("retry-running") { harness in
            try await harness.apply(workflow("flaky", retry: ["max_attempts": 3, "initial_backoff_ms": 1000, "max_backoff_ms": 1000]))
            let store = harness.store()
            let now = harness.clock.now
            let (record, created, _) = try await store.create(NewExecution(workflow: "flaky", input: [:]), context: harness.context())
            let first = try #require(created.ready.first)
            let failed = try await store.complete(first, .failed(StepError(.timeout, "slow")), startedAt: now, now: now, jitter: 0.5)
            let second = try #require(failed.timers.first)
            #expect(try await harness.execution(record.id.rawValue).1["work"]?.status == .retryWait)

            // The timer's firing writes nothing; the attempt that runs a while is shown running.
            let due = try await store.dueJobs(now: now.adding(milliseconds: 1000))
            #expect(due.map(\.id) == [second.id])
            #expect(try await store.markRunning(second, startedAt: now.adding(milliseconds: 1000), leaseUntil: now.adding(milliseconds: 5000)))
            let steps = try await harness.execution(record.id.rawValue).1
            #expect(steps["work"]?.status == .running)
            #expect(steps["work"]?.attempt == 2)
            let started = try await harness.events(record.id.rawValue).filter { $0.type == ExecutionEventType.stepStarted.rawValue }
            #expect(started.map(\.attempt) == [2])

            let done = try await store.complete(second, .succeeded("ok"), startedAt: nil, now: now.adding(milliseconds: 1100), jitter: 0)
            #expect(done.accepted)
            #expect(try await harness.execution(record.id.rawValue).0.status == .succeeded)
        }
    }

    @Test func anOutcomeForAStepThatAlreadyEndedAdvancesNothing() async throws {
        try await withHarness("ended-step") { harness in
            try await harness.apply(workflow("pair", after: ["next": ["kind": "transform", "config": ["output": "{{ input }}"]]], edges: ["work -> next"]))
            let store = harness.store()
            let now = harness.clock.now
            let (record, created, _) = try await store.create(NewExecution(workflow: "pair", input: [:]), context: harness.context())
            let ticket = try #require(created.ready.first)
            // The step is cancelled under the worker (the execution is cancelled): its late
            // outcome is refused by the job's fence and nothing downstream becomes ready.
            _ = try await store.cancel(record.id.rawValue, context: harness.context())
            let late = try await store.complete(ticket, .succeeded("late"), startedAt: now, now: now, jitter: 0)
            #expect(late.accepted == false)
            #expect(late.ready.isEmpty)
            let (after, steps) = try await harness.execution(record.id.rawValue)
            #expect(after.status == .cancelled)
            #expect(steps["work"]?.status == .cancelled)
            #expect(steps["next"]?.status == .cancelled)
            let types = try await harness.events(record.id.rawValue).map(\.type)
            #expect(types.filter { $0 == "execution.cancelled" }.count == 1)
            #expect(!types.contains("step.succeeded"))
        }
    }

    @Test func aStartAndARetryAreAuditedWithTheirRequest_andARefusedStartIsNot() async throws {
        try await withHarness("start-audit") { harness in
            try await harness.apply(workflow("audited"))
            let store = harness.store()
            var context = harness.context()
            context = ChangeContext(scope: context.scope, actor: "tests", requestID: "req-start", now: context.now)
            let (record, _, created) = try await store.create(NewExecution(workflow: "audited", input: [:], idempotencyKey: "k1", requestHash: "h1"),
                                                              context: context)
            #expect(created)
            // The same key and body again: the same execution, no second audit row.
            let (again, _, createdAgain) = try await store.create(NewExecution(workflow: "audited", input: [:], idempotencyKey: "k1", requestHash: "h1"),
                                                                  context: context)
            #expect(!createdAgain && again.id == record.id)
            // Refused: not deployed in prod. Nothing is written, audit included.
            await #expect(throws: ExecutionError.notDeployed(workflow: "audited", environment: "prod")) {
                _ = try await store.create(NewExecution(workflow: "audited", environment: .prod, input: [:]), context: context)
            }
            #expect(try await startAudits(harness) == [record.id.rawValue: "req-start"])

            _ = try await store.cancel(record.id.rawValue, context: harness.context())
            let retryContext = ChangeContext(scope: context.scope, actor: "tests", requestID: "req-retry", now: context.now)
            let (retried, _) = try await store.retry(record.id.rawValue, context: retryContext)
            let audits = try await startAudits(harness)
            #expect(audits.count == 2)
            #expect(audits[retried.id.rawValue] == "req-retry")
        }
    }
}
