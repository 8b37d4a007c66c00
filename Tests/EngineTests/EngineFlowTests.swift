import Core
import Foundation
import Synchronization
import Testing
@testable import Engine
@testable import Storage

/// The engine in process over a real SQLite file, driven through its seams: the injected
/// clock (`now`), test runners (`extraRunners`, registered for the `exec` kind) and the secrets
/// closure. Waits are on the notifier or polls with a deadline, never fixed sleeps.
@Suite struct EngineFlowTests {
    func settings(workers: Int = 4, leaseMs: Int = 30_000) -> Engine.Settings {
        var settings = Engine.Settings(workers: workers, markRunningAfterMs: 1)
        settings.leaseMs = leaseMs
        return settings
    }

    func retryEvents(_ harness: Harness, _ id: String) async throws -> [ExecutionEvent] {
        try await harness.events(id).filter { $0.type == "step.retrying" }
    }

    // MARK: - Leases

    @Test func aHungStepLosesItsLeaseWhenTheClockPassesIt_andItsJobRunsAgain_andTheHungCompletionIsRefused() async throws {
        try await withHarness("lease") { harness in
            // The step's timeout (50 ms) passes but its runner ignores cancellation: only the
            // lease (10 s of the test clock, no heartbeat before then) can free its job.
            try await harness.apply(workflow("hang", timeoutMs: 50))
            let runner = BlockingRunner(blocked: .succeeded("first"), then: .succeeded("second"))
            let engine = try await harness.engine(settings: settings(workers: 2, leaseMs: 10_000), runners: [.exec: runner])
            let id = try await harness.submit(engine, "hang")
            #expect(await runner.nextStart())
            #expect(try await eventually { try await harness.jobs(id).first?.leaseUntil != nil })
            let leased = try #require(try await harness.jobs(id).first)
            #expect(leased.leaseUntil == harness.clock.now.millisecondsSinceEpoch + 10_000)
            #expect(try await harness.execution(id).1["work"]?.status == .running)

            // At the lease's last millisecond it still holds.
            harness.clock.advance(by: 10_000)
            #expect(try await harness.store().expireLeases(now: harness.clock.now).expired == 0)
            // Past it, the timer gives the job back to ready under a new token: another worker runs it.
            harness.advance(engine, by: 1)
            #expect(await runner.nextStart())
            #expect(try await harness.finish(engine, id) == .succeeded)
            #expect(engine.statistics.leaseExpiries == 1)
            let recovered = try await harness.events(id).filter { $0.type == "step.recovered" }
            #expect(recovered.map { $0.data?["reason"] } == [.string("its lease expired")])
            let job = try #require(try await harness.jobs(id).first)
            #expect(job.token == leased.token + 1)
            #expect(job.status == "done")

            // The hung attempt ends at last: its completion carries the old token and is refused.
            runner.release()
            #expect(await eventually { engine.statistics.staleCompletions == 1 })
            let (record, steps) = try await harness.execution(id)
            #expect(record.status == .succeeded)
            #expect(steps["work"]?.output == .string("second"))
            #expect(runner.calls.map(\.attempt) == [1, 1])
        }
    }

    /// `Engine.running` (what a cancel stops) is keyed by job and lease token: when a hung
    /// attempt's job is taken over after its lease expired and the hung attempt then ends, its
    /// clean-up removes its own entry only, so a cancel still stops the attempt now running (keyed
    /// by job id alone, it ran on to its timeout, an http or llm call spending all the while).
    @Test func cancellingStopsTheAttemptThatTookOverAJob_afterTheHungOneEnded() async throws {
        try await withHarness("cancel-takeover") { harness in
            // why these numbers: the lease (60 s of the test clock) renews every 20 s of real time,
            // past both attempts' timeout and grace (11 s), so no heartbeat can renew it before the
            // test's clock passes it, however slow a loaded machine is; the 10 s timeout leaves
            // the test that long to cancel the second attempt.
            try await harness.apply(workflow("hang", timeoutMs: 10_000))
            let runner = BlockingRunner(later: .waitsForCancel)
            let engine = try await harness.engine(settings: settings(workers: 2, leaseMs: 60_000), runners: [.exec: runner])
            let id = try await harness.submit(engine, "hang")
            #expect(await runner.nextStart())
            #expect(try await eventually { try await harness.jobs(id).first?.leaseUntil != nil })
            harness.advance(engine, by: 60_001)
            #expect(await runner.nextStart())
            // The hung attempt ends (its completion is refused); the second still runs.
            runner.release()
            #expect(await eventually { engine.statistics.staleCompletions == 1 })
            _ = try await engine.cancel(id, context: harness.context())
            #expect(try await harness.execution(id).0.status == .cancelled)
            let stopped = await eventually(timeout: .seconds(10)) { runner.cancelledCalls == 1 }
            #expect(stopped)
        }
    }

