import AsyncHTTPClient
import Core
import Foundation
import Storage

/// `llm`: a chat completion against one of the org's registered model endpoints (DESIGN §6).
/// Before each call the step's possible cost is reserved against its budgets; every call's
/// tokens and cost go to the step's meter, recorded with its outcome. JSON answers are checked
/// (against `response_schema` when given) with one repair turn.
struct LLMRunner: StepRunner {
    let client: ChatClient
    let breakers: CircuitBreakers
    let models: ModelStore
    /// Environments' settings: an environment may map the model a step names to another.
    let environments: EnvironmentStore
    let ledger: CostLedger
    let secrets: StepSecrets.Source?
    /// Streamed text, to the execution's event stream.
    let stream: StreamRelay.Send
    let now: @Sendable () -> Instant

    /// How many times a step asks the model to fix an answer that is not the JSON it wants.
    static let repairTurns = 1
    /// Model calls a tool-calling step may make when it names no max_tool_iterations.
    static let defaultToolIterations = 5

    /// Adds a call to the step's meter and counts it.
    func meter(_ step: StepInvocation, _ call: LLMCall) {
        step.meter.add(call)
        counted(call)
    }
    let tools: LLMTools
    /// Each call as it is metered, for the llm metrics.
    let counted: @Sendable (LLMCall) -> Void

    func run(_ step: StepInvocation) async -> StepOutcome {
        // The step's vault values and the model's API key never reach its outcome: a server
        // may echo either (an error body quoting the bearer token, an answer repeating a prompt).
        var scrubbing = step.secrets
        let outcome = await converse(step, scrubbing: &scrubbing)
        return scrubbing.scrub(outcome)
    }

