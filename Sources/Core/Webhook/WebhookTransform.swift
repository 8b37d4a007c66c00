import Foundation

/// How a webhook turns a delivery into an execution's input: a JSON object written with the
/// template language, whose templates read `body` (the parsed JSON or form), `headers`
/// (lower-case names, the signature left out), `query`, `webhook` (`id`, `name`) and `delivery`
/// (`id`, `received_at`).
///
/// A template may stand where a JSON value goes, unquoted, and then gives that value with its
/// type: `{"order": {{ body.data.id }}, "amount": {{ body.data.amount * 100 }}}`. Inside a JSON
/// string it is text, as in a step's config: `{"note": "order {{ body.data.id }}"}`.
public struct WebhookTransform: Sendable {
    public static let roots: Set<String> = ["body", "headers", "query", "webhook", "delivery"]
    public static let maximumBytes = 16 * 1024

    public let source: String
    let value: TemplateValue

    /// Checks the text: valid JSON once its bare templates are quoted, an object, templates
    /// that parse and read only the roots above.
    public init(_ source: String) throws(ValidationError) {
        guard source.utf8.count <= Self.maximumBytes else {
            throw ValidationError(field: "transform", "is \(source.utf8.count) bytes; at most \(Self.maximumBytes)")
        }
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(Self.quotingBareTemplates(source).utf8)), case .object = json else {
            throw ValidationError(field: "transform", "must be a JSON object, with templates as values: {\"order\": {{ body.data.id }}}")
        }
        let compiled: TemplateValue
        do {
            compiled = try TemplateValue.compile(json)
        } catch {
            throw ValidationError(field: "transform", "\(error)")
        }
        var unknown: [String] = []
        for reference in compiled.references where !Self.roots.contains(reference.root) { unknown.append(reference.root) }
        guard unknown.isEmpty else {
            throw ValidationError(field: "transform", "reads \(Set(unknown).sorted().joined(separator: ", ")); a transform may read "
                                  + Self.roots.sorted().joined(separator: ", "))
        }
        self.source = source
        self.value = compiled
    }

    /// Why a delivery's input could not be made.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The execution's input for one delivery; a template that fails, or a value that is just a
    /// path the delivery does not have (`{{ body.data.id }}` with no `data.id`), is the
    /// delivery's `transform_error`. `default(body.x, …)` makes a path optional.
    public func render(_ roots: [String: JSONValue], now: Instant) throws(Failure) -> JSONValue {
        let rendered: JSONValue
        do {
            rendered = try value.render(in: TemplateContext(roots: roots, now: now))
        } catch {
            throw Failure(description: "\(error)")
        }
        if let path = Self.missingPath(value, rendered) { throw Failure(description: "\(path) is missing from the delivery") }
        return rendered
    }

    /// The first template that is a bare path and rendered as null.
    static func missingPath(_ compiled: TemplateValue, _ rendered: JSONValue) -> String? {
        switch (compiled, rendered) {
        case (.template(let template), .null):
            let inner = template.source.trimmingCharacters(in: .whitespaces)
            guard inner.hasPrefix("{{"), inner.hasSuffix("}}"), template.references.count == 1 else { return nil }
            let path = inner.dropFirst(2).dropLast(2).trimmingCharacters(in: .whitespaces)
            let plain = path.allSatisfy { $0.isLetter || $0.isNumber || "_.[]\"'-".contains($0) }
            return plain ? path : nil
        case (.object(let templates), .object(let values)):
            for key in templates.keys.sorted() {
                if let path = missingPath(templates[key]!, values[key] ?? .null) { return path }
            }
            return nil
        case (.array(let templates), .array(let values)):
            for (template, value) in zip(templates, values) {
                if let path = missingPath(template, value) { return path }
            }
            return nil
        default:
            return nil
        }
    }

    /// With no transform: the body itself when it is an object, else `{"body": …}`.
    public static func defaultInput(body: JSONValue) -> JSONValue {
        if case .object = body { return body }
        return ["body": body]
    }

    /// `{{ … }}` outside JSON strings wrapped in quotes, so the text parses as JSON and each
    /// becomes a whole-string template (which keeps its value's type).
    static func quotingBareTemplates(_ text: String) -> String {
        var output = ""
        var inString = false, escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if inString {
                output.append(character)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                index = text.index(after: index)
                continue
            }
            if character == "\"" {
                inString = true
            } else if text[index...].hasPrefix("{{"), let close = text[index...].range(of: "}}") {
                let template = text[index..<close.upperBound]
                output += "\"" + template.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
                index = close.upperBound
                continue
            }
            output.append(character)
            index = text.index(after: index)
        }
        return output
    }
}
