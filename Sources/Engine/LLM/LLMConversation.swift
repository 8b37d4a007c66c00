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
        // A checkpoint that does not read back (a number out of range) is no checkpoint: the
        // step starts its conversation again rather than trap.
        guard let messages = state["messages"]?.arrayValue, let iteration = state["iteration"]?.int(in: 0...Int.max) else { return nil }
        self.messages = messages
        self.iteration = iteration
        self.usage = TokenUsage(state["usage"]) ?? .zero
        self.costMicros = Int64(state["cost_micros"]?.int(in: 0...Int.max) ?? 0)
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
