/// Structured output: a step that asks for JSON gets its answer checked, and one repair turn
/// when it is not what was asked for.
public enum StructuredOutput {
    /// The JSON text inside a model's answer: models often wrap it in a Markdown fence.
    public static func jsonText(in answer: String) -> String {
        var text = Substring(answer).drop(while: \.isWhitespace)
        while text.last?.isWhitespace == true { text = text.dropLast() }
        if text.hasPrefix("```") {
            text = text.drop(while: { $0 != "\n" }).dropFirst()
            while !text.isEmpty, !text.hasSuffix("```") { text = text.dropLast() }
            text = text.dropLast(3)
            while text.last?.isWhitespace == true { text = text.dropLast() }
        }
        return String(text)
    }

    /// Why a parsed answer does not fit `schema`: nil when it does. The answer must be an
    /// object or an array (JSON mode asks for an object).
    public static func problem(with value: JSONValue, schema: JSONValue?) -> String? {
        if let schema {
            let issues = JSONSchemaCheck.issues(value, against: schema, at: "")
            guard issues.isEmpty else { return issues.prefix(5).map { "\($0.path.isEmpty ? "the answer" : $0.path) \($0.message)" }.joined(separator: "; ") }
            return nil
        }
        switch value {
        case .object, .array: return nil
        default: return "the answer is not a JSON object"
        }
    }

    /// What the system message says when the server cannot be told the schema (dialects
    /// `json_object` and `prompt_only`): the same words as the repair turn's, so a model that
    /// follows one follows the other.
    public static func promptInstruction(schema: JSONValue?) -> String {
        guard let schema else { return "Reply with only a valid JSON object. No prose, no Markdown fence." }
        return "Reply with only valid JSON matching this JSON Schema: \(schema.canonicalText). No prose, no Markdown fence."
    }

    /// The user turn that asks the model to fix its answer.
    public static func repairMessage(problem: String, schema: JSONValue?) -> JSONValue {
        var text = "Your previous answer was not valid JSON for this task (\(problem)). Reply again with only valid JSON"
        if let schema { text += " matching this JSON Schema: \(schema.canonicalText)" }
        return ["role": "user", "content": .string(text + ". No prose, no Markdown fence.")]
    }
}
