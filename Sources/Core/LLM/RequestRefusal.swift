/// A model server's error that says it refused the *shape* of agentd's request (a
/// `response_format` type, `tools`, `stream_options`, `seed` it does not take), as opposed to
/// a server that is down or overloaded. Such an answer is the same on every attempt: it is
/// not retried and does not count against the server's circuit breaker. Servers say it with
/// 400 or 422 (vLLM, TGI, OpenAI) and sometimes with 500 (llama-cpp-python's pydantic error
/// for `json_schema`, older `llama-server`'s "response_format type must be one of ...").
public enum RequestRefusal {
    /// The request fields a refusal may name, with what agentd calls them in its message.
    static let fields: [(words: [String], part: String)] = [
        (["response_format", "json_schema", "json_object", "guided_json"], "response_format (structured output)"),
        (["tools", "tool_choice", "tool choice", "tool_calls", "function calling", "--jinja"], "tools (tool calling)"),
        (["stream_options", "include_usage"], "stream_options"),
        (["seed"], "seed"),
    ]
    /// Phrases that say a request argument itself was refused, whichever it is.
    static let anyArgument = ["unrecognized request argument", "extra inputs are not permitted", "extra_forbidden", "unknown field",
                              "unknown variant", "unexpected keyword argument"]
    /// With a 500, a field's name alone is not enough (a crash message may name one too): the
    /// message must also say the value was refused.
    static let refusal = ["unsupported", "not supported", "unrecognized", "unknown", "must be one of", "input should be", "validation error",
                          "requires", "required", "not permitted", "not allowed", "invalid", "expected", "only supports", "is not"]

    /// What was refused ("response_format (structured output)", "tools (tool calling)", …), or
    /// nil when the error is not a refusal of the request's shape.
    public static func refusedPart(status: Int, message: String) -> String? {
        guard [400, 422, 500, 501].contains(status) else { return nil }
        let text = message.lowercased()
        let named = fields.first { field in field.words.contains { contains(word: $0, in: text) } }?.part
        let anyArgument = Self.anyArgument.contains { text.contains($0) }
        if status == 500 {
            guard anyArgument || (named != nil && refusal.contains { text.contains($0) }) else { return nil }
        } else {
            guard named != nil || anyArgument else { return nil }
        }
        return named ?? "a request argument"
    }

    /// `word` in `text` not inside a longer name (`seed` but not `seeded`).
    static func contains(word: String, in text: String) -> Bool {
        var rest = text[...]
        while let range = rest.range(of: word) {
            let before = range.lowerBound == text.startIndex ? nil : text[text.index(before: range.lowerBound)]
            let after = range.upperBound == text.endIndex ? nil : text[range.upperBound]
            if !isNamePart(before), !isNamePart(after) { return true }
            rest = text[range.upperBound...]
        }
        return false
    }

    private static func isNamePart(_ character: Character?) -> Bool {
        guard let character else { return false }
        return character.isLetter || character.isNumber || character == "_"
    }
}
