/// Token counts as a server reports them in `usage`.
public struct TokenUsage: Hashable, Sendable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int { promptTokens + completionTokens }

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public static let zero = TokenUsage(promptTokens: 0, completionTokens: 0)

    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(promptTokens: lhs.promptTokens + rhs.promptTokens, completionTokens: lhs.completionTokens + rhs.completionTokens)
    }

    /// Counts beyond this are a server's bug, not a bill: they are clamped, never trusted to
    /// overflow the arithmetic.
    public static let maximumTokens = 100_000_000

    public init?(_ value: JSONValue?) {
        guard let value, let prompt = value["prompt_tokens"]?.doubleValue else { return nil }
        self.init(promptTokens: Self.clamp(prompt), completionTokens: Self.clamp(value["completion_tokens"]?.doubleValue ?? 0))
    }

    static func clamp(_ count: Double) -> Int {
        guard count.isFinite, count > 0 else { return 0 }
        return count >= Double(maximumTokens) ? maximumTokens : Int(count)
    }

    public var json: JSONValue {
        ["prompt_tokens": .integer(promptTokens), "completion_tokens": .integer(completionTokens), "total_tokens": .integer(totalTokens)]
    }
}

/// A call the model asks for: the agent to run and its input, as JSON text.
public struct ToolCall: Hashable, Sendable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    public var json: JSONValue {
        ["id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)]]
    }
}

/// What one chat completion answered, from a whole response or from a stream's chunks.
public struct ChatResult: Hashable, Sendable {
    public var text: String = ""
    public var toolCalls: [ToolCall] = []
    public var finishReason: String?
    public var usage: TokenUsage?
    public var model: String?

    public init() {}

    /// Reads a non-streamed `chat.completion` body; nil when it is not one.
    public init?(response: JSONValue) {
        guard let choice = response["choices"]?.arrayValue?.first, let message = choice["message"] else { return nil }
        text = message["content"]?.stringValue ?? ""
        for call in message["tool_calls"]?.arrayValue ?? [] {
            toolCalls.append(ToolCall(id: call["id"]?.stringValue ?? "call_\(toolCalls.count)", name: call["function"]?["name"]?.stringValue ?? "",
                                      arguments: call["function"]?["arguments"]?.stringValue ?? "{}"))
        }
        finishReason = choice["finish_reason"]?.stringValue
        usage = TokenUsage(response["usage"])
        model = response["model"]?.stringValue
    }

    /// Adds one streamed `chat.completion.chunk`: content deltas append, tool calls are put
    /// together by their `index` (id and name come first, arguments in pieces), and `usage`
    /// comes in a last chunk without choices. Returns the text this chunk added.
    @discardableResult
    public mutating func add(chunk: JSONValue) -> String {
        if let usage = TokenUsage(chunk["usage"]) { self.usage = usage }
        if model == nil { model = chunk["model"]?.stringValue }
        guard let choice = chunk["choices"]?.arrayValue?.first else { return "" }
        if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        let delta = choice["delta"]
        for piece in delta?["tool_calls"]?.arrayValue ?? [] {
            let position = piece["index"]?.doubleValue ?? Double(toolCalls.count)
            guard position >= 0, position < 128 else { continue }
            let index = Int(position)
            while toolCalls.count <= index { toolCalls.append(ToolCall(id: "call_\(toolCalls.count)", name: "", arguments: "")) }
            if let id = piece["id"]?.stringValue { toolCalls[index].id = id }
            if let name = piece["function"]?["name"]?.stringValue { toolCalls[index].name += name }
            if let arguments = piece["function"]?["arguments"]?.stringValue { toolCalls[index].arguments += arguments }
        }
        let added = delta?["content"]?.stringValue ?? ""
        text += added
        return added
    }

    /// The assistant message to send back with tool results.
    public var assistantMessage: JSONValue {
        var message: [String: JSONValue] = ["role": "assistant", "content": toolCalls.isEmpty || !text.isEmpty ? .string(text) : .null]
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls.map(\.json)) }
        return .object(message)
    }
}
