/// One metric family as `/metrics` exposes it: its full name, type, help text and label names.
///
/// Every family agentd exposes is declared once in `MetricCatalog`; the code that records or
/// renders a value names the family, never a string of its own, and docs/metrics.md is checked
/// against the catalog by a test. Names follow Prometheus conventions (`promtool check metrics`):
/// base units in the name (`_seconds`, `_bytes`), `_total` on counters and only on counters.
public struct MetricFamily: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case counter, gauge, histogram
    }

    /// How the family is fed, for the reader of docs/metrics.md.
    public enum Source: String, Sendable {
        /// Recorded as it happens (a request served, a commit, a step attempt).
        case event
        /// Read when `/metrics` is scraped, from counters agentd keeps in memory or in small
        /// tables kept up to date by triggers: never a scan of history.
        case scrape
    }

    public let name: String
    public let kind: Kind
    public let labels: [String]
    public let help: String
    public let source: Source
    /// A histogram's bucket bounds, in the family's unit (seconds for `_seconds`).
    public let buckets: [Double]

    public init(_ name: String, _ kind: Kind, labels: [String] = [], source: Source, buckets: [Double] = [], _ help: String) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
        self.source = source
        self.buckets = buckets
    }

    /// Whether the name keeps the conventions promtool checks (and a few of agentd's own).
    public var conventionProblems: [String] {
        var problems: [String] = []
        if !name.hasPrefix("agentd_") { problems.append("does not start with agentd_") }
        if name.contains(where: { !($0.isLowercase || $0.isNumber || $0 == "_") }) { problems.append("is not snake_case ASCII") }
        switch kind {
        case .counter where !name.hasSuffix("_total"): problems.append("is a counter without _total")
        case .gauge where name.hasSuffix("_total"), .histogram where name.hasSuffix("_total"):
            problems.append("ends in _total but is not a counter")
        default: break
        }
        for reserved in ["_count", "_sum", "_bucket"] where name.hasSuffix(reserved) {
            problems.append("ends in \(reserved), which histograms reserve")
        }
        for unit in ["_milliseconds", "_microseconds", "_ms", "_us", "_kilobytes", "_megabytes", "_minutes", "_hours"]
        where name.contains(unit) {
            problems.append("uses \(unit) instead of a base unit (seconds, bytes)")
        }
        if help.isEmpty { problems.append("has no help text") }
        if (kind == .histogram) == buckets.isEmpty { problems.append(kind == .histogram ? "is a histogram without buckets" : "has buckets but is no histogram") }
        if labels.contains(where: { $0.isEmpty || $0.hasPrefix("__") || $0 == "le" }) { problems.append("has a reserved label name") }
        return problems
    }
}
