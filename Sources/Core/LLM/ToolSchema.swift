/// What a model is told about an agent it may call as a tool.
public enum ToolSchema {
    /// The kinds an agent may have to be a tool: http and transform agents run inline, within
    /// the calling step; a workflow agent starts its workflow as an execution of its own, which
    /// the step waits for.
    public static let kinds: Set<StepKind> = [.http, .transform, .workflow]

    /// The JSON Schema of a tool's arguments, read from what its config's templates use of
    /// `input`: `input.customer_id` makes a required `customer_id`. A config that reads `input`
    /// whole takes any object.
    public static func parameters(for config: TemplateValue) -> JSONValue {
        var fields: [String] = []
        for reference in config.references where reference.root == "input" {
            guard let first = reference.segments.first else { return ["type": "object"] }
            if !fields.contains(first) { fields.append(first) }
        }
        return ["type": "object", "properties": .object(Dictionary(uniqueKeysWithValues: fields.map { ($0, [:] as JSONValue) })),
                "required": .array(fields.map { .string($0) })]
    }

    /// A model-facing name: what the function-calling APIs accept (`^[a-zA-Z0-9_-]{1,64}$`);
    /// agent names already fit.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 }
    }
}