    @Test func heartbeatsExtendARunningStepsLeaseFromTheInjectedClock() async throws {
        try await withHarness("heartbeat") { harness in
            try await harness.apply(workflow("beat"))
            let runner = BlockingRunner()
            // A 90 ms lease: a heartbeat every 30 ms of real time.
            let engine = try await harness.engine(settings: settings(leaseMs: 90), runners: [.exec: runner])
            let id = try await harness.submit(engine, "beat")
            #expect(await runner.nextStart())
            let start = harness.clock.now.millisecondsSinceEpoch
            #expect(try await eventually { try await harness.jobs(id).first?.leaseUntil == start + 90 })
            for step in 1...3 {
                // Less than the lease each time, so it never lapses between heartbeats.
                harness.clock.advance(by: 60)
                let expected = start + Int64(60 * step) + 90
                #expect(try await eventually { try await harness.jobs(id).first?.leaseUntil == expected }, "step \(step)")
            }
            runner.release()
            #expect(try await harness.finish(engine, id) == .succeeded)
            #expect(engine.statistics.leaseExpiries == 0)
            #expect(runner.calls.count == 1)
        }
    }

    // MARK: - Fencing

    @Test func aCompletionWithAStaleLeaseTokenIsRefusedByTheStore_andChangesNothing() async throws {
        try await withHarness("fence") { harness in
            try await harness.apply(workflow("fence"))
            let store = harness.store()
            let now = harness.clock.now
            let (record, created, _) = try await store.create(NewExecution(workflow: "fence", input: [:]), context: harness.context())
            let old = try #require(created.ready.first)
            #expect(try await store.begin(old))
            #expect(try await store.markRunning(old, startedAt: now, leaseUntil: now.adding(milliseconds: 1000)))
            #expect(try await store.heartbeat(old, leaseUntil: now.adding(milliseconds: 1000)))
            #expect(try await store.expireLeases(now: now.adding(milliseconds: 1000)).expired == 0)

            let (expired, count) = try await store.expireLeases(now: now.adding(milliseconds: 1001))
            #expect(count == 1)
            let fresh = try #require(expired.ready.first)
            #expect(fresh.id == old.id)
            #expect(fresh.token == old.token + 1)
            #expect(try await harness.execution(record.id.rawValue).1["work"]?.status == .ready)

            // The old holder: its heartbeat, its context and its completion are all refused.
            #expect(try await store.heartbeat(old, leaseUntil: now.adding(milliseconds: 5000)) == false)
            #expect(try await store.jobContext(old) == nil)
            let stale = try await store.complete(old, .succeeded("stale"), startedAt: now, now: now.adding(milliseconds: 1002), jitter: 0)
            #expect(stale.accepted == false)
            #expect(stale.ready.isEmpty && stale.changed.isEmpty)
            var (after, steps) = try await harness.execution(record.id.rawValue)
            #expect(after.status == .running)
            #expect(steps["work"]?.status == .ready)
            #expect(steps["work"]?.output == nil)

            // The new holder completes; once used, its token is spent too.
            let done = try await store.complete(fresh, .succeeded("fresh"), startedAt: now, now: now.adding(milliseconds: 1003), jitter: 0)
            #expect(done.accepted)
            #expect(try await store.complete(fresh, .succeeded("again"), startedAt: now, now: now.adding(milliseconds: 1004), jitter: 0).accepted == false)
            (after, steps) = try await harness.execution(record.id.rawValue)
            #expect(after.status == .succeeded)
            #expect(steps["work"]?.output == .string("fresh"))
        }
    }

    // MARK: - Retries

