/// How a model server is asked for a JSON answer. On-site servers differ: OpenAI and vLLM take
/// `response_format: {type: json_schema, json_schema: {name, schema}}`; llama-cpp-python's
/// server takes only `{type: json_object, schema}` (and answers 500 to `json_schema`);
/// llama.cpp's `llama-server` takes both in recent builds; Ollama's OpenAI endpoint takes
/// `json_object` alone; others take none of them. `agentctl models test` finds out which.
public enum StructuredOutputDialect: String, CaseIterable, Hashable, Sendable, Codable {
    /// `{type: json_schema, json_schema: {name, schema, strict}}`: the server holds the answer to the schema.
    case jsonSchema = "json_schema"
    /// `{type: json_object, schema}`: the server holds the answer to the schema.
    case jsonObjectSchema = "json_object_schema"
    /// `{type: json_object}`: the server makes the answer JSON; the schema goes in the prompt.
    case jsonObject = "json_object"
    /// No `response_format`: the prompt asks for JSON (with the schema).
    case promptOnly = "prompt_only"

    /// Whether the schema must be put in the prompt: the server does not hold the answer to it.
    public var schemaInPrompt: Bool { self == .jsonObject || self == .promptOnly }

    /// The names, for messages and help texts.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// What a registered model's server accepts: stored with the model, detected by `agentctl
/// models test` or set by an admin. A model never tested is assumed to speak OpenAI's API
/// (`json_schema`, tools), which is what agentd always sent before it knew better.
public struct ModelCapabilities: Hashable, Sendable {
    public var structuredOutput: StructuredOutputDialect
    /// Whether the server calls tools (OpenAI `tools` / `tool_calls`).
    public var toolCalling: Bool

    public init(structuredOutput: StructuredOutputDialect, toolCalling: Bool) {
        self.structuredOutput = structuredOutput
        self.toolCalling = toolCalling
    }

    public static let assumed = ModelCapabilities(structuredOutput: .jsonSchema, toolCalling: true)
}
