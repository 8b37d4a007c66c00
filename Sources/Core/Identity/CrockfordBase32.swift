/// Crockford's base32 alphabet (no I, L, O, U), used for the body of resource IDs.
enum CrockfordBase32 {
    static let alphabet: [Character] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    static func value(of character: Character) -> UInt64? {
        guard let ascii = character.asciiValue else { return nil }
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(ascii - UInt8(ascii: "0"))
        default:
            guard let index = alphabet.firstIndex(of: character) else { return nil }
            return UInt64(index)
        }
    }

    static func isValid(_ text: some StringProtocol) -> Bool {
        text.allSatisfy { value(of: $0) != nil }
    }

    /// Encodes 128 bits as 26 characters, most significant first.
    static func encode128(high: UInt64, low: UInt64) -> String {
        var characters = [Character](repeating: "0", count: 26)
        var high = high, low = low
        for index in stride(from: 25, through: 0, by: -1) {
            characters[index] = alphabet[Int(low & 0x1F)]
            // shift the 128-bit value right by 5
            low = (low >> 5) | ((high & 0x1F) << 59)
            high >>= 5
        }
        return String(characters)
    }

    /// Decodes 26 valid characters back to 128 bits (the caller has validated them).
    static func decode128(_ text: String) -> (high: UInt64, low: UInt64) {
        var high: UInt64 = 0, low: UInt64 = 0
        for character in text {
            let digit = value(of: character) ?? 0
            high = (high << 5) | (low >> 59)
            low = (low << 5) | digit
        }
        return (high, low)
    }
}
