/// The text of an API key as its holder sees it: `agk_<key id>_<secret>`.
///
/// The key id (an `APIKeyID`) is public and names the stored row; the secret is 32 random
/// bytes in Crockford base32 (52 characters), shown once and stored only as a keyed hash.
/// The `agk_` prefix makes leaked keys easy to recognise (secret scanners, logs).
public struct APIKeyToken: Hashable, Sendable {
    public let id: APIKeyID
    public let secret: String

    public static let secretLength = 52

    public init(id: APIKeyID, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// Makes a token for `id` from 32 random bytes.
    public init(id: APIKeyID, randomBytes: [UInt8]) {
        precondition(randomBytes.count == 32, "an API key secret is 32 bytes")
        var text = ""
        var buffer: UInt64 = 0
        var bits = 0
        for byte in randomBytes {
            buffer = (buffer << 8) | UInt64(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                text.append(CrockfordBase32.alphabet[Int((buffer >> UInt64(bits)) & 0x1F)])
            }
        }
        if bits > 0 { text.append(CrockfordBase32.alphabet[Int((buffer << UInt64(5 - bits)) & 0x1F)]) }
        self.init(id: id, secret: text)
    }

    /// Parses a presented token; nil unless it has the exact shape (no hint which part is wrong).
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        guard text.utf8.count == 4 + 26 + 1 + Self.secretLength,
              let separator = text.lastIndex(of: "_"),
              let id = APIKeyID(String(text[..<separator])) else { return nil }
        let secret = String(text[text.index(after: separator)...])
        guard secret.count == Self.secretLength, CrockfordBase32.isValid(secret), secret == secret.uppercased() else { return nil }
        self.init(id: id, secret: secret)
    }

    public var text: String { id.rawValue + "_" + secret }
}
