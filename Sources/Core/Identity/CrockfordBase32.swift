/// Crockford's base32 alphabet (no I, L, O, U), used for the body of resource IDs and for
/// secrets people may have to read or type.
public enum CrockfordBase32 {
    static let alphabet: [Character] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// ASCII byte → digit value, or -1. A table, because IDs and tokens are parsed on every request.
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (index, character) in alphabet.enumerated() {
            if let ascii = character.asciiValue { table[Int(ascii)] = Int8(index) }
        }
        return table
    }()

    static func value(of character: Character) -> UInt64? {
        guard let ascii = character.asciiValue else { return nil }
        return value(ofByte: ascii)
    }

    static func value(ofByte byte: UInt8) -> UInt64? {
        guard byte < 128 else { return nil }
        let value = values[Int(byte)]
        return value < 0 ? nil : UInt64(value)
    }

    static func isValid(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { value(ofByte: $0) != nil }
    }

    /// Encodes bytes, 5 bits a character (the last one zero-padded).
    public static func encode(bytes: [UInt8]) -> String {
        Base32.encode(bytes, alphabet: alphabet)
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
