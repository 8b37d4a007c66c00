/// Replaces secret values in text that is about to be stored or logged (a step's output, error,
/// events) with `[secret:PATH]`. A value is found raw, as it appears inside a JSON string
/// (escaped), and in standard and URL-safe base64 (with or without padding). Pure.
public struct Scrubber: Sendable {
    public struct Entry: Sendable, Hashable {
        public let path: String
        public let value: String
        public init(path: String, value: String) {
            self.path = path
            self.value = value
        }
    }

    /// Values shorter than this are not scrubbed: replacing every `1` or `a` would destroy
    /// the output and protect nothing.
    public static let minimumLength = 4

    private let needles: [(String, String)]

    public init(_ entries: [Entry]) {
        var needles: [(String, String)] = []
        for entry in entries where entry.value.utf8.count >= Self.minimumLength {
            let marker = "[secret:\(entry.path)]"
            let escaped = JSONStringEscaping.escaped(entry.value)
            // Some encoders (Foundation's among them) also escape "/" as "\/".
            var forms = [entry.value, escaped, escaped.replacingAll("/", with: "\\/")]
            let base64 = Self.base64(Array(entry.value.utf8))
            forms += [base64, String(base64.reversed().drop { $0 == "=" }.reversed())]
            let urlSafe = base64.replacingAll("+", with: "-").replacingAll("/", with: "_")
            forms += [urlSafe, String(urlSafe.reversed().drop { $0 == "=" }.reversed())]
            for form in Set(forms) where form.utf8.count >= Self.minimumLength { needles.append((form, marker)) }
        }
        // Longest first, so a value containing another is replaced whole.
        self.needles = needles.sorted { $0.0.utf8.count > $1.0.utf8.count }
    }

    public func scrub(_ text: String) -> String {
        var result = text
        for (needle, marker) in needles where result.contains(needle) {
            result = result.replacingAll(needle, with: marker)
        }
        return result
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(triple >> 18 & 0x3F)])
            out.append(alphabet[Int(triple >> 12 & 0x3F)])
            out.append(index + 1 < bytes.count ? alphabet[Int(triple >> 6 & 0x3F)] : "=")
            out.append(index + 2 < bytes.count ? alphabet[Int(triple & 0x3F)] : "=")
            index += 3
        }
        return out
    }
}

extension String {
    /// Every occurrence of `needle` replaced (Core has no Foundation string helpers).
    func replacingAll(_ needle: String, with replacement: String) -> String {
        guard !needle.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: needle) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(of needle: String) -> Range<Substring.Index>? {
        guard let first = needle.first else { return nil }
        var index = startIndex
        while let found = self[index...].firstIndex(of: first) {
            if self[found...].hasPrefix(needle) { return found..<self.index(found, offsetBy: needle.count) }
            index = self.index(after: found)
        }
        return nil
    }
}
