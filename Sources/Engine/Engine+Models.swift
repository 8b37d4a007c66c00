import Core
import Foundation
import Storage

/// What `agentctl models test` reports.
public struct ModelProbe: Sendable {
    public let latencyMs: Double
    public let text: String
    public let model: String?
    public let usage: TokenUsage?
    public let costMicros: Int64
    /// What the server accepts, when the caller asked for detection.
    public var detection: ModelDetection?
}

/// What `agentctl models test` found the server accepts, and each probe's verdict.
public struct ModelDetection: Sendable {
    public var capabilities: ModelCapabilities
    public var findings: [Finding]

    public struct Finding: Sendable {
        /// `structured_output` or `tool_calling`.
        public let check: String
        /// The dialect tried, `tools`, or what an admin set.
        public let tried: String
        public let accepted: Bool
        /// Why: "honoured", "refused: HTTP 500 …", "ignored: the answer …", "set by --structured-output".
        public let detail: String
    }
}

/// What the caller already knows and wants kept instead of detected.
public struct DetectionOverrides: Sendable {
    public var structuredOutput: StructuredOutputDialect?
    public var toolCalling: Bool?

    public init(structuredOutput: StructuredOutputDialect? = nil, toolCalling: Bool? = nil) {
        self.structuredOutput = structuredOutput
        self.toolCalling = toolCalling
    }
}

extension Engine {
    /// Sends one tiny request to a registered model, with its key from the vault of
    /// `environment`, and says how long it took and what it reported. Not charged to a
    /// budget: it belongs to no execution.
    /// `keyVersion`: the version of the API key read from the vault, for the caller's audit.
    /// With `detect`, it then finds out what the server accepts (CapabilityProbe) where the
    /// overrides leave it open; the caller stores it.
    public func probe(_ model: ModelRecord, environment: DeployEnvironment, team: TeamID?, detect: DetectionOverrides? = nil) async
        -> (result: Result<ModelProbe, StepError>, keyVersion: Int?) {
        let key: String?
        let version: Int?
        switch await LLMRunner.apiKey(model.spec, org: model.orgID, environment: environment, team: team, from: secretSource) {
        case .success(let found):
            key = found?.key
            version = found?.version
        case .failure(let error): return (.failure(error), nil)
        }
        // The key never comes back in a message, whatever the server answers.
        let scrubbing = key.map { StepSecrets.none.adding(model.spec.apiKeySecret ?? "api-key", value: $0) } ?? .none
        let chat = ChatRequest(config: ["prompt": "Reply with the single word: ok", "max_tokens": 8, "temperature": 0], model: model.spec.model)
        let began = ContinuousClock.now
        let answer = await ChatClient(http: http).send(chat, to: model.spec.chatURL, apiKey: key, idempotencyKey: "probe/\(UUID().uuidString)",
                                                       timeoutMs: model.spec.timeoutMs, org: model.orgID, onText: { _ in })
        let elapsed = ContinuousClock.now - began
        var detection: ModelDetection?
        if let detect, case .success = answer {
            switch await self.detect(model, key: key, overrides: detect) {
            case .success(let found): detection = found
            case .failure(let error): return (.failure(StepError(error.kind, scrubbing.scrub(error.message), retryAfterMs: error.retryAfterMs)), version)
            }
        }
        let result = answer.mapError { StepError($0.error.kind, scrubbing.scrub($0.error.message), retryAfterMs: $0.error.retryAfterMs) }.map { result in
            ModelProbe(latencyMs: elapsed.inSeconds * 1000, text: result.text,
                       model: result.model, usage: result.usage,
                       costMicros: result.usage.map { model.spec.price.cost(promptTokens: $0.promptTokens, completionTokens: $0.completionTokens) } ?? 0,
                       detection: detection.map { found in
                           var scrubbed = found
                           scrubbed.findings = found.findings.map { .init(check: $0.check, tried: $0.tried, accepted: $0.accepted, detail: scrubbing.scrub($0.detail)) }
                           return scrubbed
                       })
        }
        return (result, version)
    }
}

extension Engine {
    /// The probes of CapabilityProbe, one request each. An HTTP error answer means "not
    /// accepted" (servers refuse with 400, 422 or 500 alike); a server that cannot be reached,
    /// times out or rate-limits fails the whole test: nothing was learned.
    func detect(_ model: ModelRecord, key: String?, overrides: DetectionOverrides) async -> Result<ModelDetection, StepError> {
        let client = ChatClient(http: http)
        func send(_ chat: ChatRequest) async -> Result<ChatResult, StepError> {
            await client.send(chat, to: model.spec.chatURL, apiKey: key, idempotencyKey: "probe/\(UUID().uuidString)",
                              timeoutMs: model.spec.timeoutMs, org: model.orgID, onText: { _ in }).mapError(\.error)
        }
        func refusal(_ error: StepError) -> String? {
            [.modelRequestRefused, .clientError, .serverError].contains(error.kind) ? error.message : nil
        }
        var findings: [ModelDetection.Finding] = []
        var dialect = StructuredOutputDialect.promptOnly
        if let chosen = overrides.structuredOutput {
            dialect = chosen
            findings.append(.init(check: "structured_output", tried: chosen.rawValue, accepted: true, detail: "set by --structured-output"))
        } else {
            let token = "agentd-" + UUID().uuidString.prefix(8).lowercased()
            probing: for candidate in CapabilityProbe.order {
                switch await send(CapabilityProbe.structuredRequest(candidate, model: model.spec.model, token: token)) {
                case .success(let answer) where CapabilityProbe.honoured(candidate, answer: answer.text, token: token):
                    findings.append(.init(check: "structured_output", tried: candidate.rawValue, accepted: true, detail: "honoured"))
                    dialect = candidate
                    break probing
                case .success(let answer):
                    findings.append(.init(check: "structured_output", tried: candidate.rawValue, accepted: false,
                                          detail: "ignored: the answer does not hold to it: \(ChatClient.excerpt(answer.text))"))
                case .failure(let error):
                    guard let message = refusal(error) else { return .failure(error) }
                    findings.append(.init(check: "structured_output", tried: candidate.rawValue, accepted: false, detail: "refused: \(message)"))
                }
            }
            if dialect == .promptOnly {
                findings.append(.init(check: "structured_output", tried: "prompt_only", accepted: true, detail: "the schema goes in the prompt"))
            }
        }
        var tools: Bool
        if let chosen = overrides.toolCalling {
            tools = chosen
            findings.append(.init(check: "tool_calling", tried: "tools", accepted: chosen, detail: "set by --tools"))
        } else {
            switch await send(CapabilityProbe.toolRequest(model: model.spec.model)) {
            case .success(let answer):
                tools = CapabilityProbe.calledTool(answer)
                findings.append(.init(check: "tool_calling", tried: "tools", accepted: tools,
                                      detail: tools ? "called the probe tool" : "ignored: answered without calling it: \(ChatClient.excerpt(answer.text))"))
            case .failure(let error):
                guard let message = refusal(error) else { return .failure(error) }
                tools = false
                findings.append(.init(check: "tool_calling", tried: "tools", accepted: false, detail: "refused: \(message)"))
            }
        }
        return .success(ModelDetection(capabilities: ModelCapabilities(structuredOutput: dialect, toolCalling: tools), findings: findings))
    }
}
