/// One chat-completion request as OpenAI-compatible servers (vLLM, llama.cpp server, Ollama,
/// TGI) take it, built from an `llm` step's rendered config: pure, so what is sent to a model
/// can be tested and documented exactly.
public struct ChatRequest: Hashable, Sendable {
    public var model: String
    public var messages: [JSONValue]
    public var temperature: Double?
    public var maxTokens: Int?
    public var stop: [String]
    public var stream: Bool
    /// `json` asks for a JSON object; with a schema, for one matching it.
    public var json: Bool
    public var schema: JSONValue?
    public var tools: [ToolSpec]
    /// How the server is asked for JSON (the model's stored dialect).
    public var dialect: StructuredOutputDialect

    /// A tool the model may call: an agent, described by its name, description and the JSON
    /// Schema of its input.
    public struct ToolSpec: Hashable, Sendable {
        public let name: String
        public let description: String
        public let parameters: JSONValue

        public init(name: String, description: String, parameters: JSONValue) {
            self.name = name
            self.description = description
            self.parameters = parameters
        }
    }

    /// Output tokens when a step names no max_tokens: also what its budget reservation counts.
    public static let defaultMaxTokens = 1024

    /// Reads the step's config (templates already rendered); `model` is the server's own name
    /// for the model (the registered model's `model`, not agentd's name for it).
    public init(config: JSONValue, model: String, tools: [ToolSpec] = [], dialect: StructuredOutputDialect = .jsonSchema) {
        self.model = model
        self.dialect = dialect
        var messages: [JSONValue] = []
        if let system = config["system"]?.stringValue { messages.append(["role": "system", "content": .string(system)]) }
        for message in config["messages"]?.arrayValue ?? [] {
            messages.append(["role": message["role"] ?? "user", "content": .string(message["content"]?.stringValue ?? message["content"]?.canonicalText ?? "")])
        }
        if let prompt = config["prompt"]?.stringValue { messages.append(["role": "user", "content": .string(prompt)]) }
        self.messages = messages
        self.temperature = config["temperature"]?.doubleValue
        // An unusable max_tokens is the llm runner's validation error; here it is never a trap.
        self.maxTokens = config["max_tokens"]?.int(in: StepKind.llm.bounds(of: "max_tokens") ?? 1...Int.max)
        switch config["stop"] {
        case .string(let one): stop = [one]
        case .array(let many): stop = many.compactMap(\.stringValue)
        default: stop = []
        }
        self.stream = config["stream"] == .bool(true)
        self.schema = config["response_schema"]
        self.json = config["response_format"]?.stringValue == "json" || schema != nil
        self.tools = tools
    }

    /// The request body.
    public var body: JSONValue {
        var object: [String: JSONValue] = ["model": .string(model), "messages": .array(messagesSent)]
        if let temperature { object["temperature"] = .number(temperature) }
        object["max_tokens"] = .integer(maxTokens ?? Self.defaultMaxTokens)
        if !stop.isEmpty { object["stop"] = .array(stop.map { .string($0) }) }
        if stream {
            object["stream"] = true
            // why: without it a streamed answer carries no token counts, and the step could
            // not be charged.
            object["stream_options"] = ["include_usage": true]
        }
        if let responseFormat { object["response_format"] = responseFormat }
        if !tools.isEmpty {
            object["tools"] = .array(tools.map { tool in
                ["type": "function", "function": ["name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters]]
            })
        }
        return .object(object)
    }

    /// `response_format` in the model's dialect; nil for a text answer or a prompt-only server.
    public var responseFormat: JSONValue? {
        guard json else { return nil }
        switch (dialect, schema) {
        case (.jsonSchema, let schema?): return ["type": "json_schema", "json_schema": ["name": "output", "schema": schema, "strict": true]]
        case (.jsonObjectSchema, let schema?): return ["type": "json_object", "schema": schema]
        case (.jsonSchema, nil), (.jsonObjectSchema, nil), (.jsonObject, _): return ["type": "json_object"]
        case (.promptOnly, _): return nil
        }
    }

    /// The messages as sent: when the server does not hold the answer to the schema (or to
    /// JSON at all), the system message asks for it, schema included. Only the request
    /// carries it: the conversation, its checkpoints and the repair turn stay as they were.
    public var messagesSent: [JSONValue] {
        guard json, dialect == .promptOnly || (dialect.schemaInPrompt && schema != nil) else { return messages }
        let instruction = StructuredOutput.promptInstruction(schema: schema)
        var sent = messages
        if let first = sent.first, first["role"]?.stringValue == "system", let content = first["content"]?.stringValue {
            sent[0] = ["role": "system", "content": .string(content + "\n\n" + instruction)]
        } else {
            sent.insert(["role": "system", "content": .string(instruction)], at: 0)
        }
        return sent
    }

    /// Bytes of the whole request: what the budget reservation estimates the prompt from. Tool
    /// definitions and a response schema become prompt tokens too, in every server's template.
    public var promptBytes: Int { body.canonicalText.utf8.count }
}
