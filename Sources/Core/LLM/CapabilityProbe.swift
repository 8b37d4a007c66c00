import Foundation

/// The small requests `agentctl models test` sends to learn what a model's server accepts,
/// and how their answers are judged: pure, so the detection can be tested without a server.
///
/// Structured output is tried in `order`; the first dialect whose answer the server *held to*
/// the probe schema wins, else `json_object` if it answered JSON, else `prompt_only`. The
/// schema asks for one field whose only allowed value is a random token the prompt never
/// mentions: a server that ignores the schema (Ollama drops what it does not know) cannot
/// match it by luck. Tool calling is one trivial tool the prompt asks the model to call.
public enum CapabilityProbe {
    /// The dialects tried, best first; `prompt_only` is what is left.
    public static let order: [StructuredOutputDialect] = [.jsonSchema, .jsonObjectSchema, .jsonObject]
    public static let toolName = "agentd_probe"
    static let prompt = "Reply with a JSON object."

    public static func schema(token: String) -> JSONValue {
        ["type": "object", "properties": ["probe": ["type": "string", "enum": [.string(token)]]], "required": ["probe"],
         "additionalProperties": false]
    }

    /// The request that asks for JSON in `dialect` (`json_object`: with no schema).
    public static func structuredRequest(_ dialect: StructuredOutputDialect, model: String, token: String) -> ChatRequest {
        var config: [String: JSONValue] = ["prompt": .string(prompt), "max_tokens": 64, "temperature": 0, "response_format": "json"]
        if dialect != .jsonObject { config["response_schema"] = schema(token: token) }
        return ChatRequest(config: .object(config), model: model, dialect: dialect)
    }

    /// Whether an answer shows the server honoured `dialect`: held to the probe schema, or
    /// (for `json_object`) a JSON object at all.
    public static func honoured(_ dialect: StructuredOutputDialect, answer: String, token: String) -> Bool {
        guard let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(StructuredOutput.jsonText(in: answer).utf8)) else { return false }
        if dialect == .jsonObject { return parsed.objectValue != nil }
        return StructuredOutput.problem(with: parsed, schema: schema(token: token)) == nil
    }

    /// One tool, no arguments, and a prompt that asks for it.
    public static func toolRequest(model: String) -> ChatRequest {
        ChatRequest(config: ["prompt": .string("Call the \(toolName) tool."), "max_tokens": 64, "temperature": 0], model: model,
                    tools: [ChatRequest.ToolSpec(name: toolName, description: "Answers nothing; call it when asked to.",
                                                 parameters: ["type": "object", "properties": [:] as JSONValue])])
    }

    /// Whether the answer called the probe tool.
    public static func calledTool(_ result: ChatResult) -> Bool { result.toolCalls.contains { $0.name == toolName } }
}
