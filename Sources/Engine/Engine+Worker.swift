import Core
import Foundation
import Storage
import Tracing

/// What is known of an execution without reading it: after a worker ran one of its steps (to
/// run the next one its commit made ready: a chain's next step, one branch of a fan-out), or
/// as its start wrote it (for its first steps). Used when the step's templates read only steps
/// in here.
struct CarriedContext: Sendable {
    let execution: ExecutionRecord
    let compiled: CompiledWorkflow
    let steps: [String: StepRunRecord]
    /// The job was marked begun by the commit that made it ready (`complete(beginNext:)`).
    var begun = false

    /// The job's context from what is carried, or nil when it reads a step not in here.
    func context(for ticket: JobTicket) -> (ExecutionRecord, CompiledWorkflow, [String: StepRunRecord])? {
        // A resumption reads its own stored output: only the database has it.
        guard ticket.purpose == .run, execution.id.rawValue == ticket.executionID, let wanted = compiled.reads[ticket.node] else { return nil }
        var steps: [String: StepRunRecord] = [:]
        for node in wanted where node != ticket.node {
            guard let known = self.steps[node] else { return nil }
            steps[node] = known
        }
        steps[ticket.node] = StepRunRecord(node: ticket.node, status: .ready, attempt: ticket.attempt, output: nil, error: nil, startedAt: nil, finishedAt: nil)
        return (execution, compiled, steps)
    }
}

extension Engine {
    /// Runs a job, then, while its commit makes another step of the same execution ready, that
    /// one on this worker with what it already knows: a chain runs without a dispatch and a
    /// read per step.
    func run(_ first: JobTicket, carried: CarriedContext? = nil) async {
        var next: (JobTicket, CarriedContext?)? = (first, carried)
        while let (ticket, carried) = next { next = await runOne(ticket, carried: carried) }
    }

    /// Runs one job to its recorded outcome. Never throws: what cannot be recorded stays open
    /// in the database and is taken over at the next start.
    private func runOne(_ ticket: JobTicket, carried: CarriedContext?) async -> (JobTicket, CarriedContext?)? {
        defer { dispatcher.forget(ticket) }
        let context: (ExecutionRecord, CompiledWorkflow, [String: StepRunRecord])?
        do {
            // A cancel that came meanwhile is seen in memory; anything else the fenced
            // completion refuses.
            if let carried, !wasCancelled(ticket.executionID), let known = carried.context(for: ticket) {
                context = known
            } else {
                context = try await store.jobContext(ticket)
            }
        } catch {
            logger.error("cannot load a job", metadata: ["job": "\(ticket.id)", "error": "\(error)"])
            await giveUp(ticket, because: "the step could not be loaded: \(error)")
            return nil
        }
        guard let (execution, compiled, steps) = context, !execution.status.isTerminal, let step = compiled.steps[ticket.node] else { return nil }
        // Durably in a worker before the step runs: if it kills the process, the next start
        // knows, and after `poison_after` such deaths fails it instead of running it again.
        if ticket.purpose == .run, carried?.begun != true {
            do {
                guard try await store.begin(ticket) else { return nil }
            } catch {
                // Not run unmarked: the job stays open and is taken over at the next start.
                logger.error("cannot mark a job begun", metadata: ["job": "\(ticket.id)", "error": "\(error)"])
                return nil
            }
        }
        dispatcher.started(ticket)
        // The attempt's span; what it calls over HTTP (async-http-client) becomes its children.
        let span = ExecutionTrace.startStep(execution, node: ticket.node, kind: step.kind, attempt: ticket.attempt, purpose: ticket.purpose,
                                            sampleRatio: settings.traceSampleRatio)
        defer { span.end() }
        return await ServiceContext.withValue(span.context) {
            await attempt(ticket, carried: carried, execution: execution, compiled: compiled, steps: steps, step: step, span: span)
        }
    }

