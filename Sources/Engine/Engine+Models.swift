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
    public func probe(_ model: ModelRecord, environment: DeployEnvironment, team: TeamID?) async -> Result<ModelProbe, StepError> {
        let key: String?
        switch await LLMRunner.apiKey(model.spec, org: model.orgID, environment: environment, team: team, from: secretSource) {
        case .success(let found): key = found?.key
        case .failure(let error): return .failure(error)
        }
        let chat = ChatRequest(config: ["prompt": "Reply with the single word: ok", "max_tokens": 8, "temperature": 0], model: model.spec.model)
        let began = ContinuousClock.now
        let answer = await ChatClient(http: http).send(chat, to: model.spec.chatURL, apiKey: key, idempotencyKey: "probe/\(UUID().uuidString)",
                                                       timeoutMs: model.spec.timeoutMs, onText: { _ in })
        let elapsed = ContinuousClock.now - began
        return answer.map { result in
            ModelProbe(latencyMs: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15, text: result.text,
                       model: result.model, usage: result.usage,
                       costMicros: result.usage.map { model.spec.price.cost(promptTokens: $0.promptTokens, completionTokens: $0.completionTokens) } ?? 0)
        }
    }
}
