import Core
import Foundation
import Storage

extension Engine {
    /// Largest tool result handed back to a model, in bytes of JSON.
    static let maximumToolResultBytes = 16 * 1024

    var llmTools: LLMTools {
        LLMTools(
            agents: { [store] names, execution in try await store.toolAgents(names, for: execution) },
            run: { [unowned self] step, agent, call, iteration in await runTool(step, agent, call, iteration: iteration) },
            load: { [store] step in try await store.checkpoint(execution: step.execution.id.rawValue, node: step.node, attempt: step.attempt) },
            save: { [store, notifier, now] step, conversation, calls, event in
                let saved = try await store.checkpoint((step.jobID, step.jobToken), execution: step.execution, node: step.node, attempt: step.attempt,
                                                       iteration: conversation.iteration, state: conversation.state, calls: calls,
                                                       event: (event.0, event.1), now: now())
                if saved { notifier.notify([step.execution.id.rawValue]) }
                return saved
            })
    }

    /// Runs an agent a model asked for, inline, as its own kind would run as a step: the
    /// call's arguments are its input, its secrets are loaded and scrubbed from what goes back
    /// to the model. A failure goes back to the model as `{"error": …}` for it to deal with.
    func runTool(_ step: StepInvocation, _ agent: AgentDefinition?, _ call: ToolCall, iteration: Int) async -> (String, Bool) {
        func failure(_ message: String) -> (String, Bool) { (JSONValue.object(["error": .string(message)]).canonicalText, false) }
        // A workflow agent has no runner: its workflow runs as an execution (runWorkflowTool).
        guard let agent, ToolSchema.kinds.contains(agent.kind), agent.kind == .workflow || runners[agent.kind] != nil else {
            return failure("there is no tool named \(call.name)")
        }
        guard let input = try? JSONDecoder().decode(JSONValue.self, from: Data(call.arguments.utf8)), case .object = input else {
            return failure("the arguments are not a JSON object")
        }
        let compiled: TemplateValue
        do { compiled = try TemplateValue.compile(agent.config) } catch { return failure("the tool's config does not parse") }
        var paths = compiled.secretPaths
        var names: [String: String] = [:]
        for (name, path) in agent.config["secrets"]?.objectValue ?? [:] {
            if let path = path.stringValue {
                names[name] = path
                paths.insert(path)
            }
        }
        // The same refusal as a `workflow` step's: the child's input is stored, secrets must
        // not be in it. Made before any secret is read or anything rendered.
        if agent.kind == .workflow, let refusal = ChildInput.secretsRefusal(paths) { return failure(refusal.message) }
        let secrets: StepSecrets
        switch await StepSecrets.load(paths, for: step.execution, from: secretSource) {
        case .failure(let error): return failure(error.message)
        case .success(let loaded): secrets = loaded
        }
        for (path, version) in secrets.versions { step.meter.readSecret(path, version: version) }
        let time = now()
        let config: JSONValue
        do {
            config = try compiled.render(in: StepContexts.step(step.execution, input: input, now: time, secrets: secrets.resolver, named: secrets.named(names)))
        } catch {
            return failure("the tool's config could not be rendered: \(error)")
        }
        if agent.kind == .workflow {
            return await runWorkflowTool(step, agent: agent, config: config, input: input, call: call, iteration: iteration)
        }
        guard let runner = runners[agent.kind] else { return failure("there is no tool named \(call.name)") }
        let timeoutMs: Int
        do { timeoutMs = min(step.timeoutMs, try agent.kind.integer("timeout_ms", in: config) ?? settings.defaultStepTimeoutMs) } catch {
            return failure(error.message)
        }
        var invocation = StepInvocation(jobID: step.jobID, jobToken: step.jobToken, execution: step.execution, node: step.node, attempt: step.attempt,
                                        kind: agent.kind, config: config, input: input, now: time, timeoutMs: timeoutMs, agent: agent.name)
        invocation.keySuffix = "/\(iteration)/\(call.id)"
        switch secrets.scrub(await runner.run(invocation)) {
        case .succeeded(let output, _):
            let text = output.canonicalText
            guard text.utf8.count <= Self.maximumToolResultBytes else {
                return failure("the tool's result is \(text.utf8.count) bytes; at most \(Self.maximumToolResultBytes) go back to the model")
            }
            return (text, true)
        case .failed(let error):
            return failure(error.description)
        default:
            return failure("the tool did not finish")
        }
    }

