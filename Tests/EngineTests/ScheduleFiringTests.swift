import Core
import Foundation
import GRDB
import Testing
@testable import Engine
@testable import Storage

/// Schedules fired by the store and by the engine's timer, with an injected clock: each slot
/// once, missed slots by the catch-up policy, overlapping runs by the overlap policy.
@Suite struct ScheduleFiringTests {
    static let quick: JSONValue = ["workflow": "quick", "nodes": ["only": ["kind": "transform", "config": ["output": "{{ input }}"]]]]

    func schedule(_ harness: Harness, _ name: String, workflow: String = "quick", _ when: String, catchUp: CatchUpPolicy = .skip,
                  overlap: OverlapPolicy = .allow) async throws -> ScheduleRecord {
        try await ScheduleStore(database: harness.database, audit: harness.audit).create(
            NewSchedule(name: name, workflow: workflow, input: ["from": "schedule"],
                        spec: try ScheduleSpec(when: .recurring(when), catchUp: catchUp, overlap: overlap)),
            context: harness.context())
    }

    func history(_ harness: Harness, _ name: String) async throws -> [ScheduleFireRecord] {
        try await ScheduleStore(database: harness.database, audit: harness.audit).history(name, in: harness.scope, page: PageRequest(limit: 200)).1.items
    }

    func executions(_ harness: Harness) async throws -> [ExecutionRecord] {
        try await harness.store().list(in: harness.scope, filter: ExecutionFilter(), page: PageRequest(limit: 200)).items
    }

    @Test func aSlotFiresOnce_evenWhenTwoProcessesAndARetryAskForIt() async throws {
        try await withHarness("schedule-once") { harness in
            try await harness.apply(Self.quick)
            let tick = try await schedule(harness, "tick", "every 1m")
            let slot = try #require(tick.nextFireAt)
            #expect(slot > harness.clock.now && slot.millisecondsSinceEpoch % 60_000 == 0)
            // Not due yet: nothing.
            #expect(try await harness.store().fireDueSchedules(now: slot.adding(milliseconds: -1)).fired == 0)
            let first = try await harness.store(instance: "a").fireDueSchedules(now: slot.adding(milliseconds: 5))
            let second = try await harness.store(instance: "b").fireDueSchedules(now: slot.adding(milliseconds: 6))
            #expect(first.fired == 1 && second.fired == 0)
            #expect(first.effects.ready.count == 1)
            let runs = try await executions(harness)
            #expect(runs.count == 1)
            #expect(runs.first?.trigger == "schedule")
            #expect(runs.first?.createdBy == "schedule:\(tick.id.rawValue)")
            let fires = try await history(harness, "tick")
            #expect(fires.map(\.plannedAt) == [slot])
            #expect(fires.first?.outcome == .fired && fires.first?.executionID == runs.first?.id.rawValue)
            let moved = try await ScheduleStore(database: harness.database, audit: harness.audit).get("tick", in: harness.scope)
            #expect(moved.nextFireAt == slot.adding(milliseconds: 60_000))
            #expect(moved.lastExecutionID == runs.first?.id.rawValue)
        }
    }

    @Test(arguments: [
        (CatchUpPolicy.skip, 0, 3),
        (.latest, 1, 2),
        (.all(windowMs: 6 * 3_600_000, cap: 10), 3, 0),
        (.all(windowMs: 6 * 3_600_000, cap: 2), 2, 1),
    ])
    func afterDowntimeMissedSlotsFollowTheCatchUpPolicy(_ policy: CatchUpPolicy, _ fired: Int, _ skipped: Int) async throws {
        try await withHarness("schedule-catchup-\(policy.name)") { harness in
            try await harness.apply(Self.quick)
            let hourly = try await schedule(harness, "hourly", "@hourly", catchUp: policy)
            let first = try #require(hourly.nextFireAt)
            // agentd was down for three slots; it starts 30 minutes after the third.
            let now = first.adding(milliseconds: 2 * 3_600_000 + 30 * 60_000)
            let firing = try await harness.store().fireDueSchedules(now: now)
            #expect(firing.fired == fired)
            #expect(firing.missed == skipped)
            let fires = try await history(harness, "hourly")
            #expect(fires.count == 3)
            #expect(fires.filter { $0.outcome == .fired }.count == fired)
            #expect(fires.filter { $0.outcome == .skipped }.allSatisfy { $0.reason != nil })
            #expect(try await executions(harness).count == fired)
            let next = try await ScheduleStore(database: harness.database, audit: harness.audit).get("hourly", in: harness.scope).nextFireAt
            #expect(next == first.adding(milliseconds: 3 * 3_600_000))
        }
    }

    /// A workflow whose step nobody runs here (no engine): its executions stay running.
    static let slow: JSONValue = ["workflow": "slow", "nodes": ["work": ["kind": "exec", "config": ["connector": "test", "command": "run"]]]]