    /// The part of `runOne` inside the step's span: runs the step and records its outcome.
    private func attempt(_ ticket: JobTicket, carried: CarriedContext?, execution: ExecutionRecord, compiled: CompiledWorkflow,
                         steps: [String: StepRunRecord], step: CompiledStep, span: any Span) async -> (JobTicket, CarriedContext?)? {
        // An approval nobody decided in time: its request ends by `on_expiry` (no runner runs).
        if ticket.purpose == .expire {
            do {
                handle(try await store.expireApproval(ticket, now: now()))
            } catch {
                logger.error("cannot expire an approval request", metadata: ["execution": "\(ticket.executionID)", "node": "\(ticket.node)",
                                                                           "error": "\(error)"])
            }
            return nil
        }
        let startedAt = now()
        let began = ContinuousClock.now
        var outcome: StepOutcome
        var secrets = StepSecrets.none
        var meter: CallMeter?
        var piiMasked: [String: Int] = [:]
        if ticket.purpose == .resume {
            outcome = .succeeded(steps[ticket.node]?.output ?? .object([:]))
        } else {
            switch await StepSecrets.load(step.secretPaths, for: execution, from: secretSource) {
            case .failure(let error):
                outcome = .failed(error)
            case .success(let loaded):
                secrets = loaded
                switch prepare(step, compiled, execution, steps, ticket: ticket, secrets: loaded, at: startedAt) {
                case .outcome(let early):
                    outcome = early
                case .child(var request):
                    request.traceparent = ExecutionTrace.begin(workflow: request.workflow, trigger: request.trigger, org: execution.orgID)
                    await startChild(ticket, request, execution)
                    return nil
                case .invoke(let invocation):
                    meter = invocation.meter
                    outcome = await invoke(invocation, ticket: ticket, timeoutMs: invocation.timeoutMs)
                    piiMasked = invocation.pii.total
                }
            }
            // Nothing a step used from the vault is stored: not in its output, not in its error.
            outcome = secrets.scrub(outcome)
            // Nor, under a privacy policy, the personal data it blocks or masks.
            let (guarded, masked) = StepPrivacy.stored(outcome, execution.privacy)
            outcome = guarded
            piiMasked = PIICounts.adding(piiMasked, masked)
        }
        record(step.kind, outcome, ContinuousClock.now - began, org: execution.orgID)
        ExecutionTrace.record(outcome, calls: meter?.calls ?? [], on: span)
        // Stopping cuts running steps short: their jobs stay open, and the next start runs them
        // again. Recording "cancelled" here would fail executions on every restart.
        if isStopping {
            // Its model calls were made all the same: they are charged now, not again.
            if let meter, !meter.calls.isEmpty {
                try? await store.recordCalls(meter.calls, job: (ticket.id, ticket.token), execution: ticket.executionID, now: now())
            }
            return nil
        }
        do {
            var effects = try await store.complete(ticket, outcome, startedAt: startedAt, now: now(), jitter: Double.random(in: 0..<1),
                                                   secretsRead: secrets.versions.merging(meter?.secretsRead ?? [:]) { first, _ in first },
                                                   calls: meter?.calls ?? [], releaseReservation: meter?.reserved == true,
                                                   beginNext: !isStopping, piiMasked: piiMasked)
            counters.withLock { counters in
                if !effects.accepted { counters.staleCompletions += 1 }
                switch outcome {
                case .succeeded: counters.stepsSucceeded += 1
                case .failed: if effects.timers.contains(where: { $0.executionID == ticket.executionID && $0.node == ticket.node }) { counters.retries += 1 } else { counters.stepsFailed += 1 }
                default: break
                }
            }
            var next: (JobTicket, CarriedContext?)?
            if effects.accepted, !isStopping, let index = effects.ready.firstIndex(where: { $0.executionID == ticket.executionID }),
               dispatcher.claim(effects.ready[index]) {
                var known = steps
                known[ticket.node] = StepRunRecord(outcome, node: ticket.node, attempt: ticket.attempt)
                var context = CarriedContext(execution: execution, compiled: compiled, steps: known)
                context.begun = effects.begun == effects.ready[index].id
                next = (effects.ready.remove(at: index), context)
            }
            handle(effects)
            return next
        } catch {
            logger.error("cannot record a step's outcome", metadata: ["execution": "\(ticket.executionID)", "node": "\(ticket.node)", "error": "\(error)"])
            await giveUp(ticket, because: "its outcome could not be recorded: \(error)", calls: meter?.calls ?? [])
            return nil
        }
    }

