/// Base32 without padding: RFC 4648's alphabet (A–Z, 2–7) for TOTP secrets, or another
/// 32-character alphabet (Crockford's for IDs and tokens).
public enum Base32 {
    static let rfc4648: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    public static func encode(_ bytes: [UInt8]) -> String { encode(bytes, alphabet: rfc4648) }

    /// 5 bits a character, most significant first; the last character is zero-padded.
    static func encode(_ bytes: [UInt8], alphabet: [Character]) -> String {
        var text = ""
        var buffer: UInt64 = 0
        var bits = 0
        for byte in bytes {
            buffer = ((buffer << 8) | UInt64(byte)) & 0xFFFF
            bits += 8
            while bits >= 5 {
                bits -= 5
                text.append(alphabet[Int((buffer >> UInt64(bits)) & 0x1F)])
            }
        }
        if bits > 0 { text.append(alphabet[Int((buffer << UInt64(5 - bits)) & 0x1F)]) }
        return text
    }
}
