/// A search result's snippet (`… the «invoice» was …`) cut into plain and matched runs, so a
/// page can mark the matches while every character stays escaped text.
public enum SnippetParts {
    public struct Part: Hashable, Sendable {
        public let text: String
        public let matched: Bool

        public init(text: String, matched: Bool) {
            self.text = text
            self.matched = matched
        }
    }

    /// Runs in order; « opens a match and » closes it, and neither is shown. A » with no « is
    /// kept as text; a « left open marks the rest.
    public static func split(_ snippet: String) -> [Part] {
        var parts: [Part] = []
        var current = "", matched = false
        func flush() {
            if !current.isEmpty { parts.append(Part(text: current, matched: matched)) }
            current = ""
        }
        for character in snippet {
            switch character {
            case "«" where !matched:
                flush()
                matched = true
            case "»" where matched:
                flush()
                matched = false
            default:
                current.append(character)
            }
        }
        flush()
        return parts
    }
}
