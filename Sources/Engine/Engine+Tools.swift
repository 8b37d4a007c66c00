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
        guard let agent, let runner = runners[agent.kind], ToolSchema.kinds.contains(agent.kind) else {
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
        var invocation = StepInvocation(jobID: step.jobID, jobToken: step.jobToken, execution: step.execution, node: step.node, attempt: step.attempt,
                                        kind: agent.kind, config: config, input: input, now: time,
                                        timeoutMs: min(step.timeoutMs, config["timeout_ms"]?.doubleValue.map(Int.init) ?? settings.defaultStepTimeoutMs),
                                        agent: agent.name)
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
}