    /// Each failed attempt is due exactly when `Backoff` says, for the jitter the store is given
    /// and the server's Retry-After; no sooner (`dueJobs`), and the last attempt fails for good.
    @Test(arguments: [(0.0, nil), (0.5, nil), (0.999, nil), (0.5, 4000), (0.9, 100), (0.25, 3_600_000)] as [(Double, Int?)])
    func retriesAreDueWhenBackoffSays(jitter: Double, retryAfterMs: Int?) async throws {
        try await withHarness("backoff") { harness in
            let policy = RetryPolicy(maxAttempts: 3, initialBackoffMs: 1000, maxBackoffMs: 1500)
            try await harness.apply(workflow("retry", retry: ["max_attempts": 3, "initial_backoff_ms": 1000, "max_backoff_ms": 1500]))
            let store = harness.store()
            let (record, created, _) = try await store.create(NewExecution(workflow: "retry", input: [:]), context: harness.context())
            var ticket = try #require(created.ready.first)
            var now = harness.clock.now.millisecondsSinceEpoch
            let error = StepError(.serverError, "HTTP 503", retryAfterMs: retryAfterMs)
            for attempt in 1...2 {
                let effects = try await store.complete(ticket, .failed(error), startedAt: nil, now: Instant(millisecondsSinceEpoch: now), jitter: jitter)
                let delay = Backoff.delayMs(afterAttempt: attempt, policy: policy, error: error, unit: jitter)
                let next: JobTicket
                if delay == 0 {
                    next = try #require(effects.ready.first)
                    #expect(effects.timers.isEmpty)
                } else {
                    next = try #require(effects.timers.first)
                    #expect(effects.ready.isEmpty)
                    #expect(try await store.dueJobs(now: Instant(millisecondsSinceEpoch: now + Int64(delay) - 1)).isEmpty)
                    #expect(try await store.dueJobs(now: Instant(millisecondsSinceEpoch: now + Int64(delay))).map(\.id) == [next.id])
                }
                #expect(next.readyAt == now + Int64(delay))
                #expect(next.attempt == attempt + 1)
                let retrying = try await retryEvents(harness, record.id.rawValue).last
                #expect(retrying?.data?["delay_ms"] == .integer(delay))
                #expect(try await harness.execution(record.id.rawValue).1["work"]?.status == .retryWait)
                ticket = next
                now += Int64(delay)
            }
            let last = try await store.complete(ticket, .failed(error), startedAt: nil, now: Instant(millisecondsSinceEpoch: now), jitter: jitter)
            #expect(last.ready.isEmpty && last.timers.isEmpty)
            let (after, steps) = try await harness.execution(record.id.rawValue)
            #expect(after.status == .failed)
            #expect(steps["work"]?.status == .failed)
            #expect(steps["work"]?.attempt == 3)
        }
    }

    @Test func theEngineWaitsForRetryAfter_thenRunsTheNextAttemptWhenTheClockPassesIt() async throws {
        try await withHarness("retry-after") { harness in
            try await harness.apply(workflow("limited", retry: ["max_attempts": 3, "initial_backoff_ms": 10, "max_backoff_ms": 20]))
            let runner = ScriptedRunner(.failed(StepError(.rateLimited, "HTTP 429", retryAfterMs: 5000)), .succeeded("ok"))
            let engine = try await harness.engine(runners: [.exec: runner])
            let id = try await harness.submit(engine, "limited")
            #expect(try await eventually { try await !retryEvents(harness, id).isEmpty })
            let failedAt = harness.clock.now
            // Retry-After is a floor over the (10–20 ms) backoff.
            #expect(try await retryEvents(harness, id).first?.data?["delay_ms"] == .integer(5000))
            #expect(try await harness.store().dueJobs(now: failedAt.adding(milliseconds: 4999)).isEmpty)
            harness.advance(engine, by: 4999)
            #expect(runner.calls.count == 1)
            harness.advance(engine, by: 1)
            #expect(try await harness.finish(engine, id) == .succeeded)
            #expect(runner.calls.map(\.attempt) == [1, 2])
            #expect(runner.calls.last?.now == failedAt.adding(milliseconds: 5000))
            #expect(engine.statistics.retries == 1)
        }
    }

