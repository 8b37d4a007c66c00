/// Two texts side by side, line by line, for the console's version comparison: the longest
/// common subsequence of lines is kept in place, and what differs is paired up so a changed
/// line reads beside the one it replaced.
public enum LineDiff {
    public enum Kind: String, Sendable, Hashable {
        case same, changed, removed, added
    }

    public struct Row: Sendable, Hashable {
        public let kind: Kind
        /// 1-based line numbers and texts; nil on the side the line is missing from.
        public let leftNumber: Int?
        public let left: String?
        public let rightNumber: Int?
        public let right: String?
    }

    /// The most cells of the comparison table it will fill (lines × lines); larger texts are
    /// not compared (nil), so a huge file cannot cost the page seconds.
    public static let maximumCells = 4_000_000

    public static func sideBySide(_ old: String, _ new: String) -> [Row]? {
        let a = lines(old), b = lines(new)
        guard a.count * b.count <= maximumCells else { return nil }
        // lengths[i][j]: the LCS length of a[i...] and b[j...], in one flat array.
        let width = b.count + 1
        var lengths = [Int32](repeating: 0, count: (a.count + 1) * width)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i * width + j] = a[i] == b[j] ? lengths[(i + 1) * width + j + 1] + 1
                    : max(lengths[(i + 1) * width + j], lengths[i * width + j + 1])
            }
        }
        var rows: [Row] = []
        var removed: [Int] = [], added: [Int] = []
        func flush() {
            for index in 0..<max(removed.count, added.count) {
                let l = index < removed.count ? removed[index] : nil, r = index < added.count ? added[index] : nil
                let kind: Kind = l != nil && r != nil ? .changed : l != nil ? .removed : .added
                rows.append(Row(kind: kind, leftNumber: l.map { $0 + 1 }, left: l.map { a[$0] }, rightNumber: r.map { $0 + 1 }, right: r.map { b[$0] }))
            }
            removed.removeAll()
            added.removeAll()
        }
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                flush()
                rows.append(Row(kind: .same, leftNumber: i + 1, left: a[i], rightNumber: j + 1, right: b[j]))
                i += 1
                j += 1
            } else if j < b.count, i == a.count || lengths[i * width + j + 1] >= lengths[(i + 1) * width + j] {
                added.append(j)
                j += 1
            } else {
                removed.append(i)
                i += 1
            }
        }
        flush()
        return rows
    }

    static func lines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