    private func converse(_ step: StepInvocation, scrubbing: inout StepSecrets) async -> StepOutcome {
        let execution = step.execution
        guard let asked = step.config["model"]?.stringValue else { return .failed(StepError(.validation, "config.model is missing")) }
        let model: ModelRecord
        let name: String
        do {
            name = try await environments.settings(org: execution.orgID, environment: execution.environment).model(for: asked)
            guard let found = try await models.lookup(org: execution.orgID, name: name) else {
                let mapped = name == asked ? "" : " (environment \(execution.environment.rawValue) maps \(asked) to it)"
                return .failed(StepError(.validation, "no model named \(name) in this org\(mapped); register it with "
                                         + "`agentctl models add \(name) --base-url URL --model SERVER_MODEL`"))
            }
            model = found
        } catch {
            return .failed(StepError(.internal, "the model \(asked) could not be read: \(error)"))
        }
        let apiKey: String?
        switch await Self.apiKey(model.spec, org: execution.orgID, environment: execution.environment, team: execution.teamID, from: secrets) {
        case .success(let key):
            apiKey = key?.key
            if let key, let path = model.spec.apiKeySecret { scrubbing = scrubbing.adding(path, value: key.key) }
            if let key, let path = model.spec.apiKeySecret { step.meter.readSecret(path, version: key.version) }
        case .failure(let error): return .failed(error)
        }
        // Tools: agents, each described to the model with the arguments its config reads.
        let toolNames = step.config["tools"]?.arrayValue?.compactMap(\.stringValue) ?? []
        // No fallback model exists to hand the step to: a step that needs tools from a server
        // that does not call them is refused before anything is sent.
        if !toolNames.isEmpty, !model.capabilities.toolCalling {
            return .failed(StepError(.modelToolsUnsupported, "the step declares tools (\(toolNames.joined(separator: ", "))) but the server of model "
                                     + "\(name) does not call tools (\(Self.source(model))); use a model whose server does, or, if this one does now, "
                                     + "`agentctl models test \(name)` or `agentctl models update \(name) --tools yes`"))
        }
        var toolAgents: [String: AgentDefinition] = [:]
        var specs: [ChatRequest.ToolSpec] = []
        if !toolNames.isEmpty {
            do { toolAgents = try await tools.agents(toolNames, execution) } catch {
                return .failed(StepError(.internal, "the step's tools could not be read: \(error)"))
            }
            for name in toolNames {
                guard let agent = toolAgents[name] else {
                    return .failed(StepError(.validation, "tool \(name) is not an agent this execution may use; apply one, or publish it for other teams"))
                }
                guard ToolSchema.kinds.contains(agent.kind), ToolSchema.isValidName(name) else {
                    return .failed(StepError(.validation, "tool \(name) is a \(agent.kind.rawValue) agent; tools are http, transform or workflow agents"))
                }
                guard let compiled = try? TemplateValue.compile(agent.config) else {
                    return .failed(StepError(.validation, "tool \(name)'s config has a template that does not parse"))
                }
                // A workflow agent without an input mapping passes the arguments on as the
                // workflow's input: any object.
                let parameters: JSONValue = agent.kind == .workflow && agent.config["input"] == nil
                    ? ["type": "object", "description": .string("The input of workflow \(agent.config["workflow"]?.stringValue ?? name).")]
                    : ToolSchema.parameters(for: compiled)
                specs.append(ChatRequest.ToolSpec(name: name, description: agent.description ?? "The \(agent.kind.rawValue) agent \(name).",
                                                  parameters: parameters))
            }
        }
        let maxIterations: Int
        do {
            maxIterations = try StepKind.llm.integer("max_tool_iterations", in: step.config) ?? Self.defaultToolIterations
            // Read here for its error; ChatRequest reads it again (and would only drop a bad one).
            _ = try StepKind.llm.integer("max_tokens", in: step.config)
        } catch {
            return .failed(error)
        }
        var chat = ChatRequest(config: step.config, model: model.spec.model, tools: specs, dialect: model.capabilities.structuredOutput)
        guard !chat.messages.isEmpty else { return .failed(StepError(.validation, "the step has no prompt or messages")) }
        // A step taken over after a crash goes on from its last checkpoint.
        var conversation = LLMConversation(messages: chat.messages)
        // The saved conversation holds the opening messages scrubbed; they are rendered afresh.
        if !specs.isEmpty, let saved = try? await tools.load(step), var restored = LLMConversation(saved) {
            restored.messages = chat.messages + restored.messages.dropFirst(chat.messages.count)
            conversation = restored
        }
        let secretsForSaving = scrubbing
        let endpoint = Self.endpoint(of: model.spec.chatURL)
        let breaker = CircuitBreakers.Key(org: execution.orgID, endpoint: endpoint)
        var repairsLeft = Self.repairTurns
        // Messages already sent (and their findings counted): a conversation is sent whole each turn.
        var promptsCounted = 0
        let storing = StepPrivacy.storing(execution.privacy)
        while true {
            let pending = conversation.pendingToolCalls
            if !pending.isEmpty {
                guard conversation.toolRounds <= maxIterations else {
                    return .failed(StepError(.validation, "the model still asked for tools after \(maxIterations) rounds (max_tool_iterations)"))
                }
                for call in pending {
                    let (content, succeeded) = await tools.run(step, toolAgents[call.name], call, conversation.iteration)
                    conversation.messages.append(["role": "tool", "tool_call_id": .string(call.id), "content": .string(content)])
                    conversation.toolLog.append(["iteration": .integer(conversation.iteration), "tool": .string(call.name), "ok": .bool(succeeded)])
                }
                // Stopped (agentd stopping, or the execution cancelled) while tools ran: their
                // answers say so and are not the tools' results. Nothing of this round is
                // saved; a step taken over after a restart runs the round again (workflow
                // tools find their executions again under the call's idempotency key).
                if Task.isCancelled { return .failed(StepError(.cancelled, "the step was stopped while its tools ran")) }
                guard await save(&conversation, step, scrubbing: secretsForSaving, masking: storing, event: .llmTools, ["iteration": .integer(conversation.iteration),
                                                                             "results": .array(Array(conversation.toolLog.suffix(pending.count)))]) else {
                    return .failed(StepError(.cancelled, "the step's job was taken over"))
                }
            }
            chat.messages = conversation.messages
            // What leaves for the model under the privacy rules: refused, or masked (the
            // conversation kept keeps what the rules let be stored).
            switch StepPrivacy.prompt(chat.messages, counted: promptsCounted, execution.privacy) {
            case .failure(let refusal): return .failed(refusal)
            case .success(let (messages, counts)):
                chat.messages = messages
                step.pii.add(counts)
                promptsCounted = messages.count
            }
            conversation.iteration += 1
            let iteration = conversation.iteration
            // The reservation covers what this step spent and has not recorded yet, and the
            // most this call can cost.
            let reservation = step.meter.totalMicros + model.spec.price.reservation(promptBytes: chat.promptBytes,
                                                                                   maxTokens: chat.maxTokens ?? ChatRequest.defaultMaxTokens)
            let overage: Bool
            do {
                switch try await ledger.reserve(job: step.jobID, token: step.jobToken, execution: execution, micros: reservation, now: now()) {
                case .admitted(let over, let held):
                    overage = over
                    if held { step.meter.markReserved() }
                case .refused(let message): return .failed(StepError(.budgetExceeded, message))
                }
            } catch {
                return .failed(StepError(.internal, "the budget could not be checked: \(error)"))
            }
            guard breakers.allow(breaker, at: now()) else {
                return .failed(StepError(.circuitOpen, "the circuit breaker for the model server \(endpoint) is open after repeated failures"))
            }
            let timeoutMs = min(model.spec.timeoutMs, step.timeoutMs)
            let sent = chat
            // A step whose prompt holds vault values streams its text only when the answer is
            // complete, scrubbed: a value split across two pieces could not be caught.
            let relay = StreamRelay(step: step, iteration: iteration, send: stream, scrubbing: secretsForSaving.isEmpty ? nil : secretsForSaving,
                                    masking: storing)
            let answer = await client.send(chat, to: model.spec.chatURL, apiKey: apiKey, idempotencyKey: "\(step.idempotencyKey)/\(iteration)",
                                           timeoutMs: timeoutMs, org: execution.orgID, environment: execution.environment,
                                           onText: { text in await relay.add(text) })
            await relay.flush()
            switch answer {
            case .failure(let failure):
                var error = failure.error
                // A refused request shape says the server is up: it does not count towards opening its breaker.
                // Nor does an egress refusal: nothing was sent.
                if error.kind != .cancelled, error.kind != .egressDenied {
                    breakers.record(breaker, success: [.clientError, .tooLarge, .modelRequestRefused].contains(error.kind), at: now())
                }
                if error.kind == .modelRequestRefused {
                    error = StepError(error.kind, error.message + ". Model \(name) is set to structured output \(model.capabilities.structuredOutput.rawValue)"
                                      + " and tools \(model.capabilities.toolCalling ? "yes" : "no") (\(Self.source(model))): run `agentctl models test \(name)` "
                                      + "to detect what its server accepts, or set it with `agentctl models update \(name) --structured-output DIALECT --tools yes|no`")
                }
                // What a cut stream had already generated is charged: the tokens were spent.
                if let partial = failure.partial, partial.usage != nil || !partial.text.isEmpty {
                    let usage = partial.usage ?? TokenUsage(promptTokens: sent.promptBytes / 4 + 1, completionTokens: partial.text.utf8.count / 4 + 1)
                    let cost = model.spec.price.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
                    meter(step, call(step, model, iteration, usage, cost, succeeded: false, overage: overage))
                }
                return .failed(error)
            case .success(let result):
                breakers.record(breaker, success: true, at: now())
                // A server that reports no usage is charged an estimate (a token per four
                // bytes), never nothing: budgets must not be bypassed by a quiet server.
                let usage = result.usage ?? TokenUsage(promptTokens: sent.promptBytes / 4 + 1, completionTokens: result.text.utf8.count / 4 + 1)
                let cost = model.spec.price.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
                conversation.usage = conversation.usage + usage
                conversation.costMicros += cost
                if !result.toolCalls.isEmpty, !specs.isEmpty {
                    meter(step, call(step, model, iteration, usage, cost, succeeded: true, overage: overage))
                    conversation.messages.append(result.assistantMessage)
                    guard await save(&conversation, step, scrubbing: secretsForSaving, masking: storing, event: .llmIteration, [
                        "iteration": .integer(iteration), "tool_calls": .array(result.toolCalls.map { .string($0.name) }), "usage": usage.json,
                        "cost_micros": .integer(Int(cost)),
                    ]) else { return .failed(StepError(.cancelled, "the step's job was taken over")) }
                    continue
                }
                guard chat.json else {
                    meter(step, call(step, model, iteration, usage, cost, succeeded: true, overage: overage))
                    return .succeeded(output(result, json: nil, conversation))
                }
                let text = StructuredOutput.jsonText(in: result.text)
                let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
                let problem = parsed.map { StructuredOutput.problem(with: $0, schema: chat.schema) } ?? "it does not parse as JSON"
                meter(step, call(step, model, iteration, usage, cost, succeeded: problem == nil, overage: overage))
                if let parsed, problem == nil { return .succeeded(output(result, json: parsed, conversation)) }
                guard repairsLeft > 0 else {
                    return .failed(StepError(.validation, "the model's answer is not the JSON asked for, even after a repair turn: \(problem ?? "")"
                                             + "; answer: \(ChatClient.excerpt(result.text))"))
                }
                repairsLeft -= 1
                conversation.messages.append(result.assistantMessage)
                conversation.messages.append(StructuredOutput.repairMessage(problem: problem ?? "", schema: chat.schema))
            }
        }
    }

