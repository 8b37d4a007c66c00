import Core
import Foundation
import Logging
import Metrics
import Storage
import Synchronization

/// Runs executions (DESIGN §5): a pool of workers takes ready jobs from the dispatcher, runs
/// each step, and records the outcome in one fenced transaction whose effects (jobs made
/// ready, timers, cancellations) are acted on only after it committed. State lives in the
/// database; what is in memory here is rebuilt from it at start (`recover`).
public final class Engine: Sendable {
    public struct Settings: Sendable {
        public var workers: Int
        /// A step without its own timeout gets this one.
        public var defaultStepTimeoutMs: Int
        /// A step that runs longer than this is shown as running (one more commit); faster ones
        /// are recorded once, when they end.
        public var markRunningAfterMs: Int
        public var breaker: CircuitBreaker.Settings
        /// PEM file of the certificate authorities http steps trust (an internal CA); nil: the
        /// system's.
        public var caBundle: String?
        /// How long a running step's lease lasts without a heartbeat (heartbeats come every third
        /// of it, while the step is within its timeout).
        public var leaseMs: Int = 30_000
        /// A schedule slot found later than this after its time is missed (its catch-up policy
        /// decides); one found in time always fires.
        public var scheduleGraceMs: Int64 = 60_000
        /// The longest the timer sleeps when it knows of nothing due sooner. It sleeps until the
        /// earliest instant it knows (a timer, a schedule's slot, a deadline, a lease's end) and is
        /// woken when an earlier one appears; this bounds what no wake-up announces (a lease taken
        /// while it slept, another process's rows on a shared database).
        public var timerPollMs: Int64 = 10_000
        /// The share of executions traced when nothing upstream decided (`[tracing] sample_ratio`);
        /// used for executions whose trace is derived from their id.
        public var traceSampleRatio = 1.0
        /// Where http steps and model servers may be reached (`[egress]`).
        public var egress = EgressSettings()
        /// A job that was running each of the last this-many times the process died is failed
        /// as `poisoned` at the next start instead of run again (`[engine] poison_after`).
        public var poisonAfter: Int = 3

        public init(workers: Int = 32, defaultStepTimeoutMs: Int = 300_000, markRunningAfterMs: Int = 50,
                    breaker: CircuitBreaker.Settings = .init(), caBundle: String? = nil, poisonAfter: Int = 3,
                    scheduleGraceMs: Int64 = 60_000) {
            self.scheduleGraceMs = scheduleGraceMs
            self.caBundle = caBundle
            self.poisonAfter = poisonAfter
            self.workers = workers
            self.defaultStepTimeoutMs = defaultStepTimeoutMs
            self.markRunningAfterMs = markRunningAfterMs
            self.breaker = breaker
        }
    }

    public let store: ExecutionStore
    public let breakers: CircuitBreakers
    public let notifier = ExecutionNotifier()
    private let fireLateness = Mutex<[Int64]>([])
    let dispatcher = Dispatcher()
    /// The latest step attempts' durations per org (`agentctl top`).
    let stepTimes = StepTimes()
    let settings: Settings
    let now: @Sendable () -> Instant
    let logger: Logger
    /// Every outbound call goes through it, past the egress policy.
    let http: OutboundHTTP
    /// The egress policy's state: the daemon adds its TCP listener once bound.
    public var egress: EgressGuard { http.egress }
    let runners: [StepKind: any StepRunner]
    /// Made after the rest: it runs tools through the engine.
    let llm = Mutex<LLMRunner?>(nil)

    func runner(for kind: StepKind) -> (any StepRunner)? {
        if kind == .llm, runners[.llm] == nil { return llm.withLock { $0 } }
        return runners[kind]
    }
    let secretSource: StepSecrets.Source?
    let metrics: (any MetricsFactory)?
    /// Kept handles of the metrics recorded per step and per execution.
    let handles: MetricHandles?
    /// Steps running now, by execution and by job and lease token: what a cancel stops. The
    /// token is part of the key because after a lease expires the same job runs again beside the
    /// hung attempt; each attempt's clean-up must drop its own entry only.
    let running = Mutex<[String: [RunningAttempt: Task<StepOutcome, Never>]]>([:])