    @Test func theEnginesAttemptTimesFollowFullJitterBackoff() async throws {
        try await withHarness("jitter") { harness in
            try await harness.apply(workflow("flaky", retry: ["max_attempts": 4, "initial_backoff_ms": 1000, "max_backoff_ms": 1500]))
            let failure = StepOutcome.failed(StepError(.serverError, "HTTP 503"))
            let runner = ScriptedRunner(failure, failure, failure, .succeeded("ok"))
            let engine = try await harness.engine(runners: [.exec: runner])
            let id = try await harness.submit(engine, "flaky")
            var delays: [Int64] = []
            for attempt in 1...3 {
                #expect(try await eventually { try await retryEvents(harness, id).count == attempt }, "attempt \(attempt)")
                let delay = try #require(try await retryEvents(harness, id).last?.data?["delay_ms"]?.intValue)
                // Full jitter: uniform in [0, min(cap, initial × 2^(attempt-1))).
                #expect(delay >= 0 && delay < min(1500, 1000 << (attempt - 1)), "attempt \(attempt): \(delay) ms")
                delays.append(Int64(delay))
                harness.advance(engine, by: Int64(delay))
            }
            #expect(try await harness.finish(engine, id) == .succeeded)
            let times = runner.calls.map(\.now.millisecondsSinceEpoch)
            #expect(runner.calls.map(\.attempt) == [1, 2, 3, 4])
            #expect(zip(times.dropFirst(), times).map { $0 - $1 } == delays)
        }
    }

    @Test func aStepThatFailsForGoodIsNotRetried() async throws {
        try await withHarness("for-good") { harness in
            try await harness.apply(workflow("bad", retry: ["max_attempts": 5, "initial_backoff_ms": 0]))
            let runner = ScriptedRunner(.failed(StepError(.clientError, "HTTP 400")))
            let engine = try await harness.engine(runners: [.exec: runner])
            let id = try await harness.submit(engine, "bad")
            #expect(try await harness.finish(engine, id) == .failed)
            #expect(runner.calls.count == 1)
            #expect(try await retryEvents(harness, id).isEmpty)
            #expect(try await harness.execution(id).1["work"]?.error?["kind"] == .string("client_error"))
        }
    }

    // MARK: - Timers

    @Test func aDelayStepFiresWhenTheClockPassesItsTime() async throws {
        try await withHarness("delay") { harness in
            try await harness.apply([
                "workflow": "pause",
                "nodes": ["wait": ["kind": "delay", "config": ["duration_ms": 60_000]], "done": ["kind": "transform", "config": ["output": 1]]],
                "edges": ["wait -> done"],
            ])
            let engine = try await harness.engine()
            let started = harness.clock.now
            let id = try await harness.submit(engine, "pause")
            #expect(try await eventually { try await harness.execution(id).1["wait"]?.status == .waiting })
            #expect(try await harness.store().dueJobs(now: started.adding(milliseconds: 59_999)).isEmpty)
            harness.advance(engine, by: 59_999)
            #expect(try await harness.execution(id).0.status == .waiting)
            harness.advance(engine, by: 1)
            #expect(try await harness.finish(engine, id) == .succeeded)
            let steps = try await harness.execution(id).1
            #expect(steps["wait"]?.output == ["waited_ms": 60_000])
            #expect(steps["wait"]?.finishedAt == started.adding(milliseconds: 60_000))
            #expect(steps["done"]?.status == .succeeded)
        }
    }

    /// Without the test's nudge: the timer loop's own poll (at most a second apart) sees the
    /// injected clock pass the time.
    @Test func aDueTimerFiresOnTheTimerLoopsOwnPoll() async throws {
        try await withHarness("poll") { harness in
            try await harness.apply(["workflow": "pause", "nodes": ["wait": ["kind": "delay", "config": ["duration_ms": 3_600_000]]]])
            let engine = try await harness.engine()
            let id = try await harness.submit(engine, "pause")
            #expect(try await eventually { try await harness.execution(id).1["wait"]?.status == .waiting })
            harness.clock.advance(by: 3_600_000)
            #expect(try await harness.finish(engine, id, timeout: .seconds(10)) == .succeeded)
        }
    }

    // MARK: - Recovery

