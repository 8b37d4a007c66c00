import Core

/// Where a tool-calling llm step stands: the messages so far and what its calls cost. Saved
/// as a checkpoint after every iteration, so a step taken over after a crash goes on from
/// there.
struct LLMConversation: Sendable {
    var messages: [JSONValue]
    /// Model calls made so far.
    var iteration: Int
    var usage: TokenUsage
    var costMicros: Int64
    /// Each tool call: its iteration, the agent and whether it succeeded.
    var toolLog: [JSONValue]

    init(messages: [JSONValue]) {
        self.messages = messages
        self.iteration = 0
        self.usage = .zero
        self.costMicros = 0
        self.toolLog = []
    }

    init?(_ state: JSONValue) {
        guard let messages = state["messages"]?.arrayValue, let iteration = state["iteration"]?.doubleValue else { return nil }
        self.messages = messages
        self.iteration = Int(iteration)
        self.usage = TokenUsage(state["usage"]) ?? .zero
        self.costMicros = Int64(state["cost_micros"]?.doubleValue ?? 0)
        self.toolLog = state["tool_calls"]?.arrayValue ?? []
    }

    var state: JSONValue {
        ["messages": .array(messages), "iteration": .integer(iteration), "usage": usage.json, "cost_micros": .integer(Int(costMicros)),
         "tool_calls": .array(toolLog)]
    }

    /// How many times the model asked for tools.
    var toolRounds: Int { messages.filter { $0["role"]?.stringValue == "assistant" && $0["tool_calls"] != nil }.count }

    /// The tool calls of the last assistant message that have no answer yet.
    var pendingToolCalls: [ToolCall] {
        guard let last = messages.last, last["role"]?.stringValue == "assistant", let calls = last["tool_calls"]?.arrayValue else { return [] }
        return calls.map { call in
            ToolCall(id: call["id"]?.stringValue ?? "", name: call["function"]?["name"]?.stringValue ?? "",
                     arguments: call["function"]?["arguments"]?.stringValue ?? "{}")
        }
    }
}