    /// A workflow agent as a tool: its workflow runs as an execution of its own (in the calling
    /// execution's org, team and environment, one level deeper), and the step waits for it,
    /// within its own timeout. The execution is made under an idempotency key of the call, so a
    /// step taken over after a crash finds the one it started instead of starting another.
    private func runWorkflowTool(_ step: StepInvocation, agent: AgentDefinition, config: JSONValue, input: JSONValue, call: ToolCall,
                                 iteration: Int) async -> (String, Bool) {
        func failure(_ message: String) -> (String, Bool) { (JSONValue.object(["error": .string(message)]).canonicalText, false) }
        let parent = step.execution
        guard parent.depth + 1 <= NewExecution.maximumDepth else {
            return failure("workflows called as tools nest at most \(NewExecution.maximumDepth) deep")
        }
        guard let workflow = config["workflow"]?.stringValue else { return failure("the tool's config names no workflow") }
        let version: Int?
        do { version = try StepKind.workflow.integer("version", in: config) } catch { return failure(error.message) }
        let scope = Scope(orgID: parent.orgID, reach: .org, roles: [.developer], teams: parent.teamID.map { [$0] } ?? [])
        let context = ChangeContext(scope: scope, actor: parent.createdBy, requestID: nil, now: now())
        var request = NewExecution(workflow: workflow, environment: parent.environment, version: version,
                                   input: config["input"] ?? input, idempotencyKey: "tool:\(step.idempotencyKey)/\(iteration)/\(call.id)",
                                   requestHash: ContentHash.of(config["input"] ?? input), trigger: "tool")
        request.depth = parent.depth + 1
        let id: String
        do {
            id = try await submit(request, context: context).0.id.rawValue
        } catch {
            return failure("workflow \(workflow) could not start: \(error)")
        }
        func result(_ record: ExecutionRecord) -> (String, Bool) {
            let result: JSONValue = ["execution_id": .string(id), "status": .string(record.status.rawValue),
                                     "output": record.output ?? .null, "error": record.error ?? .null]
            let text = step.secrets.scrub(result).canonicalText
            guard text.utf8.count <= Self.maximumToolResultBytes else {
                return failure("execution \(id)'s result is \(text.utf8.count) bytes; at most \(Self.maximumToolResultBytes) go back to the model")
            }
            return (text, record.status == .succeeded)
        }
        notifier.watch(id)
        defer { notifier.unwatch(id) }
        let deadline = ContinuousClock.now + .milliseconds(step.timeoutMs)
        while ContinuousClock.now < deadline, !Task.isCancelled {
            let generation = notifier.generation(of: id)
            guard let (record, _) = try? await store.execution(id, in: scope) else { return failure("execution \(id) could not be read") }
            if record.status.isTerminal { return result(record) }
            _ = await notifier.wait(for: id, after: generation, timeout: .seconds(1))
        }
        // Stopping: the execution runs on, and after the restart the step goes on from its
        // checkpoint and finds it again under the call's idempotency key (the runner saves
        // nothing of a cancelled round).
        if isStopping { return failure("agentd is stopping") }
        // The caller gave up on it (its execution was cancelled, or the step timed out): so
        // does agentd, or it would run on with nobody to read its result.
        let stopper = ChangeContext(scope: scope, actor: "execution:\(parent.id.rawValue)", requestID: nil, now: now())
        do {
            _ = try await cancel(id, context: stopper)
        } catch ExecutionError.alreadyFinished {
            // It ended meanwhile: its result stands.
            if let (record, _) = try? await store.execution(id, in: scope) { return result(record) }
        } catch {
            logger.warning("cannot cancel a workflow run as a tool", metadata: ["execution": "\(id)", "caller": "\(parent.id.rawValue)", "error": "\(error)"])
        }
        if Task.isCancelled { return failure("the step was cancelled; execution \(id) of \(workflow) was cancelled with it") }
        return failure("execution \(id) of \(workflow) did not end within the step's timeout; it was cancelled")
    }
}
