import Foundation

/// Validates JSON against the subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that
/// agentd's document uses: `$ref` (local, `#/…`), `allOf`, `anyOf`, `oneOf`, `type` (one or a
/// list, so `["string", "null"]` is nullable), `enum`, `const`, `properties`, `required`,
/// `additionalProperties` (false or a schema), `items`, `minItems`, `maxItems`, `pattern`,
/// `minLength`, `maxLength`, `minimum`, `maximum`, and `format: date-time`. Other keywords
/// (description, format of other kinds) only document.
struct SchemaValidator {
    /// One way a value breaks its schema: where in the value, where in the schema, what.
    struct Mismatch: CustomStringConvertible, Equatable {
        let instancePath: String
        let schemaPath: String
        let message: String
        var description: String { "at \(instancePath.isEmpty ? "/" : instancePath) (schema \(schemaPath)): \(message)" }
    }

    /// The document `$ref`s point into.
    let root: ContractJSON

    func validate(_ value: ContractJSON, _ schema: ContractJSON, schemaPath: String) -> [Mismatch] {
        var found: [Mismatch] = []
        check(value, schema, "", schemaPath, &found, depth: 0)
        return found
    }

    private func check(_ value: ContractJSON, _ schema: ContractJSON, _ path: String, _ schemaPath: String,
                       _ found: inout [Mismatch], depth: Int) {
        func fail(_ message: String, _ keyword: String) { found.append(Mismatch(instancePath: path, schemaPath: schemaPath + "/" + keyword, message: message)) }
        guard depth < 64 else { return fail("schema nests too deeply (a $ref loop?)", "") }
        if case .bool(let allowed) = schema { if !allowed { fail("no value is allowed", "") }; return }
        guard let rules = schema.object else { return }
        if let reference = rules["$ref"]?.string {
            guard let target = resolve(reference) else { return fail("unresolvable $ref \(reference)", "$ref") }
            check(value, target, path, reference, &found, depth: depth + 1)
        }
        for (index, part) in (rules["allOf"]?.array ?? []).enumerated() {
            check(value, part, path, schemaPath + "/allOf/\(index)", &found, depth: depth + 1)
        }
        if let choices = rules["anyOf"]?.array {
            let passing = choices.enumerated().filter { passes(value, $0.element, schemaPath + "/anyOf/\($0.offset)", depth) }
            if passing.isEmpty { fail("matches none of anyOf's \(choices.count) schemas" + closest(value, choices, "anyOf", schemaPath, depth), "anyOf") }
        }
        if let choices = rules["oneOf"]?.array {
            let passing = choices.enumerated().filter { passes(value, $0.element, schemaPath + "/oneOf/\($0.offset)", depth) }
            if passing.count != 1 {
                fail("matches \(passing.count) of oneOf's \(choices.count) schemas, not exactly one"
                     + (passing.isEmpty ? closest(value, choices, "oneOf", schemaPath, depth) : ""), "oneOf")
            }
        }
        if let type = rules["type"] {
            let names = Set(type.array?.compactMap(\.string) ?? type.string.map { [$0] } ?? [])
            if !names.isEmpty, names.isDisjoint(with: value.typeNames) {
                return fail("must be \(names.sorted().joined(separator: " or ")), not \(value.brief)", "type")
            }
        }
        if let allowed = rules["enum"]?.array, !allowed.contains(value) {
            fail("\(value.brief) is not one of \(allowed.map(\.brief).joined(separator: ", "))", "enum")
        }
        if let constant = rules["const"], constant != value { fail("must be \(constant.brief), not \(value.brief)", "const") }
        switch value {
        case .object(let object):
            let properties = rules["properties"]?.object ?? [:]
            for name in (rules["required"]?.array ?? []).compactMap(\.string) where object[name] == nil {
                fail("`\(name)` is required", "required")
            }
            for key in object.keys.sorted() {
                let child = path + "/" + key
                if let property = properties[key] {
                    check(object[key]!, property, child, schemaPath + "/properties/" + key, &found, depth: depth + 1)
                } else if let additional = rules["additionalProperties"] {
                    if additional == .bool(false) {
                        found.append(Mismatch(instancePath: child, schemaPath: schemaPath + "/additionalProperties",
                                              message: "`\(key)` is not a documented property (documented: \(properties.keys.sorted().joined(separator: ", ")))"))
                    } else {
                        check(object[key]!, additional, child, schemaPath + "/additionalProperties", &found, depth: depth + 1)
                    }
                }
            }
        case .array(let items):
            if let minimum = rules["minItems"]?.number, Double(items.count) < minimum { fail("has \(items.count) items, fewer than \(Int(minimum))", "minItems") }
            if let maximum = rules["maxItems"]?.number, Double(items.count) > maximum { fail("has \(items.count) items, more than \(Int(maximum))", "maxItems") }
            if let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() {
                    check(item, itemSchema, path + "/\(index)", schemaPath + "/items", &found, depth: depth + 1)
                }
            }
        case .string(let text):
            let length = text.unicodeScalars.count
            if let minimum = rules["minLength"]?.number, Double(length) < minimum { fail("is \(length) characters long, shorter than \(Int(minimum))", "minLength") }
            if let maximum = rules["maxLength"]?.number, Double(length) > maximum { fail("is \(length) characters long, longer than \(Int(maximum))", "maxLength") }
            if let pattern = rules["pattern"]?.string {
                if let regex = try? NSRegularExpression(pattern: pattern) {
                    if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                        fail("\(value.brief) does not match \(pattern)", "pattern")
                    }
                } else {
                    fail("the pattern \(pattern) does not compile", "pattern")
                }
            }
            if rules["format"]?.string == "date-time", !Self.isDateTime(text) { fail("\(value.brief) is not an RFC 3339 date-time", "format") }
        case .number(let number):
            if let minimum = rules["minimum"]?.number, number < minimum { fail("\(value.brief) is less than \(minimum)", "minimum") }
            if let maximum = rules["maximum"]?.number, number > maximum { fail("\(value.brief) is more than \(maximum)", "maximum") }
        default:
            break
        }
    }

    private func passes(_ value: ContractJSON, _ schema: ContractJSON, _ schemaPath: String, _ depth: Int) -> Bool {
        var found: [Mismatch] = []
        check(value, schema, "", schemaPath, &found, depth: depth + 1)
        return found.isEmpty
    }

    /// The first mismatch of the first choice, to say why nothing matched.
    private func closest(_ value: ContractJSON, _ choices: [ContractJSON], _ keyword: String, _ schemaPath: String, _ depth: Int) -> String {
        guard let first = choices.first else { return "" }
        var found: [Mismatch] = []
        check(value, first, "", schemaPath + "/\(keyword)/0", &found, depth: depth + 1)
        return found.first.map { " (the first: \($0))" } ?? ""
    }

    /// A local JSON pointer (`#/components/schemas/Problem`) into `root`.
    func resolve(_ reference: String) -> ContractJSON? {
        guard reference.hasPrefix("#") else { return nil }
        var node: ContractJSON? = root
        for token in reference.dropFirst().split(separator: "/") {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let index = Int(key), let items = node?.array { node = index < items.count ? items[index] : nil } else { node = node?[key] }
        }
        return node
    }

    static func isDateTime(_ text: String) -> Bool {
        text.range(of: #"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"#, options: .regularExpression) != nil
    }
}