    struct RunningAttempt: Hashable {
        let job: Int64
        let token: Int
    }
    private let tasks = Mutex<[Task<Void, Never>]>([])
    /// The timer loop's current sleep: cancelled to wake it early for an earlier timer.
    private let sleeper = Mutex<Task<Void, Never>?>(nil)
    private let earliestTimer = Mutex<Int64?>(nil)
    private let stopped = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    /// Executions recently ended with steps running: a step that registers late is stopped too.
    private let cancelled = Mutex<(set: Set<String>, order: [String])>(([], []))

    var isStopping: Bool { stopped.load(ordering: .relaxed) }
    /// True once `start` has taken over what an earlier process left open (`/readyz`).
    public var hasStarted: Bool { started.load(ordering: .relaxed) }

    func wasCancelled(_ execution: String) -> Bool { cancelled.withLock { $0.set.contains(execution) } }
    let counters = Mutex<Counters>(Counters())

    public struct Counters: Sendable {
        public var stepsSucceeded = 0
        public var stepsFailed = 0
        public var retries = 0
        public var staleCompletions = 0
        public var recovered = 0
        public var leaseExpiries = 0
        /// Schedule slots that started an execution.
        public var scheduleFires = 0
        /// Schedule slots missed (downtime, pause, overlap) and not fired.
        public var scheduleSlotsMissed = 0
    }

    /// `secrets` reads the current value and version of a vault path for a step of a team's (or
    /// the org's) execution (nil: no such secret, or another team's). `runners` are what steps
    /// run with (`StepRunnerSet.standard` unless a test or a bench swaps one).
    public init(store: ExecutionStore, settings: Settings = .init(), now: @escaping @Sendable () -> Instant, logger: Logger,
                secrets: (@Sendable (_ org: OrgID, _ environment: DeployEnvironment, _ path: String, _ team: TeamID?) async throws
                    -> (value: [UInt8], version: Int)?)? = nil,
                metrics: (any MetricsFactory)? = nil, runners parts: StepRunnerSet) {
        self.store = store
        self.metrics = metrics
        handles = metrics.map(MetricHandles.init(factory:))
        self.secretSource = secrets
        self.settings = settings
        self.now = now
        self.logger = logger
        self.breakers = parts.breakers
        self.http = parts.http
        self.runners = parts.runners
        let notifier = self.notifier
        let streamed: StreamRelay.Send = { step, iteration, text in
            // Best effort: a streamed piece that cannot be stored is still in the step's output.
            if (try? await store.appendEvent(execution: step.execution.id.rawValue, type: .llmDelta, node: step.node, attempt: step.attempt,
                                             data: ["text": .string(text), "iteration": .integer(iteration)], now: now())) != nil {
                notifier.notify([step.execution.id.rawValue])
            }
        }
        // The llm runner calls back into the engine to run tools (with the runners above).
        // Each model call's tokens and cost, as it is metered (calls a checkpoint records early included).
        let handles = self.handles
        let counted: @Sendable (LLMCall) -> Void = { call in
            guard let handles else { return }
            handles.counter(MetricCatalog.llmTokens, [("kind", "prompt")]).increment(by: call.usage.promptTokens)
            handles.counter(MetricCatalog.llmTokens, [("kind", "completion")]).increment(by: call.usage.completionTokens)
            FloatingPointCounter(label: MetricCatalog.llmCost.name, dimensions: [], factory: handles.factory).increment(by: Double(call.costMicros) / 1_000_000)
            handles.counter(MetricCatalog.llmCalls, [("result", call.succeeded ? "succeeded" : "failed")]).increment()
        }
        llm.withLock { $0 = LLMRunner(client: ChatClient(http: parts.http), breakers: parts.breakers, models: store.models, environments: store.environments, ledger: store.ledger,
                                       secrets: secrets, stream: streamed, now: now, tools: llmTools, counted: counted) }
    }

