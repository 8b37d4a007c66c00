/// How agentd escapes the inside of a JSON string (RFC 8259 §7): `"` and `\` with a backslash,
/// newline, return and tab by name, other control characters as `\u00XX`, everything else
/// (`/` and non-ASCII included) as it is.
///
/// The one escaper: the canonical JSON writer (`JSONValue.canonicalText`) and the scrubber's
/// JSON form of a secret (`Scrubber`) use it, so a secret written into stored JSON is found in
/// exactly the form it was written in.
///
/// ```swift
/// JSONStringEscaping.escaped("a\"b\n")  // a\"b\n  (6 characters)
/// ```
public enum JSONStringEscaping {
    /// `string`, escaped, without the surrounding quotes.
    public static func escaped(_ string: String) -> String {
        var out = ""
        append(string, to: &out)
        return out
    }

    /// Appends `string`, escaped, to `out` (no quotes).
    public static func append(_ string: String, to out: inout String) {
        // Most strings need no escaping: append them whole.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out += string
            return
        }
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}
