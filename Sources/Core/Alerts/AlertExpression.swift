/// An alert rule's condition, as typed: `failure_rate(workflow='*', window=15m) > 0.2`.
///
/// A kind names what is measured (each from what agentd already knows, docs/observability.md
/// #alerts), its arguments narrow it, and a comparison with a threshold says when it holds. The
/// comparison may be left out (`vault_sealed()`): the condition then holds when the value is above
/// zero. A threshold may carry a unit: `%` (a fraction), `ms`, `s`, `m` (seconds).
public struct AlertExpression: Hashable, Sendable {
    public enum Kind: String, CaseIterable, Hashable, Sendable {
        /// Failed over finished executions of a workflow (or each workflow) in a window.
        case failureRate = "failure_rate"
        /// Failures in a row of a workflow's latest finished executions.
        case consecutiveFailures = "consecutive_failures"
        /// Spend this period over the limit of a budget (the org's, a team's, or each).
        case budgetUsed = "budget_used"
        /// The org's executions waiting for a worker.
        case queueDepth = "queue_depth"
        /// The 99th percentile of API request durations in a window, in seconds.
        case apiLatencyP99 = "api_latency_p99"
        /// Seconds the database writer has had work queued without committing.
        case writerStall = "writer_stall"
        /// 1 while the vault is sealed.
        case vaultSealed = "vault_sealed"
        /// The free fraction of the file system that holds the database.
        case diskFree = "disk_free"

        /// Arguments the kind takes, with their defaults.
        var arguments: [String: String] {
            switch self {
            case .failureRate: ["workflow": "*", "window": "15m", "min": "1"]
            case .consecutiveFailures: ["workflow": "*"]
            case .budgetUsed: ["team": "*"]
            case .apiLatencyP99: ["window": "5m"]
            case .queueDepth, .writerStall, .vaultSealed, .diskFree: [:]
            }
        }

        /// Kinds that measure the installation rather than one org: only callers whose scope
        /// reaches the whole installation may make rules of them.
        public var isInstallationWide: Bool {
            switch self {
            case .apiLatencyP99, .writerStall, .vaultSealed, .diskFree: true
            case .failureRate, .consecutiveFailures, .budgetUsed, .queueDepth: false
            }
        }

        /// Whether the threshold may be given in seconds (`2s`, `500ms`).
        var isDuration: Bool { self == .apiLatencyP99 || self == .writerStall }
    }

    public enum Comparison: String, CaseIterable, Hashable, Sendable {
        case greaterOrEqual = ">=", lessOrEqual = "<=", equal = "==", notEqual = "!=", greater = ">", less = "<"
    }

    public let kind: Kind
    /// Every argument the kind takes, defaults filled in.
    public let arguments: [String: String]
    public let comparison: Comparison
    public let threshold: Double

    /// The workflow or budget team it is about, or `*` for each one.
    public var subject: String { arguments["workflow"] ?? arguments["team"] ?? "" }
    /// Whether each workflow (or budget) is its own alert instance.
    public var isPerSubject: Bool { subject == "*" }
    public var windowMilliseconds: Int64 { arguments["window"].flatMap(TimeFilter.milliseconds) ?? 0 }
    public var minimumExecutions: Int { arguments["min"].flatMap(Int.init) ?? 1 }

    public func holds(_ value: Double) -> Bool {
        switch comparison {
        case .greater: value > threshold
        case .greaterOrEqual: value >= threshold
        case .less: value < threshold
        case .lessOrEqual: value <= threshold
        case .equal: value == threshold
        case .notEqual: value != threshold
        }
    }