    /// An engine with the standard runners (`StepRunnerSet.standard`), and `extraRunners` in
    /// place of those of their kinds.
    public convenience init(store: ExecutionStore, settings: Settings = .init(), now: @escaping @Sendable () -> Instant, logger: Logger,
                            secrets: (@Sendable (_ org: OrgID, _ environment: DeployEnvironment, _ path: String, _ team: TeamID?) async throws
                                -> (value: [UInt8], version: Int)?)? = nil,
                            metrics: (any MetricsFactory)? = nil, extraRunners: [StepKind: any StepRunner] = [:]) {
        let parts = StepRunnerSet.standard(settings: settings, now: now, orgName: { [store] org in try await store.orgName(org) },
                                           environmentEgress: { [store] org, environment in
                                               try await store.environments.settings(org: org, environment: environment).egress
                                           })
        self.init(store: store, settings: settings, now: now, logger: logger, secrets: secrets, metrics: metrics,
                  runners: parts.adding(extraRunners))
    }

    // MARK: - Life cycle

    /// Takes over what an earlier process left open, then starts the workers and the timer.
    public func start() async throws {
        let (effects, recovered, poisoned) = try await store.recover(now: now(), poisonAfter: settings.poisonAfter)
        counters.withLock { $0.recovered += recovered }
        if recovered > 0 { logger.info("recovered unfinished jobs", metadata: ["jobs": "\(recovered)"]) }
        for ticket in poisoned {
            logger.error("a step was running each time agentd died; it is failed as poisoned, not run again",
                         metadata: ["execution": "\(ticket.executionID)", "node": "\(ticket.node)", "attempt": "\(ticket.attempt)",
                                    "poison_after": "\(settings.poisonAfter)"])
        }
        var loops: [Task<Void, Never>] = []
        for _ in 0..<max(1, settings.workers) {
            loops.append(Task { [self] in
                while let (ticket, carried) = await dispatcher.next() { await run(ticket, carried: carried) }
            })
        }
        // why: the first pass runs at once; what came due while agentd was down (overdue
        // schedules, deadlines, leases) must not wait a whole poll interval after a restart.
        earliestTimer.withLock { $0 = now().millisecondsSinceEpoch }
        loops.append(Task { [self] in await timerLoop() })
        tasks.withLock { $0 += loops }
        handle(effects)
        started.store(true, ordering: .relaxed)
    }

    /// Stops taking jobs and cancels running steps; their jobs stay open in the database and
    /// are taken over at the next start.
    public func stop() async {
        dispatcher.close()
        stopped.store(true, ordering: .relaxed)
        sleeper.withLock { $0 }?.cancel()
        let steps = running.withLock { all in all.values.flatMap(\.values) }
        for step in steps { step.cancel() }
        for task in tasks.withLock({ $0 }) { await task.value }
        // No worker runs now: what the stop cut short did not crash the process.
        do { try await store.clearWorkerMarks() } catch {
            logger.warning("cannot clear the marks of steps cut short by the stop; the next start counts them as crashes",
                           metadata: ["error": "\(error)"])
        }
        try? await http.shutdown()
    }

    public var queueDepth: Int { dispatcher.depth }

    /// Counts since start, for the metrics and status.
    public var statistics: Counters { counters.withLock { $0 } }

    /// Records a finished attempt: duration by kind and outcome (`MetricCatalog.stepDuration`).
    func record(_ kind: StepKind, _ outcome: StepOutcome, _ duration: Duration, org: OrgID) {
        stepTimes.record(org: org, at: now(), micros: duration.inMicroseconds)
        guard let handles else { return }
        let result = switch outcome {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .skipped: "skipped"
        case .wait, .child, .approval: "waiting"
        }
        handles.timer(MetricCatalog.stepDuration, [("kind", kind.rawValue), ("outcome", result)]).recordNanoseconds(duration.inNanoseconds)
    }

    /// Commit → step start of the jobs dispatched since the last call.
    public func takeDispatchLatencies() -> [Duration] { dispatcher.takeLatencies() }

    /// Step attempts of `org` (nil: all) that ended since `since`: count, p50 and p95 in µs.
    public func stepTimes(org: OrgID?, since: Instant) -> (count: Int, p50: Int64?, p95: Int64?) { stepTimes.summary(org: org, since: since) }

