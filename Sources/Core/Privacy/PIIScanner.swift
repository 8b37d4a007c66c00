import Foundation

/// Finds and masks the personal data of some kinds and custom patterns in text and in JSON
/// payloads: what a `PrivacyRules` gives each place it guards. Counts are by kind name (a
/// built-in kind's raw value, or a custom pattern's name); values are never kept.
public struct PIIScanner: Sendable {
    public let kinds: Set<PIIKind>
    private let compiled: [Compiled]

    /// why @unchecked: NSRegularExpression is immutable once made and documented safe to use
    /// from several threads at once.
    private struct Compiled: @unchecked Sendable {
        let name: String
        let regex: NSRegularExpression
    }

    public init(kinds: Set<PIIKind>, patterns: [CustomPIIPattern]) {
        self.kinds = kinds
        // Validated when set; one that no longer compiles (another ICU) is skipped, not fatal.
        compiled = patterns.compactMap { pattern in RegexCache.shared.regex(pattern.regex).map { Compiled(name: pattern.name, regex: $0) } }
    }

    /// Compiled custom patterns by their text: a scanner is made for each step a policy guards
    /// (its input, its outcome, its prompt), and compiling the org's patterns each time was work
    /// done again and again on the engine's path. At most 20 patterns an org; the cache is
    /// emptied past `limit`.
    final class RegexCache: @unchecked Sendable {  // why unchecked: `entries` only under `lock`
        static let shared = RegexCache()
        static let limit = 1_000
        private let lock = NSLock()
        private var entries: [String: NSRegularExpression] = [:]

        func regex(_ pattern: String) -> NSRegularExpression? {
            lock.lock()
            defer { lock.unlock() }
            if let regex = entries[pattern] { return regex }
            guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
            if entries.count >= Self.limit { entries.removeAll() }
            entries[pattern] = regex
            return regex
        }
    }

    /// `text` with each finding replaced by `[kind]` (`[email]`, `[employee_id]`), and how
    /// many of each were masked.
    public func mask(_ text: String) -> (text: String, counts: [String: Int]) {
        var counts: [String: Int] = [:]
        var result = text
        if !kinds.isEmpty {
            let (masked, found) = PIIDetector.mask(text, kinds: kinds)
            result = masked
            for (kind, count) in found { counts[kind.rawValue, default: 0] += count }
        }
        for pattern in compiled {
            let whole = NSRange(location: 0, length: (result as NSString).length)
            let found = pattern.regex.numberOfMatches(in: result, range: whole)
            guard found > 0 else { continue }
            counts[pattern.name, default: 0] += found
            result = pattern.regex.stringByReplacingMatches(in: result, range: whole, withTemplate: "[\(pattern.name)]")
        }
        return (result, counts)
    }

    /// The kind names found in `text`.
    public func found(in text: String) -> Set<String> {
        var names = Set(PIIDetector.find(in: text, kinds: kinds).map(\.kind.rawValue))
        for pattern in compiled where pattern.regex.firstMatch(in: text, range: NSRange(location: 0, length: (text as NSString).length)) != nil {
            names.insert(pattern.name)
        }
        return names
    }

    /// Every string in `value` masked (object keys stay: they are a payload's shape, written
    /// by a workflow's author).
    public func mask(_ value: JSONValue) -> (value: JSONValue, counts: [String: Int]) {
        var counts: [String: Int] = [:]
        func walk(_ value: JSONValue) -> JSONValue {
            switch value {
            case .string(let text):
                // Nothing shorter can hold any kind (an IPv6 `::1` is three; a pattern may be
                // shorter, so only without patterns).
                guard compiled.isEmpty ? text.utf8.count >= 3 : !text.isEmpty else { return value }
                let (masked, found) = mask(text)
                guard !found.isEmpty else { return value }
                counts.merge(found, uniquingKeysWith: +)
                return .string(masked)
            case .array(let items): return .array(items.map(walk))
            case .object(let object): return .object(object.mapValues(walk))
            default: return value
            }
        }
        return (walk(value), counts)
    }

    /// The kind names found in any string of `value`.
    public func found(in value: JSONValue) -> Set<String> {
        switch value {
        case .string(let text): found(in: text)
        case .array(let items): items.reduce(into: Set<String>()) { $0.formUnion(found(in: $1)) }
        case .object(let object): object.values.reduce(into: Set<String>()) { $0.formUnion(found(in: $1)) }
        default: []
        }
    }
}

/// Counts of masked findings by kind name, as an execution keeps them.
public enum PIICounts {
    /// `a` plus `b`.
    public static func adding(_ a: [String: Int], _ b: [String: Int]) -> [String: Int] { a.merging(b, uniquingKeysWith: +) }

    /// The metric label for a kind name: built-in kinds by name, custom patterns as `custom`
    /// (their names are the org's, and unbounded across orgs).
    public static func metricLabel(_ name: String) -> String { PIIKind(rawValue: name)?.rawValue ?? PIIKindSelection.customName }
}
