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
    let ledger: CostLedger
    let secrets: StepSecrets.Source?
    /// Streamed text, to the execution's event stream.
    let stream: StreamRelay.Send
    let now: @Sendable () -> Instant

    /// How many times a step asks the model to fix an answer that is not the JSON it wants.
    static let repairTurns = 1

    func run(_ step: StepInvocation) async -> StepOutcome {
        let execution = step.execution
        guard let name = step.config["model"]?.stringValue else { return .failed(StepError(.validation, "config.model is missing")) }
        let model: ModelRecord
        do {
            guard let found = try await models.lookup(org: execution.orgID, name: name) else {
                return .failed(StepError(.validation, "no model named \(name) in this org; register it with "
                                         + "`agentctl models add \(name) --base-url URL --model SERVER_MODEL`"))
            }
            model = found
        } catch {
            return .failed(StepError(.internal, "the model \(name) could not be read: \(error)"))
        }
        let apiKey: String?
        switch await Self.apiKey(model.spec, org: execution.orgID, environment: execution.environment, team: execution.teamID, from: secrets) {
        case .success(let key):
            apiKey = key?.key
            if let key, let path = model.spec.apiKeySecret { step.meter.readSecret(path, version: key.version) }
        case .failure(let error): return .failed(error)
        }
        var chat = ChatRequest(config: step.config, model: model.spec.model)
        guard !chat.messages.isEmpty else { return .failed(StepError(.validation, "the step has no prompt or messages")) }
        let endpoint = Self.endpoint(of: model.spec.chatURL)
        var repairsLeft = Self.repairTurns
        var iteration = 0
        while true {
            iteration += 1
            // The reservation covers what this step spent already (recorded only with its
            // outcome) and the most this call can cost.
            let reservation = step.meter.totalMicros + model.spec.price.reservation(promptBytes: chat.promptBytes,
                                                                                   maxTokens: chat.maxTokens ?? ChatRequest.defaultMaxTokens)
            let overage: Bool
            do {
                switch try await ledger.reserve(job: step.jobID, execution: execution, micros: reservation, now: now()) {
                case .admitted(let over): overage = over
                case .refused(let message): return .failed(StepError(.budgetExceeded, message))
                }
            } catch {
                return .failed(StepError(.internal, "the budget could not be checked: \(error)"))
            }
            guard breakers.allow(endpoint, at: now()) else {
                return .failed(StepError(.circuitOpen, "the circuit breaker for the model server \(endpoint) is open after repeated failures"))
            }
            let timeoutMs = min(model.spec.timeoutMs, step.timeoutMs)
            let sent = chat
            let relay = StreamRelay(step: step, iteration: iteration, send: stream)
            let answer = await client.send(chat, to: model.spec.chatURL, apiKey: apiKey, idempotencyKey: "\(step.idempotencyKey)/\(iteration)",
                                           timeoutMs: timeoutMs, onText: { text in await relay.add(text) })
            await relay.flush()
            switch answer {
            case .failure(let error):
                if error.kind != .cancelled { breakers.record(endpoint, success: error.kind == .clientError || error.kind == .tooLarge, at: now()) }
                return .failed(error)
            case .success(let result):
                breakers.record(endpoint, success: true, at: now())
                // A server that reports no usage is charged an estimate (a token per four
                // bytes), never nothing: budgets must not be bypassed by a quiet server.
                let usage = result.usage ?? TokenUsage(promptTokens: sent.promptBytes / 4 + 1, completionTokens: result.text.utf8.count / 4 + 1)
                let cost = model.spec.price.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens)
                guard chat.json, result.toolCalls.isEmpty else {
                    step.meter.add(call(step, model, iteration, usage, cost, succeeded: true, overage: overage))
                    return .succeeded(output(result, json: nil, step))
                }
                let text = StructuredOutput.jsonText(in: result.text)
                let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
                let problem = parsed.map { StructuredOutput.problem(with: $0, schema: chat.schema) } ?? "it does not parse as JSON"
                step.meter.add(call(step, model, iteration, usage, cost, succeeded: problem == nil, overage: overage))
                if let parsed, problem == nil { return .succeeded(output(result, json: parsed, step)) }
                guard repairsLeft > 0 else {
                    return .failed(StepError(.validation, "the model's answer is not the JSON asked for, even after a repair turn: \(problem ?? "")"
                                             + "; answer: \(ChatClient.excerpt(result.text))"))
                }
                repairsLeft -= 1
                chat.messages.append(result.assistantMessage)
                chat.messages.append(StructuredOutput.repairMessage(problem: problem ?? "", schema: chat.schema))
            }
        }
    }

    private func output(_ result: ChatResult, json: JSONValue?, _ step: StepInvocation) -> JSONValue {
        let calls = step.meter.calls
        let usage = calls.reduce(TokenUsage.zero) { $0 + $1.usage }
        var output: [String: JSONValue] = [
            "text": .string(result.text), "model": .string(result.model ?? ""), "finish_reason": .string(result.finishReason ?? "stop"),
            "usage": usage.json, "cost_micros": .integer(Int(calls.reduce(0) { $0 + $1.costMicros })), "iterations": .integer(calls.count),
        ]
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

    static func endpoint(of url: String) -> String {
        guard let parsed = URL(string: url), let host = parsed.host else { return url }
        return "\(host):\(parsed.port ?? (parsed.scheme == "https" ? 443 : 80))"
    }
}