    /// When a job cannot be loaded or its outcome not recorded, fail the step (and so the
    /// execution) in a transaction of its own, rather than leaving the job open to be run again
    /// and again. If even that fails, the job stays open for the next start.
    private func giveUp(_ ticket: JobTicket, because reason: String, calls: [LLMCall] = []) async {
        do {
            handle(try await store.abandon(ticket, error: StepError(.internal, reason), now: now(), calls: calls))
        } catch {
            logger.critical("cannot fail a broken step", metadata: ["execution": "\(ticket.executionID)", "node": "\(ticket.node)", "error": "\(error)"])
        }
    }

    enum Prepared {
        case outcome(StepOutcome)
        case child(NewExecution)
        case invoke(StepInvocation)
    }

    /// Evaluates `when`, renders the input and the config: pure work on what the job loaded.
    func prepare(_ step: CompiledStep, _ compiled: CompiledWorkflow, _ execution: ExecutionRecord, _ steps: [String: StepRunRecord],
                 ticket: JobTicket, secrets: StepSecrets, at time: Instant) -> Prepared {
        let workflowContext = StepContexts.workflow(execution, steps: steps, now: time)
        do {
            if let when = step.when, try !when.evaluateCondition(in: workflowContext) {
                return .outcome(.skipped("its when was false"))
            }
            // A node without an `input` mapping gets the execution's input as its own.
            let input = try step.input?.render(in: workflowContext) ?? execution.input
            // A blocked kind (docs/compliance.md#pii-detection-and-masking) stops it before it runs.
            if let refusal = StepPrivacy.check(input: input, execution.privacy) { return .outcome(.failed(refusal)) }
            let config = try step.config.render(in: StepContexts.step(execution, input: input, now: time, secrets: secrets.resolver,
                                                                      named: secrets.named(step.secretNames)))
            if step.kind == .workflow {
                if let refusal = ChildInput.secretsRefusal(step.secretPaths) { return .outcome(.failed(refusal)) }
                guard execution.depth + 1 <= NewExecution.maximumDepth else {
                    return .outcome(.failed(StepError(.validation, "child workflows nest at most \(NewExecution.maximumDepth) deep")))
                }
                guard let name = config["workflow"]?.stringValue else { return .outcome(.failed(StepError(.validation, "config.workflow is missing"))) }
                return .child(NewExecution(workflow: name, environment: execution.environment, version: try StepKind.workflow.integer("version", in: config),
                                           input: config["input"] ?? input, trigger: "execution",
                                           parent: (execution.id.rawValue, step.node, execution.depth + 1)))
            }
            let timeout = try step.timeoutMs ?? step.kind.integer("timeout_ms", in: config) ?? settings.defaultStepTimeoutMs
            var invocation = StepInvocation(jobID: ticket.id, jobToken: ticket.token, execution: execution, node: step.node,
                                            attempt: max(1, steps[step.node]?.attempt ?? 1), kind: step.kind, config: config, input: input,
                                            now: time, timeoutMs: timeout, agent: compiled.agentNames[step.node])
            invocation.secrets = secrets
            return .invoke(invocation)
        } catch let error as StepError {
            return .outcome(.failed(error))
        } catch {
            return .outcome(.failed(StepError(.validation, "\(error)")))
        }
    }

