import Core
import Foundation
import Yams

/// YAML text in and out. Definitions are written in YAML; inside agentd they are `JSONValue`s.
/// This is the only place that knows YAML, so Core stays free of it.
enum YAMLDocuments {
    /// A YAML problem at a place in the text.
    struct Malformed: Error, Hashable {
        let line: Int
        let column: Int
        let problem: String
        /// 1-based document number in a file of several.
        let document: Int?
    }

    /// One parsed document and the line each path starts on (to point issues at the YAML).
    struct Parsed {
        let value: JSONValue
        let lines: [String: Int]
    }

    /// The most nodes one file may expand to: aliases can make a small text huge.
    static let maximumNodes = 200_000

    static func parse(_ text: String) throws -> [Parsed] {
        if text.utf8.count > DefinitionDocument.maximumBytes {
            throw APIError.documentTooLarge(limit: DefinitionDocument.maximumBytes)
        }
        var parsed: [Parsed] = []
        var documents = try Self.compose(text)
        var budget = maximumNodes
        while let node = documents.next() {
            if parsed.count == DefinitionDocument.maximumDocuments {
                throw Malformed(line: node.mark?.line ?? 1, column: 1, problem: "a file may hold at most \(DefinitionDocument.maximumDocuments) documents",
                                document: parsed.count + 1)
            }
            var lines: [String: Int] = [:]
            let value = try convert(node, path: "", depth: 0, lines: &lines, budget: &budget, document: parsed.count + 1)
            parsed.append(Parsed(value: value, lines: lines))
        }
        if let error = documents.error { throw malformed(error, document: parsed.count + 1) }
        return parsed
    }

    private static func compose(_ text: String) throws -> YamlSequence<Node> {
        do {
            return try compose_all(yaml: text)
        } catch {
            throw malformed(error, document: 1)
        }
    }

    private static func malformed(_ error: any Error, document: Int) -> any Error {
        guard let error = error as? YamlError else { return error }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return Malformed(line: mark.line, column: mark.column, problem: problem, document: document)
        case .reader(let problem, _, _, _):
            return Malformed(line: 1, column: 1, problem: problem, document: document)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Malformed(line: 1, column: 1, problem: "duplicate key \(duplicates.joined(separator: ", ")) \(context)", document: document)
        default:
            return Malformed(line: 1, column: 1, problem: "\(error)", document: document)
        }
    }

    private static func convert(_ node: Node, path: String, depth: Int, lines: inout [String: Int], budget: inout Int,
                                document: Int) throws -> JSONValue {
        budget -= 1
        let mark = node.mark
        if budget < 0 {
            throw Malformed(line: mark?.line ?? 1, column: mark?.column ?? 1,
                            problem: "the file expands to more than \(maximumNodes) values (aliases?)", document: document)
        }
        if depth > DefinitionDocument.maximumNesting {
            throw Malformed(line: mark?.line ?? 1, column: mark?.column ?? 1,
                            problem: "nests more than \(DefinitionDocument.maximumNesting) levels deep", document: document)
        }
        if let line = mark?.line, lines[path] == nil { lines[path] = line }
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() {
                items.append(try convert(item, path: "\(path)[\(index)]", depth: depth + 1, lines: &lines, budget: &budget, document: document))
            }
            return .array(items)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw Malformed(line: key.mark?.line ?? 1, column: key.mark?.column ?? 1, problem: "mapping keys must be plain text",
                                    document: document)
                }
                let name = keyScalar.string
                if object[name] != nil {
                    throw Malformed(line: key.mark?.line ?? 1, column: key.mark?.column ?? 1, problem: "duplicate key '\(name)'",
                                    document: document)
                }
                let child = path.isEmpty ? name : "\(path).\(name)"
                object[name] = try convert(value, path: child, depth: depth + 1, lines: &lines, budget: &budget, document: document)
            }
            return .object(object)
        case .alias:
            throw Malformed(line: mark?.line ?? 1, column: mark?.column ?? 1, problem: "aliases are not supported", document: document)
        }
    }

    private static func scalarValue(_ scalar: Node.Scalar) -> JSONValue {
        // Plain scalars carry no tag until resolved; quoted ones come tagged as strings.
        switch Resolver.default.resolveTag(of: .scalar(scalar)) {
        case .null: return .null
        case .bool: return Bool.construct(from: scalar).map(JSONValue.bool) ?? .string(scalar.string)
        case .int: return Int.construct(from: scalar).map(JSONValue.integer) ?? .string(scalar.string)
        case .float: return Double.construct(from: scalar).map(JSONValue.number) ?? .string(scalar.string)
        default: return .string(scalar.string)
        }
    }

    // MARK: - Export

    /// Definition fields in the order people write them; config and other free-form maps
    /// follow with sorted keys.
    static let fieldOrder = ["agent", "workflow", "kind", "description", "team", "tags", "timeout_ms", "concurrency", "privacy", "pii", "kinds", "input", "config",
                             "nodes", "edges", "output", "max_attempts", "initial_backoff_ms", "max_backoff_ms"]
    static let nodeFieldOrder = ["description", "agent", "kind", "when", "retry", "timeout_ms", "input", "config"]

    static func export(_ value: JSONValue) -> String {
        (try? serialize(node: node(value, .definition), indent: 2, width: -1, allowUnicode: true)) ?? value.canonicalText
    }

    /// Where a value sits, which decides how its keys are ordered.
    private enum Place { case definition, nodes, node, free }

    private static func node(_ value: JSONValue, _ place: Place) -> Node {
        switch value {
        case .null: return Node("null")
        case .bool(let flag): return Node(flag ? "true" : "false")
        case .integer(let number): return Node(String(number))
        case .number(let number): return Node(number.isFinite ? "\(number)" : ".nan")
        case .string(let text): return Node(text, .implicit, style(for: text))
        case .array(let items): return .sequence(.init(items.map { node($0, .free) }))
        case .object(let object):
            let keys = switch place {
            case .definition: object.keys.sorted { orderedBefore($0, $1, in: fieldOrder) }
            case .node: object.keys.sorted { orderedBefore($0, $1, in: nodeFieldOrder) }
            case .nodes, .free: object.keys.sorted()
            }
            return .mapping(.init(keys.map { key in
                let child: Place = switch (place, key) {
                case (.definition, "nodes"): .nodes
                case (.nodes, _): .node
                case (.node, "retry"): .definition
                default: .free
                }
                return (Node(key, .implicit, style(for: key)), node(object[key]!, child))
            }))
        }
    }

    private static func orderedBefore(_ a: String, _ b: String, in order: [String]) -> Bool {
        let ia = order.firstIndex(of: a) ?? order.count, ib = order.firstIndex(of: b) ?? order.count
        return ia == ib ? a < b : ia < ib
    }

    /// Plain where YAML reads the text back as the same string; quoted otherwise (templates
    /// start with `{`, and words like `yes` or `3` would change type); literal blocks for
    /// multi-line text such as prompts.
    private static func style(for text: String) -> Node.Scalar.Style {
        if text.contains("\n") { return text.hasSuffix(" ") || text.hasPrefix(" ") ? .doubleQuoted : .literal }
        let plainSafe = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "-" || scalar == "_" || scalar == "." || scalar == "/" || scalar == " "
        } && !text.hasPrefix(" ") && !text.hasSuffix(" ") && !text.hasPrefix("-")
        guard plainSafe else { return .doubleQuoted }
        let resolved = Resolver.default.resolveTag(of: Node(text))
        return resolved == .str ? .plain : .doubleQuoted
    }
}
