/// Measures how deeply a JSON text nests arrays and objects without parsing it, so that a
/// hostile body can be refused before a recursive parser sees it.
public enum JSONDepth {
    /// True when `bytes` nests deeper than `limit` (scanning stops at the first level too deep).
    /// Brackets inside strings are ignored; the text need not be valid JSON.
    public static func exceeds(_ limit: Int, in bytes: some Sequence<UInt8>) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return false
    }
}