    /// Runs the step's runner with its timeout, as a task a cancel can stop; shows the step as
    /// running once it has taken a moment.
    func invoke(_ invocation: StepInvocation, ticket: JobTicket, timeoutMs: Int) async -> StepOutcome {
        guard let runner = runner(for: invocation.kind) else {
            return .failed(StepError(.validation, "no runner for \(invocation.kind.rawValue) steps"))
        }
        let task = Task<StepOutcome, Never> {
            await withTaskGroup(of: StepOutcome?.self) { group -> StepOutcome in
                group.addTask { await runner.run(invocation) }
                group.addTask {
                    // A little grace: a runner that honours its own deadline answers first, with
                    // its own classification.
                    try? await Task.sleep(for: .milliseconds(timeoutMs + 100))
                    return Task.isCancelled ? nil : .failed(StepError(.timeout, "the step ran longer than its timeout of \(timeoutMs) ms"))
                }
                var result: StepOutcome = .failed(StepError(.cancelled, "cancelled"))
                while let next = await group.next() {
                    if let next {
                        result = next
                        break
                    }
                }
                group.cancelAll()
                return Task.isCancelled ? .failed(StepError(.cancelled, "the execution was cancelled")) : result
            }
        }
        let attempt = RunningAttempt(job: ticket.id, token: ticket.token)
        running.withLock { $0[ticket.executionID, default: [:]][attempt] = task }
        // why: a cancel (or a stop) that came while the step was being prepared found nothing to stop.
        if isStopping || wasCancelled(ticket.executionID) { task.cancel() }
        // A step that runs a while is shown running and takes a lease, kept alive by heartbeats
        // until its timeout (plus a grace): a step hung past that loses its lease, and the timer
        // gives the job to another worker.
        let marker = Task { [store, settings, notifier, now] in
            try? await Task.sleep(for: .milliseconds(settings.markRunningAfterMs))
            guard !Task.isCancelled else { return }
            if (try? await store.markRunning(ticket, startedAt: invocation.now, leaseUntil: now().adding(milliseconds: Int64(settings.leaseMs)))) == true {
                notifier.notify([ticket.executionID])
            }
            let began = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(max(10, settings.leaseMs / 3)))
                // why checked after the sleep: a heartbeat that wakes past the step's timeout and
                // grace would give a hung step one more lease, and delay its recovery by as much.
                guard !Task.isCancelled, ContinuousClock.now - began < .milliseconds(timeoutMs + 1000),
                      (try? await store.heartbeat(ticket, leaseUntil: now().adding(milliseconds: Int64(settings.leaseMs)))) == true else { return }
            }
        }
        let outcome = await task.value
        marker.cancel()
        running.withLock { all in
            all[ticket.executionID]?[attempt] = nil
            if all[ticket.executionID]?.isEmpty == true { all[ticket.executionID] = nil }
        }
        return outcome
    }

    private func startChild(_ ticket: JobTicket, _ request: NewExecution, _ parent: ExecutionRecord) async {
        // The child runs as whoever started the parent, in the parent's org, and sees what the
        // parent's team sees: the org's workflows and its own team's, not another team's.
        let scope = Scope(orgID: parent.orgID, reach: .org, roles: [.developer], teams: parent.teamID.map { [$0] } ?? [])
        let context = ChangeContext(scope: scope, actor: parent.createdBy, requestID: nil, now: now())
        do {
            handle(try await store.startChild(ticket, request: request, context: context))
        } catch {
            logger.error("cannot start a child execution", metadata: ["execution": "\(ticket.executionID)", "error": "\(error)"])
            await giveUp(ticket, because: "the child execution could not start: \(error)")
        }
    }
}

extension StepRunRecord {
    /// A step as its outcome leaves it in the database (what its successors' templates see).
    init(_ outcome: StepOutcome, node: String, attempt: Int) {
        switch outcome {
        case .succeeded(let output, _):
            self.init(node: node, status: .succeeded, attempt: attempt, output: output, error: nil, startedAt: nil, finishedAt: nil)
        case .skipped:
            self.init(node: node, status: .skipped, attempt: attempt, output: nil, error: nil, startedAt: nil, finishedAt: nil)
        case .failed(let error):
            self.init(node: node, status: .failed, attempt: attempt, output: nil, error: error.json, startedAt: nil, finishedAt: nil)
        case .wait(_, let output):
            self.init(node: node, status: .waiting, attempt: attempt, output: output, error: nil, startedAt: nil, finishedAt: nil)
        case .child, .approval:
            self.init(node: node, status: .waiting, attempt: attempt, output: nil, error: nil, startedAt: nil, finishedAt: nil)
        }
    }
}
