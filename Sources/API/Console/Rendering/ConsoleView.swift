import Core
import Foundation
import Mustache

/// Renders the console's templates. `{{name}}` escapes for HTML (the default, so a workflow
/// name or an error message can never become markup); only SVG that Core draws, which escapes
/// its own text, goes in unescaped with `{{{name}}}`.
enum ConsoleView {
    /// Parsed once. The templates are constants compiled into agentd, and `ConsoleViewTests`
    /// parses every one, so a broken template fails the suite, never a running daemon.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all {
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("console template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    static func render(_ name: String, _ data: [String: Any]) -> String {
        guard let html = library.render(data, withTemplate: name) else {
            preconditionFailure("no console template named \(name)")
        }
        return html
    }

    /// A time for people: `2026-12-07 14:03:22 UTC` (the `<time>` element carries RFC 3339).
    static func time(_ instant: Instant) -> String {
        let text = instant.rfc3339
        guard text.count >= 19 else { return text }
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8)) + " UTC"
    }

    /// A duration for people: `840 ms`, `12.4 s`, `3 min 5 s`, `2 h 10 min`.
    static func duration(milliseconds: Int64) -> String {
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        if milliseconds < 60_000 { return String(format: "%.1f s", Double(milliseconds) / 1000) }
        let seconds = milliseconds / 1000
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }

    /// Money for people: `$12.50` (amounts are dollars throughout agentd).
    static func money(_ micros: Int64) -> String {
        micros < 0 ? "-$" + Money.format(-micros) : "$" + Money.format(micros)
    }

    /// JSON shown in a `<pre>`: indented, keys sorted (escaped by the template).
    static func json(_ value: JSONValue) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: foundation(value), options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed]),
              let text = String(data: data, encoding: .utf8) else { return value.canonicalText }
        return text
    }

    private static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let bool): bool
        case .integer(let integer): integer
        case .number(let number): number
        case .string(let string): string
        case .array(let array): array.map(foundation)
        case .object(let object): object.mapValues(foundation)
        }
    }

    /// An error value (a step's or an execution's) as one line: its message when it has one.
    static func errorText(_ value: JSONValue?) -> String? {
        guard let value, value != .null else { return nil }
        if let message = value["message"]?.stringValue {
            if let kind = value["kind"]?.stringValue ?? value["code"]?.stringValue { return "\(kind): \(message)" }
            return message
        }
        return value.stringValue ?? value.canonicalText
    }
}