    @Test func overlapSkipRecordsTheSlot_queueOneStartsItWhenThePreviousEnds() async throws {
        try await withHarness("schedule-overlap") { harness in
            try await harness.apply(Self.slow)
            let skipper = try await schedule(harness, "skipper", workflow: "slow", "every 1m", overlap: .skip)
            let queuer = try await schedule(harness, "queuer", workflow: "slow", "every 1m", overlap: .queueOne)
            let slot = try #require(skipper.nextFireAt)
            #expect(queuer.nextFireAt == slot)
            let store = harness.store()
            #expect(try await store.fireDueSchedules(now: slot).fired == 2)
            // Next minute: both previous executions still run.
            let next = slot.adding(milliseconds: 60_000)
            let second = try await store.fireDueSchedules(now: next)
            #expect(second.fired == 0)
            #expect(try await history(harness, "skipper").first?.outcome == .skipped)
            #expect(try await history(harness, "skipper").first?.reason == SkipReason.overlap.rawValue)
            #expect(try await history(harness, "queuer").first?.outcome == .queued)
            // A third slot while one is queued: skipped.
            _ = try await store.fireDueSchedules(now: next.adding(milliseconds: 60_000))
            #expect(try await history(harness, "queuer").map(\.outcome) == [.skipped, .queued, .fired])
            // The running execution ends: the queued slot starts in that transaction.
            let running = try #require(try await ScheduleStore(database: harness.database, audit: harness.audit).get("queuer", in: harness.scope).lastExecutionID)
            let (_, effects) = try await store.cancel(running, context: harness.context())
            #expect(effects.ready.count == 1)
            let queued = try await history(harness, "queuer")[1]
            #expect(queued.outcome == .fired)
            let started = try #require(queued.executionID)
            #expect(try await harness.execution(started).0.status == .running)
        }
    }

    @Test func overlapCancelPreviousCancelsTheRunningExecution() async throws {
        try await withHarness("schedule-cancel") { harness in
            try await harness.apply(Self.slow)
            let canceller = try await schedule(harness, "canceller", workflow: "slow", "every 1m", overlap: .cancelPrevious)
            let slot = try #require(canceller.nextFireAt)
            let store = harness.store()
            _ = try await store.fireDueSchedules(now: slot)
            let first = try #require(try await executions(harness).first)
            let second = try await store.fireDueSchedules(now: slot.adding(milliseconds: 60_000))
            #expect(second.fired == 1)
            #expect(second.effects.cancelRunning == [first.id.rawValue])
            #expect(try await harness.execution(first.id.rawValue).0.status == .cancelled)
            #expect(try await executions(harness).count == 2)
        }
    }

    @Test func aPausedScheduleMissesItsSlots_andResumesByItsPolicy() async throws {
        try await withHarness("schedule-pause") { harness in
            try await harness.apply(Self.quick)
            let schedules = ScheduleStore(database: harness.database, audit: harness.audit)
            let tick = try await schedule(harness, "tick", "every 1m", catchUp: .latest)
            let slot = try #require(tick.nextFireAt)
            #expect(try await schedules.pause("tick", context: harness.context()).status == .paused)
            await #expect(throws: StorageError.self) { _ = try await schedules.pause("tick", context: harness.context()) }
            #expect(try await harness.store().fireDueSchedules(now: slot.adding(milliseconds: 5 * 60_000)).fired == 0)
            #expect(try await schedules.resume("tick", context: harness.context()).status == .active)
            let firing = try await harness.store().fireDueSchedules(now: slot.adding(milliseconds: 5 * 60_000 + 30_000))
            #expect(firing.fired == 1)  // the slot found in time; the five missed ones are skipped
            #expect(firing.missed == 5)
        }
    }

    @Test func theEnginesTimerFiresAScheduleAtItsSlot_andRunsIt() async throws {
        try await withHarness("schedule-engine") { harness in
            try await harness.apply(Self.quick)
            let engine = try await harness.engine()
            let tick = try await schedule(harness, "tick", "every 1m")
            let slot = try #require(tick.nextFireAt)
            engine.wake(by: slot)
            harness.advance(engine, by: slot.millisecondsSinceEpoch - harness.clock.now.millisecondsSinceEpoch)
            #expect(try await eventually { try await executions(harness).count == 1 })
            let id = try #require(try await executions(harness).first?.id.rawValue)
            #expect(try await harness.finish(engine, id) == .succeeded)
            #expect(try await harness.execution(id).0.output == ["only": ["from": "schedule"]])
            #expect(engine.statistics.scheduleFires == 1)
        }
    }

    @Test func aRestartedEngineFiresWhatCameDueWhileItWasDown_withoutWaitingAPollInterval() async throws {
        try await withHarness("schedule-restart") { harness in
            try await harness.apply(Self.quick)
            _ = try await schedule(harness, "tick", "every 1m", catchUp: .latest)
            harness.clock.advance(by: 10 * 60_000)
            // An hour's poll: only the engine's first pass at start can fire the overdue slot in time.
            let engine = try await harness.engine(timerPollMs: 3_600_000)
            // The firing's counters are kept once its page returns, a moment after the commit.
            #expect(try await eventually { try await executions(harness).count == 1 && engine.statistics.scheduleFires == 1 })
            #expect(try await history(harness, "tick").filter { $0.outcome == .skipped }.count == 9)
        }
    }

    @Test func aOneTimeScheduleFiresOnceAndIsDone() async throws {
        try await withHarness("schedule-at") { harness in
            try await harness.apply(Self.quick)
            let at = harness.clock.now.adding(milliseconds: 90_000)
            let once = try await ScheduleStore(database: harness.database, audit: harness.audit).create(
                NewSchedule(name: "once", workflow: "quick", spec: try ScheduleSpec(when: .at(at.rfc3339))), context: harness.context())
            #expect(once.nextFireAt == at)
            #expect(try await harness.store().fireDueSchedules(now: at).fired == 1)
            let done = try await ScheduleStore(database: harness.database, audit: harness.audit).get("once", in: harness.scope)
            #expect(done.status == .done && done.nextFireAt == nil)
            #expect(try await harness.store().fireDueSchedules(now: at.adding(milliseconds: 3_600_000)).fired == 0)
            // A time that has passed is refused at creation.
            await #expect(throws: ValidationError.self) {
                _ = try await ScheduleStore(database: harness.database, audit: harness.audit).create(
                    NewSchedule(name: "late", workflow: "quick", spec: try ScheduleSpec(when: .at(harness.clock.now.adding(milliseconds: -1000).rfc3339))),
                    context: harness.context())
            }
        }
    }
}