    /// Checkpoints the conversation with the calls made since the last one; false when the
    /// job is no longer this worker's.
    private func save(_ conversation: inout LLMConversation, _ step: StepInvocation, scrubbing: StepSecrets, masking: PIIScanner?,
                      event: ExecutionEventType, _ data: JSONValue) async -> Bool {
        let calls = step.meter.takeCalls()
        var stored = conversation
        if !scrubbing.isEmpty {
            stored.messages = stored.messages.map { scrubbing.scrub($0) }
            stored.toolLog = stored.toolLog.map { scrubbing.scrub($0) }
        }
        // A checkpoint is stored: under `mask` it holds the conversation masked (not counted:
        // the same text is counted where it is sent or stored as output).
        if let masking { stored.messages = stored.messages.map { masking.mask($0).value } }
        do {
            let saved = try await tools.save(step, stored, calls, (event, scrubbing.scrub(data)))
            // Fenced out: the calls were made all the same; they are charged with the outcome.
            if !saved { step.meter.putBack(calls) }
            return saved
        } catch {
            step.meter.putBack(calls)  // recorded with the outcome instead
            return true
        }
    }

    private func output(_ result: ChatResult, json: JSONValue?, _ conversation: LLMConversation) -> JSONValue {
        var output: [String: JSONValue] = [
            "text": .string(result.text), "model": .string(result.model ?? ""), "finish_reason": .string(result.finishReason ?? "stop"),
            "usage": conversation.usage.json, "cost_micros": .integer(Int(conversation.costMicros)), "iterations": .integer(conversation.iteration),
        ]
        if json != nil || !conversation.toolLog.isEmpty { output["tool_calls"] = .array(conversation.toolLog) }
        if let json { output["json"] = json }
        return .object(output)
    }

