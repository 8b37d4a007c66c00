/// A person whose data is exported or erased (docs/compliance.md#export-and-erasure), and the
/// pure rules of finding and replacing them: which whole values name them, which strings in free
/// text mention them, and what takes their place.
public struct ErasureSubject: Sendable, Hashable {
    public let userID: String
    public let login: String
    public let displayName: String
    public let unixUID: Int?
    /// Their API keys' ids (`agk_…`): a key acts as `key:agk_…`.
    public let keyIDs: [String]

    public init(userID: String, login: String, displayName: String, unixUID: Int?, keyIDs: [String]) {
        self.userID = userID
        self.login = login
        self.displayName = displayName
        self.unixUID = unixUID
        self.keyIDs = keyIDs
    }

    /// Values that, as a whole column value, name this person: how agentd writes an actor
    /// (`user:usr_…`, `key:agk_…`, `uid:1000`), a user id, a login.
    public var identifiers: Set<String> {
        var values: Set<String> = [userID, "user:" + userID, login]
        if let unixUID { values.insert("uid:\(unixUID)") }
        for key in keyIDs {
            values.insert(key)
            values.insert("key:" + key)
        }
        return values
    }

    /// Strings whose occurrence in free text (inputs, outputs, comments, audit details) mentions
    /// this person, longest first so that `alice@acme.example` is replaced before `alice`.
    /// Strings shorter than `Mentions.shortest` are left out: a two-letter login would match
    /// inside countless words.
    public var mentions: [String] {
        var values: Set<String> = [userID, login, displayName]
        values.formUnion(keyIDs)
        return values.filter { $0.utf8.count >= Mentions.shortest }
            .sorted { $0.utf8.count != $1.utf8.count ? $0.utf8.count > $1.utf8.count : $0 < $1 }
    }

    /// What replaces this person: `erased:` and 16 hex digits of 8 random bytes. The same for
    /// every value of theirs, so the audit still shows that one person did these things; random,
    /// so nothing about it leads back to who.
    public static func pseudonym(random: [UInt8]) -> String {
        "erased:" + AuditChain.hex(Array(random.prefix(8)))
    }
}

/// Finding and replacing a person's mentions in text.
public enum Mentions {
    public static let shortest = 3

    /// `text` with every occurrence of any of `strings` (ASCII case-insensitive) that is not part
    /// of a longer word replaced by `replacement`, and how many were replaced. A word is letters,
    /// digits and `_`: `alice` is found in `alice@acme.example` and `"alice"` but not in `malice`.
    public static func replace(_ strings: [String], in text: String, with replacement: String) -> (text: String, count: Int) {
        let bytes = Array(text.utf8)
        let needles = strings.map { Array($0.utf8).map(lowered) }.filter { !$0.isEmpty }
        guard !needles.isEmpty, !bytes.isEmpty else { return (text, 0) }
        var output: [UInt8] = []
        var count = 0
        var index = 0
        var copiedTo = 0
        while index < bytes.count {
            if index == 0 || !isWordByte(bytes[index - 1]),
               let needle = needles.first(where: { matches($0, bytes, at: index) }) {
                if output.isEmpty { output.reserveCapacity(bytes.count) }
                output += bytes[copiedTo..<index]
                output += replacement.utf8
                index += needle.count
                copiedTo = index
                count += 1
            } else {
                index += 1
            }
        }
        guard count > 0 else { return (text, 0) }
        output += bytes[copiedTo...]
        return (String(decoding: output, as: UTF8.self), count)
    }

    /// Whether `text` mentions any of `strings`, by the rule of `replace`.
    public static func contains(_ strings: [String], in text: String) -> Bool {
        replace(strings, in: text, with: "").count > 0
    }

    private static func matches(_ needle: [UInt8], _ bytes: [UInt8], at index: Int) -> Bool {
        guard index + needle.count <= bytes.count else { return false }
        for offset in 0..<needle.count where lowered(bytes[index + offset]) != needle[offset] { return false }
        let end = index + needle.count
        return end == bytes.count || !isWordByte(bytes[end])
    }

    private static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte >= 0x80
    }
}
