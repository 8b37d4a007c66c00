/// The console's run form, generated from a workflow's input JSON Schema: one field per
/// top-level property, and the reverse — the submitted strings back into the execution's
/// input object. Anything the form cannot express (nested objects, arrays, a schema without
/// properties) is one JSON text field, so every workflow can be run from the browser.
public enum RunForm {
    public enum Control: String, Sendable, Hashable {
        case text, number, integer, checkbox, select, json
    }

    public struct Field: Sendable, Hashable {
        public let name: String
        public let control: Control
        public let required: Bool
        public let description: String?
        /// For `select`: the enum's values.
        public let choices: [JSONValue]
        /// The schema's default, as the field's text.
        public let defaultText: String?
    }

    /// The name of the single field used when the schema has no properties to show.
    public static let wholeInput = "input"

    public static func fields(for schema: JSONValue?) -> [Field] {
        guard let schema, let properties = schema["properties"]?.objectValue, !properties.isEmpty else {
            return [Field(name: wholeInput, control: .json, required: false, description: "The input as a JSON object.",
                          choices: [], defaultText: "{}")]
        }
        let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        return properties.keys.sorted().map { name in
            let property = properties[name] ?? .object([:])
            let choices = (property["enum"]?.arrayValue ?? []).filter { $0 != .null }
            let control: Control
            if !choices.isEmpty {
                control = .select
            } else {
                switch property["type"]?.stringValue {
                case "string": control = .text
                case "integer": control = .integer
                case "number": control = .number
                case "boolean": control = .checkbox
                default: control = .json
                }
            }
            return Field(name: name, control: control, required: required.contains(name), description: property["description"]?.stringValue,
                         choices: choices, defaultText: property["default"].flatMap(text(of:)))
        }
    }

    /// The input object from the submitted values (`values[field.name]`); the workflow's own
    /// schema check runs after this, so this only turns text into JSON types. Empty optional
    /// fields are left out; a value that is not of its type is an issue naming the field.
    public static func input(_ fields: [Field], values: [String: String]) -> Result<JSONValue, DefinitionError> {
        var object: [String: JSONValue] = [:]
        var issues: [DefinitionIssue] = []
        for field in fields {
            let text = values[field.name] ?? ""
            if field.control == .checkbox {
                object[field.name] = .bool(text == "on" || text == "true")
                continue
            }
            if text.isEmpty {
                if field.required { issues.append(DefinitionIssue("input.\(field.name)", "is required")) }
                continue
            }
            switch field.control {
            case .text, .checkbox:
                object[field.name] = .string(text)
            case .select:
                guard let choice = field.choices.first(where: { Self.text(of: $0) == text }) else {
                    issues.append(DefinitionIssue("input.\(field.name)", "must be one of the listed values"))
                    continue
                }
                object[field.name] = choice
            case .integer:
                guard let value = Int(text.trimmingEdgeSpaces) else {
                    issues.append(DefinitionIssue("input.\(field.name)", "must be a whole number"))
                    continue
                }
                object[field.name] = .integer(value)
            case .number:
                guard let value = Double(text.trimmingEdgeSpaces), value.isFinite else {
                    issues.append(DefinitionIssue("input.\(field.name)", "must be a number"))
                    continue
                }
                object[field.name] = .number(value)
            case .json:
                guard let value = try? JSONParser.parse(text) else {
                    issues.append(DefinitionIssue("input.\(field.name)", "must be JSON"))
                    continue
                }
                if field.name == wholeInput && fields.count == 1 {
                    guard case .object(let whole) = value else {
                        return .failure(DefinitionError([DefinitionIssue("input", "must be a JSON object")]))
                    }
                    return .success(.object(whole))
                }
                object[field.name] = value
            }
        }
        return issues.isEmpty ? .success(.object(object)) : .failure(DefinitionError(issues))
    }

    /// An enum value or default as form text: strings as they are, others as JSON.
    public static func text(of value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .null: nil
        default: value.canonicalText
        }
    }
}
