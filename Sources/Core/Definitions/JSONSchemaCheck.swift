/// Checks a value against the subset of JSON Schema agentd's step-kind schemas and workflow
/// input schemas use: `type` (one or a list), `properties`, `required`,
/// `additionalProperties: false` (or a schema), `items`, `enum`, `minimum`, `maximum`,
/// `minLength`, `maxLength`, `minItems`, `maxItems`, `anyOf`. Every mismatch is reported with
/// its path; unknown schema keywords are ignored (they document, they do not constrain).
public enum JSONSchemaCheck {
    public static func issues(_ value: JSONValue, against schema: JSONValue, at path: String) -> [DefinitionIssue] {
        var found: [DefinitionIssue] = []
        check(value, schema, path, &found, depth: 0)
        return found
    }

    private static func check(_ value: JSONValue, _ schema: JSONValue, _ path: String, _ found: inout [DefinitionIssue], depth: Int) {
        guard depth < 64, case .object(let rules) = schema else { return }
        if let anyOf = rules["anyOf"]?.arrayValue {
            let passing = anyOf.contains { issues(value, against: $0, at: path).isEmpty }
            if !passing {
                let described = anyOf.compactMap { $0["description"]?.stringValue }
                found.append(DefinitionIssue(path, described.isEmpty ? "matches none of the allowed shapes"
                                                 : "must be one of: " + described.joined(separator: "; ")))
                return
            }
        }
        if let types = typeNames(rules["type"]), !types.contains(where: { matches(value, type: $0) }) {
            found.append(DefinitionIssue(path, "must be \(types.joined(separator: " or ")), not \(value.typeName)"))
            return
        }
        if let allowed = rules["enum"]?.arrayValue, !allowed.contains(value) {
            let names = allowed.map { $0.stringValue ?? $0.canonicalText }
            let hint = value.stringValue.map { NameSuggestion.hint(for: $0, in: names) } ?? ""
            found.append(DefinitionIssue(path, "must be one of \(names.joined(separator: ", "))\(hint)"))
            return
        }
        switch value {
        case .object(let object):
            let properties = rules["properties"]?.objectValue ?? [:]
            for name in (rules["required"]?.arrayValue ?? []).compactMap(\.stringValue) where object[name] == nil {
                found.append(DefinitionIssue(IssuePath.join(path, name), "is required"))
            }
            for key in object.keys.sorted() {
                let child = IssuePath.join(path, key)
                if let propertySchema = properties[key] {
                    check(object[key]!, propertySchema, child, &found, depth: depth + 1)
                } else if let additional = rules["additionalProperties"] {
                    if additional == .bool(false) {
                        found.append(DefinitionIssue(child, "unknown field" + NameSuggestion.hint(for: key, in: properties.keys)
                                                     + (properties.isEmpty ? "" : " (allowed: \(properties.keys.sorted().joined(separator: ", ")))")))
                    } else {
                        check(object[key]!, additional, child, &found, depth: depth + 1)
                    }
                }
            }
        case .array(let items):
            if let minimum = rules["minItems"]?.doubleValue, Double(items.count) < minimum {
                found.append(DefinitionIssue(path, "must have at least \(format(minimum)) item(s)"))
            }
            if let maximum = rules["maxItems"]?.doubleValue, Double(items.count) > maximum {
                found.append(DefinitionIssue(path, "must have at most \(format(maximum)) items"))
            }
            if let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() {
                    check(item, itemSchema, IssuePath.join(path, index: index), &found, depth: depth + 1)
                }
            }
        case .string(let text):
            let length = text.count
            if let minimum = rules["minLength"]?.doubleValue, Double(length) < minimum {
                found.append(DefinitionIssue(path, minimum == 1 ? "must not be empty" : "must be at least \(format(minimum)) characters"))
            }
            if let maximum = rules["maxLength"]?.doubleValue, Double(length) > maximum {
                found.append(DefinitionIssue(path, "must be at most \(format(maximum)) characters"))
            }
        case .integer, .number:
            let number = value.doubleValue!
            // YAML spells NaN and infinity (`.nan`, `.inf`); no bound holds them (NaN compares
            // false with every one), and JSON cannot carry them on.
            guard number.isFinite else {
                found.append(DefinitionIssue(path, "must be a finite number, not \(number)"))
                return
            }
            if let minimum = rules["minimum"]?.doubleValue, number < minimum {
                found.append(DefinitionIssue(path, "must be at least \(format(minimum))"))
            }
            if let maximum = rules["maximum"]?.doubleValue, number > maximum {
                found.append(DefinitionIssue(path, "must be at most \(format(maximum))"))
            }
        default:
            break
        }
    }

    private static func typeNames(_ type: JSONValue?) -> [String]? {
        switch type {
        case .string(let name): [name]
        case .array(let names): names.compactMap(\.stringValue)
        default: nil
        }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("integer", .integer), ("number", .integer), ("number", .number),
             ("string", .string), ("array", .array), ("object", .object): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }

    /// A schema's bound for a message. The bounds of a workflow's input schema are the
    /// developer's numbers (`minItems: 1e300`): shown, never converted with a trapping `Int(_:)`.
    private static func format(_ number: Double) -> String {
        WholeNumber.int(number, in: JSONValue.exactWholeNumbers).map(String.init) ?? "\(number)"
    }

    /// Checks that a workflow's `input` schema is itself one this checker understands: an
    /// object schema whose keywords have the right types. Returns issues under `path`.
    public static func schemaIssues(_ schema: JSONValue, at path: String, depth: Int = 0) -> [DefinitionIssue] {
        guard depth < 32 else { return [DefinitionIssue(path, "nests too deeply")] }
        guard case .object(let rules) = schema else { return [DefinitionIssue(path, "must be a JSON Schema object")] }
        var found: [DefinitionIssue] = []
        let knownTypes: Set<String> = ["null", "boolean", "integer", "number", "string", "array", "object"]
        if let type = rules["type"] {
            let names = typeNames(type) ?? []
            if names.isEmpty || names.contains(where: { !knownTypes.contains($0) }) {
                found.append(DefinitionIssue(IssuePath.join(path, "type"), "must name JSON types (\(knownTypes.sorted().joined(separator: ", ")))"))
            }
        }
        if let properties = rules["properties"] {
            if case .object(let map) = properties {
                for key in map.keys.sorted() {
                    found += schemaIssues(map[key]!, at: IssuePath.join(IssuePath.join(path, "properties"), key), depth: depth + 1)
                }
            } else {
                found.append(DefinitionIssue(IssuePath.join(path, "properties"), "must be an object of schemas"))
            }
        }
        if let required = rules["required"], required.arrayValue?.allSatisfy({ $0.stringValue != nil }) != true {
            found.append(DefinitionIssue(IssuePath.join(path, "required"), "must be a list of field names"))
        }
        if let items = rules["items"] { found += schemaIssues(items, at: IssuePath.join(path, "items"), depth: depth + 1) }
        return found
    }
}
