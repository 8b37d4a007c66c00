import Core
import Foundation
import Storage

/// What an llm step needs from the engine for tool calling: the agents it may call, running
/// one of them inline, and its checkpoints.
struct LLMTools: Sendable {
    let agents: @Sendable (_ names: [String], _ execution: ExecutionRecord) async throws -> [String: AgentDefinition]
    /// Runs one call; the content handed back to the model and whether it succeeded.
    let run: @Sendable (_ step: StepInvocation, _ agent: AgentDefinition?, _ call: ToolCall, _ iteration: Int) async -> (String, Bool)
    let load: @Sendable (_ step: StepInvocation) async throws -> JSONValue?
    let save: @Sendable (_ step: StepInvocation, _ conversation: LLMConversation, _ calls: [LLMCall], _ event: (ExecutionEventType, JSONValue)) async throws -> Bool
}