    private func call(_ step: StepInvocation, _ model: ModelRecord, _ iteration: Int, _ usage: TokenUsage, _ cost: Int64,
                      succeeded: Bool, overage: Bool) -> LLMCall {
        LLMCall(node: step.node, agent: step.agent ?? "", attempt: step.attempt, iteration: iteration, model: model.spec.name, usage: usage,
                costMicros: cost, succeeded: succeeded, overage: overage)
    }

    /// The API key from the vault, as its text (or its `api_key`/`key`/`token` field when the
    /// secret is a JSON object), and the version read.
    static func apiKey(_ spec: ModelSpec, org: OrgID, environment: DeployEnvironment, team: TeamID?,
                       from secrets: StepSecrets.Source?) async -> Result<(key: String, version: Int)?, StepError> {
        guard let path = spec.apiKeySecret else { return .success(nil) }
        guard let secrets else { return .failure(StepError(.validation, "this agentd has no vault to read the model's API key from")) }
        do {
            guard let (bytes, version) = try await secrets(org, environment, path, team) else {
                return .failure(StepError(.validation, "the model \(spec.name)'s API key \(path) is not in the vault for \(environment.rawValue); "
                                          + "store it with `agentctl secrets set \(path) --env \(environment.rawValue)`"))
            }
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if let object = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), let fields = object.objectValue {
                for field in ["api_key", "key", "token"] { if let value = fields[field]?.stringValue { return .success((value, version)) } }
            }
            return .success((text, version))
        } catch {
            return .failure(StepError(.internal, "the model's API key could not be opened: \(error)"))
        }
    }

    /// Where a model's capabilities come from, for messages.
    static func source(_ model: ModelRecord) -> String {
        model.testedAt.map { "detected by agentctl models test at \($0.rfc3339)" } ?? "assumed or set by an admin, never tested"
    }

    static func endpoint(of url: String) -> String {
        guard let parsed = URL(string: url), let host = parsed.host else { return url }
        return "\(host):\(parsed.port ?? (parsed.scheme == "https" ? 443 : 80))"
    }
}