    /// Planned instant → execution committed, in milliseconds, for each schedule slot fired
    /// since the last call (at most 100,000 kept): what the triggers bench reports.
    public func takeScheduleLateness() -> [Int64] { fireLateness.withLock { samples in defer { samples = [] }; return samples } }

    // MARK: - Requests

    public func submit(_ request: NewExecution, context: ChangeContext) async throws -> (ExecutionRecord, created: Bool) {
        var request = request
        if request.traceparent == nil {
            request.traceparent = ExecutionTrace.begin(workflow: request.workflow, trigger: request.trigger, org: context.scope.orgID)
        }
        let (record, effects, created) = try await store.create(request, context: context)
        handle(effects)
        // The timer sleeps until what it knows; this execution's deadline may come sooner.
        if created, let timeoutMs = request.timeoutMs { wake(by: now().adding(milliseconds: Int64(timeoutMs))) }
        return (record, created)
    }

    public func retry(_ reference: String, context: ChangeContext) async throws -> ExecutionRecord {
        let (record, effects) = try await store.retry(reference, traceparent: ExecutionTrace.begin(workflow: reference, trigger: "retry", org: context.scope.orgID),
                                                      context: context)
        handle(effects)
        return record
    }

    public func cancel(_ reference: String, context: ChangeContext) async throws -> ExecutionRecord {
        let (record, effects) = try await store.cancel(reference, context: context)
        handle(effects)
        return record
    }

    // MARK: - After a commit

    /// Queues the steps of executions a transaction outside the engine started (a webhook
    /// delivery's), as `submit` does for its own.
    public func accept(_ effects: ExecutionEffects) { handle(effects) }

    func handle(_ effects: ExecutionEffects) {
        if !effects.ready.isEmpty {
            // A new execution's first steps start from the record its transaction wrote.
            var carried: [Int64: Dispatcher.Carried] = [:]
            func carry(_ started: StartedExecution) {
                var context = CarriedContext(execution: started.record, compiled: started.compiled, steps: [:])
                for ticket in effects.ready where ticket.executionID == started.record.id.rawValue {
                    // A job the transaction marked begun (a decision's next step) needs no mark of its own.
                    context.begun = ticket.id == effects.begun
                    carried[ticket.id] = (context, started.inputBytes + 2048)
                }
            }
            for started in effects.started { carry(started) }
            for resumed in effects.resumed { carry(resumed) }
            dispatcher.enqueue(effects.ready, carried: carried)
        }
        if !effects.finished.isEmpty { dispatcher.dropCarried(effects.finished) }
        if let first = effects.timers.map(\.readyAt).min() {
            let wake = earliestTimer.withLock { earliest -> Bool in
                guard earliest == nil || first < earliest! else { return false }
                earliest = first
                return true
            }
            if wake { sleeper.withLock { $0 }?.cancel() }
        }
        for execution in Set(effects.cancelRunning) {
            cancelled.withLock { recent in
                if recent.set.insert(execution).inserted { recent.order.append(execution) }
                if recent.order.count > 10_000 { recent.set.remove(recent.order.removeFirst()) }
            }
            let steps = running.withLock { $0[execution].map { Array($0.values) } ?? [] }
            for step in steps { step.cancel() }
        }
        if !effects.changed.isEmpty { notifier.notify(effects.changed) }
        if let handles {
            for (kind, count) in effects.piiMasked {
                handles.counter(MetricCatalog.piiMasked, [("kind", PIICounts.metricLabel(kind))]).increment(by: count)
            }
        }
        for ended in effects.ended {
            logger.info("execution ended", metadata: ["execution": "\(ended.id)", "org": "\(ended.org)", "workflow": "\(ended.workflow)",
                                                      "status": "\(ended.status.rawValue)"])
            if let handles {
                handles.counter(MetricCatalog.executionsFinished, [("status", ended.status.rawValue), ("workflow_id", ended.workflowID)]).increment()
                handles.timer(MetricCatalog.executionDuration, [("status", ended.status.rawValue)]).recordMilliseconds(ended.durationMs)
            }
        }
    }

    // MARK: - Timers

