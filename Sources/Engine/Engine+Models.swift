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
}

extension Engine {
    /// Sends one tiny request to a registered model, with its key from the vault of
    /// `environment`, and says how long it took and what it reported. Not charged to a
    /// budget: it belongs to no execution.
    /// `keyVersion`: the version of the API key read from the vault, for the caller's audit.
    public func probe(_ model: ModelRecord, environment: DeployEnvironment, team: TeamID?) async
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
                                                       timeoutMs: model.spec.timeoutMs, onText: { _ in })
        let elapsed = ContinuousClock.now - began
        let result = answer.mapError { StepError($0.error.kind, scrubbing.scrub($0.error.message), retryAfterMs: $0.error.retryAfterMs) }.map { result in
            ModelProbe(latencyMs: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15, text: result.text,
                       model: result.model, usage: result.usage,
                       costMicros: result.usage.map { model.spec.price.cost(promptTokens: $0.promptTokens, completionTokens: $0.completionTokens) } ?? 0)
        }
        return (result, version)
    }
}