    @Test func timersLeftByADroppedEngineFireOnTheOneThatTookOver() async throws {
        try await withHarness("recover-timers") { harness in
            try await harness.apply(
                workflow("limited", retry: ["max_attempts": 2, "initial_backoff_ms": 10]),
                ["workflow": "pause", "nodes": ["wait": ["kind": "delay", "config": ["duration_ms": 60_000]]]])
            let failing = ScriptedRunner(.failed(StepError(.rateLimited, "HTTP 429", retryAfterMs: 5000)))
            let first = try await harness.engine(instance: "first", runners: [.exec: failing])
            let start = harness.clock.now
            let retried = try await harness.submit(first, "limited")
            let paused = try await harness.submit(first, "pause")
            #expect(try await eventually { try await harness.execution(retried).1["work"]?.status == .retryWait })
            #expect(try await eventually { try await harness.execution(paused).1["wait"]?.status == .waiting })

            let runner = ScriptedRunner(.succeeded("ok"))
            let second = try await harness.engine(instance: "second", runners: [.exec: runner])
            #expect(second.statistics.recovered == 2)
            harness.advance(second, by: 5000)
            #expect(try await harness.finish(second, retried) == .succeeded)
            #expect(runner.calls.map(\.attempt) == [2])
            #expect(runner.calls.first?.now == start.adding(milliseconds: 5000))
            #expect(try await harness.execution(paused).0.status == .waiting)
            harness.advance(second, by: 55_000)
            #expect(try await harness.finish(second, paused) == .succeeded)
            #expect(try await harness.execution(paused).1["wait"]?.finishedAt == start.adding(milliseconds: 60_000))
            #expect(failing.calls.count == 1)
        }
    }

    @Test func aSecondEngineTakesOverTheJobsOfOneDroppedWithoutStop() async throws {
        try await withHarness("recovery") { harness in
            try await harness.apply(workflow("long"))
            let hung = BlockingRunner(blocked: .succeeded("by the first"))
            let first = try await harness.engine(instance: "first", runners: [.exec: hung])
            let id = try await harness.submit(first, "long")
            #expect(await hung.nextStart())
            #expect(try await eventually { try await harness.execution(id).1["work"]?.status == .running })
            let before = try #require(try await harness.jobs(id).first)

            // The first is never stopped (as if its process died); a second starts on the file.
            let runner = ScriptedRunner(.succeeded("by the second"))
            let second = try await harness.engine(instance: "second", runners: [.exec: runner])
            #expect(second.statistics.recovered == 1)
            #expect(try await harness.finish(second, id) == .succeeded)
            let job = try #require(try await harness.jobs(id).first)
            #expect(job.owner == "second")
            #expect(job.token == before.token + 1)
            let recovered = try await harness.events(id).filter { $0.type == "step.recovered" }
            #expect(recovered.count == 1)
            #expect(recovered.first?.data?["reason"] == .string("agentd stopped unexpectedly while it ran"))

            // What the first still says is fenced out.
            hung.release()
            #expect(await eventually { first.statistics.staleCompletions == 1 })
            let (record, steps) = try await harness.execution(id)
            #expect(record.status == .succeeded)
            #expect(steps["work"]?.output == .string("by the second"))
            #expect(runner.calls.count == 1)
        }
    }