    /// Wakes the timer by `instant` (a schedule created or resumed with an earlier slot than
    /// any it knows); it would otherwise notice within `timerPollMs`.
    public func wake(by instant: Instant) {
        let at = instant.millisecondsSinceEpoch
        let earlier = earliestTimer.withLock { earliest -> Bool in
            guard earliest == nil || at < earliest! else { return false }
            earliest = at
            return true
        }
        if earlier { sleeper.withLock { $0 }?.cancel() }
    }

    /// Fires the schedules due now, each slot once (`ExecutionStore+Schedules`), a page of a
    /// thousand at a time until a page is not full (after a long outage ten thousand may be due;
    /// at most 50 pages a pass, so that one that keeps failing cannot hold the timer).
    private func fireSchedules() async throws {
        var pages = 0
        var firing: ScheduleFiring
        repeat {
            firing = try await store.fireDueSchedules(now: now(), graceMs: settings.scheduleGraceMs, limit: 1000)
            pages += 1
            record(firing)
        } while firing.considered == 1000 && pages < 50
    }

    private func record(_ firing: ScheduleFiring) {
        // How late each fired slot's execution was committed (the page has returned).
        let committed = now().millisecondsSinceEpoch
        fireLateness.withLock { samples in
            if samples.count < 100_000 { samples += firing.firedSlots.map { committed - $0.millisecondsSinceEpoch } }
        }
        handle(firing.effects)
        counters.withLock {
            $0.scheduleFires += firing.fired
            $0.scheduleSlotsMissed += firing.missed
        }
        if firing.missed > 0 { logger.info("schedule slots missed", metadata: ["slots": "\(firing.missed)"]) }
        for (schedule, reason) in firing.failed {
            logger.warning("a schedule's execution could not start", metadata: ["schedule": "\(schedule)", "error": "\(reason)"])
        }
    }

    /// Sleeps until the earliest known instant (or `timerPollMs`), then queues due jobs, fires
    /// due schedules, fails executions past their deadline, expires change requests nobody
    /// decided in time and frees expired leases. An earlier
    /// instant wakes it (`handle`, `wake(by:)`).
    private func timerLoop() async {
        while !stopped.load(ordering: .relaxed) {
            let planned = earliestTimer.withLock { $0 }
            let waitMs = max(0, min(settings.timerPollMs, (planned ?? Int64.max) - now().millisecondsSinceEpoch))
            if waitMs > 0 {
                let sleep = Task<Void, Never> { _ = try? await Task.sleep(for: .milliseconds(waitMs)) }
                sleeper.withLock { $0 = sleep }
                // why: a timer set between reading `planned` and publishing the sleep would be missed.
                if let latest = earliestTimer.withLock({ $0 }), latest < (planned ?? Int64.max) { sleep.cancel() }
                await sleep.value
            }
            if stopped.load(ordering: .relaxed) { return }
            earliestTimer.withLock { $0 = nil }
            do {
                // why: what falls due while this pass runs (a schedule's slot a millisecond after
                // fireSchedules looked) must wake the next pass at once, not a poll later; what was
                // already due when the pass began was handled by it (or is left, like a failing
                // schedule) and must not make the timer spin.
                let passStart = now().millisecondsSinceEpoch
                dispatcher.enqueue(try await store.dueJobs(now: now()))
                try await fireSchedules()
                let expiredChanges = try await store.changes.expireDue(now: now())
                if expiredChanges > 0 { logger.info("change requests expired undecided", metadata: ["requests": "\(expiredChanges)"]) }
                let upcoming = [try await store.nextDue(), try await store.nextScheduleDue(), try await store.nextDeadline(), try await store.nextLeaseEnd(),
                                try await store.changes.nextExpiry()]
                for next in upcoming.compactMap({ $0 }) where next > passStart {
                    earliestTimer.withLock { earliest in if earliest == nil || next < earliest! { earliest = next } }
                }
                handle(try await store.expireDeadlines(now: now()))
                let (expired, count) = try await store.expireLeases(now: now())
                if count > 0 {
                    counters.withLock { $0.leaseExpiries += count }
                    logger.warning("steps whose lease expired go back to ready", metadata: ["jobs": "\(count)"])
                }
                handle(expired)
            } catch {
                logger.error("timer poll failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
