/// Small stacked bar charts as SVG, drawn on the server (the console's dashboard and costs):
/// no script, no external font, colours from the page's stylesheet through each series'
/// `class`, so light and dark themes both work. The chart says what it shows in its `<title>`
/// and each bar in its own, for screen readers and tooltips.
public struct BarChart: Sendable {
    public struct Series: Sendable {
        /// The CSS class of its bars (`ok`, `failed`, `cost`).
        public let cssClass: String
        public let name: String

        public init(_ cssClass: String, name: String) {
            self.cssClass = cssClass
            self.name = name
        }
    }

    public struct Bar: Sendable {
        /// Under the bar (only some are printed when there are many).
        public let label: String
        /// One value per series, stacked bottom-up in the series' order.
        public let values: [Double]

        public init(label: String, values: [Double]) {
            self.label = label
            self.values = values
        }
    }

    public let title: String
    public let series: [Series]
    public let bars: [Bar]
    /// How a value reads in titles and on the axis (counts, dollars, milliseconds).
    public let format: @Sendable (Double) -> String
    public var width = 480
    public var height = 140

    public init(title: String, series: [Series], bars: [Bar], format: @escaping @Sendable (Double) -> String = { String(Int($0.rounded())) }) {
        self.title = title
        self.series = series
        self.bars = bars
        self.format = format
    }

    static let left = 44, bottom = 18, top = 8, right = 4

    public func svg() -> String {
        let plotWidth = width - Self.left - Self.right
        let plotHeight = height - Self.top - Self.bottom
        let highest = bars.map { $0.values.reduce(0, +) }.max() ?? 0
        let scale = highest > 0 ? Double(plotHeight) / highest : 0
        let slot = bars.isEmpty ? Double(plotWidth) : Double(plotWidth) / Double(bars.count)
        let barWidth = max(1, slot * 0.8)
        let e = XMLEscaping.escaped
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" width=\"\(width)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(width) \(height)\" aria-label=\"\(e(title))\"><title>\(e(title))</title>\n"
        // The axis: zero and the highest stack.
        let base = Self.top + plotHeight
        out += "<line class=\"axis\" x1=\"\(Self.left)\" y1=\"\(base)\" x2=\"\(width - Self.right)\" y2=\"\(base)\"/>\n"
        out += "<text class=\"tick\" x=\"\(Self.left - 4)\" y=\"\(base)\" text-anchor=\"end\">0</text>\n"
        if highest > 0 {
            out += "<text class=\"tick\" x=\"\(Self.left - 4)\" y=\"\(Self.top + 10)\" text-anchor=\"end\">\(e(format(highest)))</text>\n"
        }
        let every = max(1, Int((Double(bars.count) / 6).rounded(.up)))
        for (index, bar) in bars.enumerated() {
            let x = Double(Self.left) + Double(index) * slot + (slot - barWidth) / 2
            var y = Double(base)
            let parts = zip(series, bar.values).map { "\($0.name) \(format($1))" }.joined(separator: ", ")
            out += "<g class=\"bar\"><title>\(e(bar.label)): \(e(parts))</title>"
            for (serie, value) in zip(series, bar.values) where value > 0 {
                let h = value * scale
                y -= h
                out += "<rect class=\"\(e(serie.cssClass))\" x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(barWidth))\" "
                    + "height=\"\(Self.number(h))\"/>"
            }
            out += "</g>\n"
            if index % every == 0 {
                out += "<text class=\"tick\" x=\"\(Self.number(x + barWidth / 2))\" y=\"\(height - 4)\" text-anchor=\"middle\">\(e(bar.label))</text>\n"
            }
        }
        return out + "</svg>"
    }

    /// One decimal at most: short attributes, and the same text on every platform.
    static func number(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
    }
}