    /// Crash-style, randomized (seed printed; `ENGINE_TESTS_SEED` replays one): chains of
    /// steps run on a first engine whose runner hangs after a random number of calls (its
    /// process died mid-run); a second engine on the same file takes over and finishes every
    /// execution, every step succeeds exactly once, and what the first says late is refused.
    @Test func afterACrashAtARandomPointEveryExecutionFinishes_andEveryStepSucceedsOnce() async throws {
        let seed = testSeed("EngineFlowTests.crash")
        var random = SeededGenerator(seed: seed)
        try await withHarness("crash") { harness in
            for length in 1...4 {
                try await harness.apply(chain("chain\(length)", length: length))
            }
            let plan = (0..<Int.random(in: 3...12, using: &random)).map { _ in Int.random(in: 1...4, using: &random) }
            let total = plan.reduce(0, +)
            let crashing = CrashingRunner(healthy: Int.random(in: 0..<total, using: &random))
            let first = try await harness.engine(instance: "first", settings: settings(workers: 3), runners: [.exec: crashing])
            var ids: [(String, Int)] = []
            for length in plan { ids.append((try await harness.submit(first, "chain\(length)"), length)) }
            #expect(await eventually { crashing.blocked >= 1 }, "seed \(seed)")

            let second = try await harness.engine(instance: "second", runners: [.exec: ScriptedRunner(.succeeded("second"))])
            func succeededOnce() async throws {
                for (id, length) in ids {
                    let succeeded = try await harness.events(id).filter { $0.type == "step.succeeded" }.compactMap(\.node)
                    #expect(succeeded.sorted() == (0..<length).map { "n\($0)" }, "seed \(seed), execution \(id)")
                }
            }
            for (id, _) in ids { #expect(try await harness.finish(second, id) == .succeeded, "seed \(seed), execution \(id)") }
            try await succeededOnce()
            let hung = crashing.blocked
            crashing.release()
            #expect(await eventually { first.statistics.staleCompletions >= hung }, "seed \(seed)")
            try await succeededOnce()
        }
    }

    func chain(_ name: String, length: Int) -> JSONValue {
        var nodes: [String: JSONValue] = [:]
        for index in 0..<length { nodes["n\(index)"] = ["kind": "exec", "config": ["connector": "test", "command": "run"]] }
        return ["workflow": .string(name), "nodes": .object(nodes), "edges": .array((1..<max(1, length)).map { .string("n\($0 - 1) -> n\($0)") })]
    }

    /// `recover` gives a job a new owner and token and drops the dead process's
    /// `lease_expires_at`: kept, `expireLeases` "expired" the new owner's job once that time
    /// passed, the token moved again, and the new owner's completion (of a step that ran faster
    /// than `markRunningAfterMs`, so never renewed the lease) was refused and the step ran twice.
    @Test func aJobTakenOverAtStartDoesNotExpireOnTheDeadProcessesLease() async throws {
        try await withHarness("recover-lease") { harness in
            try await harness.apply(workflow("taken"))
            let dead = harness.store(instance: "first"), alive = harness.store(instance: "second")
            let now = harness.clock.now
            let (_, created, _) = try await dead.create(NewExecution(workflow: "taken", input: [:]), context: harness.context())
            let ticket = try #require(created.ready.first)
            #expect(try await dead.begin(ticket))
            #expect(try await dead.markRunning(ticket, startedAt: now, leaseUntil: now.adding(milliseconds: 1000)))
            let fresh = try #require(try await alive.recover(now: now.adding(milliseconds: 10)).0.ready.first)
            #expect(try await alive.begin(fresh))
            let expired = try await alive.expireLeases(now: now.adding(milliseconds: 1001)).expired
            let accepted = try await alive.complete(fresh, .succeeded("once"), startedAt: now, now: now.adding(milliseconds: 1002), jitter: 0).accepted
            #expect(expired == 0)
            #expect(accepted)
        }
    }

    // MARK: - Secrets

    @Test func aStepsSecretsComeFromTheSecretsClosure_andAreScrubbedFromItsOutput() async throws {
        try await withHarness("secrets") { harness in
            try await harness.apply(["workflow": "secret", "nodes": ["work": [
                "kind": "exec", "config": ["connector": "test", "command": "run", "secrets": ["token": "app/token"]],
            ]]])
            let asked = Mutex<[String]>([])
            let runner = ScriptedRunner(.succeeded("the value is s3cret-value"))
            let engine = try await harness.engine(runners: [.exec: runner], secrets: { _, environment, path, _ in
                asked.withLock { $0.append("\(environment.rawValue)/\(path)") }
                return path == "app/token" ? (Array("s3cret-value".utf8), 7) : nil
            })
            let id = try await harness.submit(engine, "secret")
            #expect(try await harness.finish(engine, id) == .succeeded)
            #expect(asked.withLock { $0 } == ["dev/app/token"])
            let output = try #require(try await harness.execution(id).1["work"]?.output?.stringValue)
            #expect(!output.contains("s3cret-value"), "\(output)")
        }
    }

    @Test func aStepWhoseSecretIsMissingFailsWithoutRunning() async throws {
        try await withHarness("no-secret") { harness in
            try await harness.apply(["workflow": "nosecret", "nodes": ["work": [
                "kind": "exec", "config": ["connector": "test", "command": "run", "secrets": ["token": "app/missing"]],
                "retry": ["max_attempts": 3, "initial_backoff_ms": 0],
            ]]])
            let runner = ScriptedRunner(.succeeded("ran"))
            let engine = try await harness.engine(runners: [.exec: runner], secrets: { _, _, _, _ in nil })
            let id = try await harness.submit(engine, "nosecret")
            #expect(try await harness.finish(engine, id) == .failed)
            #expect(runner.calls.isEmpty)
            #expect(try await harness.execution(id).1["work"]?.error?["kind"] == .string("validation"))
        }
    }
}
