/// Which failures are "the same error" (docs/observability.md#errors): the error's kind, the node
/// it happened at, and its message with what changes from one occurrence to the next taken out
/// (numbers, ids, addresses, hex, durations). Two timeouts of `fetch` after 5000 and 8000 ms are
/// one group; a timeout of `fetch` and one of `post` are two.
public enum ErrorFingerprint {
    /// Longest normalised message kept (and hashed): the start of a message says what it is.
    public static let maximumMessageLength = 300

    /// 16 hex digits of SHA-256 over kind, node and the normalised message.
    public static func of(kind: String, node: String?, message: String) -> String {
        let text = kind + "\u{0}" + (node ?? "") + "\u{0}" + normalise(message)
        return String(ContentHash.of(text: text).dropFirst("sha256:".count).prefix(16))
    }

    /// The message with its varying parts replaced by placeholders, whitespace collapsed:
    /// `<id>` (agentd's `ex_…` and other prefixed ULIDs, UUIDs), `<ip>` (IPv4, with a port),
    /// `<hex>` (runs of 8+ hex digits with a digit in them), `<n>` (other numbers, decimals
    /// and signs included).
    public static func normalise(_ message: String) -> String {
        var output = ""
        var tokens: [Substring] = []
        // Words split on whitespace keep punctuation attached; each is normalised on its own.
        for word in message.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) { tokens.append(word) }
        for (index, token) in tokens.enumerated() {
            if index > 0 { output += " " }
            output += normaliseWord(token)
            if output.count >= maximumMessageLength { break }
        }
        return String(output.prefix(maximumMessageLength))
    }

    static func normaliseWord(_ word: Substring) -> String {
        // Leading and trailing punctuation stays as it is: `(ex_01…)`, `5000ms,`.
        let characters = Array(word)
        var start = 0, end = characters.count
        while start < end, isEdge(characters[start]) { start += 1 }
        while end > start, isEdge(characters[end - 1]) { end -= 1 }
        guard start < end else { return String(word) }
        let core = String(characters[start..<end])
        return String(characters[..<start]) + replace(core) + String(characters[end...])
    }

    static func isEdge(_ character: Character) -> Bool { "()[]{}<>,;:'\"`!?".contains(character) || character == "." }

    static func replace(_ core: String) -> String {
        if isPrefixedID(core) || isUUID(core) { return "<id>" }
        if isIPv4(core) { return "<ip>" }
        if isHex(core) { return "<hex>" }
        return replaceNumbers(core)
    }

    /// `ex_01M97…`, `wf_…`, `chg_…`: 2-4 lower-case letters, `_`, 26 Crockford base32 characters.
    static func isPrefixedID(_ text: String) -> Bool {
        let parts = text.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, (2...4).contains(parts[0].count), parts[0].allSatisfy({ $0.isASCII && $0.isLowercase }) else { return false }
        return parts[1].count == 26 && parts[1].allSatisfy { $0.isASCII && ($0.isNumber || $0.isUppercase) }
    }

    static func isUUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    /// `10.0.0.1` or `10.0.0.1:8080`.
    static func isIPv4(_ text: String) -> Bool {
        let host = text.split(separator: ":", maxSplits: 1).first ?? ""
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }
    }

    static func isHex(_ text: String) -> Bool {
        text.count >= 8 && text.allSatisfy { $0.isASCII && $0.isHexDigit } && text.contains(where: \.isNumber)
    }

    /// Each run of digits (with a decimal point inside) becomes `<n>`: `5000ms` → `<n>ms`,
    /// `HTTP 503` → `HTTP <n>`, `v2` → `v<n>`.
    static func replaceNumbers(_ text: String) -> String {
        var result = ""
        var inNumber = false
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            let decimalPoint = character == "." && inNumber && index + 1 < characters.count && characters[index + 1].isNumber
            if (character.isASCII && character.isNumber) || decimalPoint {
                if !inNumber { result += "<n>" }
                inNumber = true
            } else {
                inNumber = false
                result.append(character)
            }
        }
        return result
    }
}
