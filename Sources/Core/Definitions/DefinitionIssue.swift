/// One thing wrong with a definition, at a path a person can find in their YAML
/// (`nodes.classify.input.text`), with what to do about it.
public struct DefinitionIssue: Hashable, Sendable, Codable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// A definition broke one or more rules; every issue found is listed, not only the first.
public struct DefinitionError: Error, Hashable, Sendable, CustomStringConvertible {
    public let issues: [DefinitionIssue]

    public init(_ issues: [DefinitionIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// Joins path segments the way issues show them: `nodes.fetch.input.headers[0]`.
enum IssuePath {
    static func join(_ base: String, _ key: String) -> String {
        base.isEmpty ? key : "\(base).\(key)"
    }

    static func join(_ base: String, index: Int) -> String {
        "\(base)[\(index)]"
    }
}

/// "Did you mean" for misspelt names: the closest candidate within a small edit distance.
public enum NameSuggestion {
    public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        var best: (String, Int)?
        let limit = max(1, min(3, name.count / 3 + 1))
        for candidate in candidates where candidate != name {
            let distance = editDistance(name, candidate, limit: limit)
            if distance <= limit, distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// Levenshtein distance, giving up early (returning limit + 1) past `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if abs(a.count - b.count) > limit { return limit + 1 }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return limit + 1 }
            swap(&previous, &current)
        }
        return a.isEmpty ? b.count : previous[b.count]
    }

    /// " — did you mean 'x'?" or nothing.
    public static func hint(for name: String, in candidates: some Sequence<String>) -> String {
        closest(to: name, in: candidates).map { " — did you mean '\($0)'?" } ?? ""
    }
}