    /// The canonical spelling: every argument, sorted, quoted where it is a name.
    public var text: String {
        let arguments = self.arguments.sorted { $0.key < $1.key }.map { key, value in
            key == "workflow" || key == "team" ? "\(key)='\(value)'" : "\(key)=\(value)"
        }
        return "\(kind.rawValue)(\(arguments.joined(separator: ", "))) \(comparison.rawValue) \(Self.number(threshold))"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    public static let maximumLength = 300
    static let longestWindow = 7 * Milliseconds.day

    /// Reads `text`, or says what is wrong with it and how to write it.
    public static func parse(_ text: String) throws(ValidationError) -> AlertExpression {
        func refuse(_ message: String) -> ValidationError { ValidationError(field: "expr", message) }
        guard text.utf8.count <= maximumLength else { throw refuse("is longer than \(maximumLength) characters") }
        var scan = Substring(text).trimmingSpaces
        let name = scan.prefix { $0.isLetter || $0 == "_" || $0.isNumber }
        guard let kind = Kind(rawValue: String(name)) else {
            throw refuse("must start with one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")); got `\(name.isEmpty ? scan.prefix(20) : name)`")
        }
        scan = scan.dropFirst(name.count).trimmingSpaces
        guard scan.first == "(", let close = scan.firstIndex(of: ")") else { throw refuse("needs its arguments in parentheses: \(kind.rawValue)(…)") }
        var arguments = kind.arguments
        let inside = scan[scan.index(after: scan.startIndex)..<close].trimmingSpaces
        var given: Set<String> = []
        if !inside.isEmpty {
            for part in inside.split(separator: ",", omittingEmptySubsequences: false) {
                let pair = part.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { throw refuse("argument `\(part.trimmingSpaces)` must be name=value") }
                let key = String(pair[0].trimmingSpaces)
                var value = pair[1].trimmingSpaces
                if let quote = value.first, quote == "'" || quote == "\"" {
                    guard value.count >= 2, value.last == quote else { throw refuse("argument \(key) has an unclosed quote") }
                    value = value.dropFirst().dropLast()
                }
                guard arguments[key] != nil else {
                    let known = kind.arguments.keys.sorted()
                    throw refuse("\(kind.rawValue) takes \(known.isEmpty ? "no arguments" : known.joined(separator: ", ")); got `\(key)`")
                }
                guard given.insert(key).inserted else { throw refuse("argument \(key) is given twice") }
                guard !value.isEmpty, value.count <= 100, !value.contains(where: { $0 == "'" || $0 == "\"" || $0.isNewline }) else {
                    throw refuse("argument \(key) must be 1 to 100 characters without quotes")
                }
                arguments[key] = String(value)
            }
        }
        if let window = arguments["window"] {
            guard let millis = TimeFilter.milliseconds(window), millis >= Milliseconds.minute, millis <= longestWindow else {
                throw refuse("window must be a duration from 1m to 7d, like 15m or 1h; got `\(window)`")
            }
        }
        if let minimum = arguments["min"] {
            guard let count = Int(minimum), (1...1_000_000).contains(count) else { throw refuse("min must be a whole number of executions from 1; got `\(minimum)`") }
        }
        scan = scan[scan.index(after: close)...].trimmingSpaces
        guard !scan.isEmpty else {
            return AlertExpression(kind: kind, arguments: arguments, comparison: .greater, threshold: 0)
        }
        guard let comparison = Comparison.allCases.first(where: { scan.hasPrefix($0.rawValue) }) else {
            throw refuse("after \(kind.rawValue)(…) comes a comparison (>, >=, <, <=, ==, !=) and a number; got `\(scan.prefix(20))`")
        }
        let number = scan.dropFirst(comparison.rawValue.count).trimmingSpaces
        guard let threshold = threshold(number, kind: kind) else {
            throw refuse("the threshold must be a number\(kind.isDuration ? " or a duration (500ms, 2s, 1m)" : "") or a percentage (20%); got `\(number.prefix(20))`")
        }
        return AlertExpression(kind: kind, arguments: arguments, comparison: comparison, threshold: threshold)
    }

    static func threshold(_ text: Substring, kind: Kind) -> Double? {
        let units: [(String, Double)] = kind.isDuration ? [("ms", 0.001), ("s", 1), ("m", 60), ("%", 0.01)] : [("%", 0.01)]
        var scale = 1.0, digits = text
        if let (suffix, factor) = units.first(where: { text.hasSuffix($0.0) }) {
            scale = factor
            digits = text.dropLast(suffix.count)
        }
        guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy({ $0.isASCIIDigit || $0 == "." || $0 == "-" }),
              let value = Double(String(digits)), value.isFinite else { return nil }
        return value * scale
    }
}
