/// Byte-level substring checks for the validator's hot paths: the generic `contains` and
/// `firstRange(of:)` of the standard library cost microseconds per call, and a 500-node
/// workflow makes thousands of them.
enum TextScan {
    /// The UTF-8 offset of the first `needle` in `text`, or nil. `needle` is ASCII.
    static func offset(of needle: String, in text: String) -> Int? {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first else { return 0 }
        var text = text
        return text.withUTF8 { bytes -> Int? in
            guard bytes.count >= pattern.count else { return nil }
            var index = 0
            let last = bytes.count - pattern.count
            while index <= last {
                if bytes[index] == first {
                    var matched = true
                    for step in 1..<pattern.count where bytes[index + step] != pattern[step] {
                        matched = false
                        break
                    }
                    if matched { return index }
                }
                index += 1
            }
            return nil
        }
    }

    static func contains(_ needle: String, in text: String) -> Bool { offset(of: needle, in: text) != nil }

    /// True when `text` may hold a template (has `{{`).
    static func hasTemplate(_ text: String) -> Bool { contains("{{", in: text) }
}
