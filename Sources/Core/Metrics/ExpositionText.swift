import Foundation

/// Renders values read at scrape time in the Prometheus text format (version 0.0.4): HELP and
/// TYPE from the catalog, then one line per sample. Label values are escaped as the format says
/// (backslash, double quote, line feed).
public enum ExpositionText {
    public struct Sample: Sendable, Equatable {
        public let labels: [String]
        public let value: Double
        public init(labels: [String] = [], _ value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    /// The family's lines; a family with no samples is left out (Prometheus reads that as absent).
    /// `labels` of each sample are the values of `family.labels`, in order.
    public static func render(_ family: MetricFamily, _ samples: [Sample], into text: inout String) {
        guard !samples.isEmpty else { return }
        text += "# HELP \(family.name) \(escapeHelp(family.help))\n# TYPE \(family.name) \(family.kind.rawValue)\n"
        for sample in samples {
            text += family.name
            if !family.labels.isEmpty {
                text += "{"
                for (index, name) in family.labels.enumerated() {
                    if index > 0 { text += "," }
                    text += name + "=\"" + escapeLabel(index < sample.labels.count ? sample.labels[index] : "") + "\""
                }
                text += "}"
            }
            text += " " + format(sample.value) + "\n"
        }
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
