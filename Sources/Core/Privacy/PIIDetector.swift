/// Personal data in free text (docs/compliance.md#pii-detection-and-masking): what
/// kind, where. Pure and table-tested; each detector checks what can be checked (Luhn for cards,
/// mod 97 for IBANs, the check digit of a German tax id, the rules of US SSNs and UK NINOs), so
/// a number that merely looks like one is not reported.
public enum PIIKind: String, Sendable, Hashable, CaseIterable, Comparable {
    case email
    case phone
    case iban
    case paymentCard = "payment_card"
    case ipv4
    case ipv6
    case usSSN = "us_ssn"
    case germanTaxID = "de_tax_id"
    case ukNINO = "uk_nino"

    public static func < (lhs: PIIKind, rhs: PIIKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One finding: its kind and where it is, in UTF-8 byte offsets of the text.
public struct PIIMatch: Sendable, Hashable {
    public let kind: PIIKind
    public let range: Range<Int>
}

public enum PIIDetector {
    /// Every finding in `text`, in order, none overlapping (the earlier and then longer wins).
    public static func find(in text: String, kinds: Set<PIIKind> = Set(PIIKind.allCases)) -> [PIIMatch] {
        let bytes = Array(text.utf8)
        var found: [PIIMatch] = []
        var index = 0
        while index < bytes.count {
            // Candidates start only at the beginning of a token: not inside a word or a number.
            if index > 0, isWordByte(bytes[index - 1]), isWordByte(bytes[index]) {
                index += 1
                continue
            }
            if let match = longestMatch(bytes, at: index, kinds: kinds) {
                found.append(match)
                index = match.range.upperBound
            } else {
                index += 1
            }
        }
        // Emails are found from their `@`: a second pass, merged in order where nothing else was
        // found (both lists are sorted, so the merge is one walk).
        guard kinds.contains(.email) else { return found }
        var merged: [PIIMatch] = []
        merged.reserveCapacity(found.count)
        var next = 0
        for email in emails(bytes) {
            while next < found.count, found[next].range.upperBound <= email.range.lowerBound {
                merged.append(found[next])
                next += 1
            }
            let clashes = next < found.count && found[next].range.overlaps(email.range)
            if !clashes, merged.last.map({ !$0.range.overlaps(email.range) }) ?? true { merged.append(email) }
        }
        merged += found[next...]
        return merged
    }

    /// `text` with each finding replaced by `[kind]` (`[email]`, `[payment_card]`), and how many
    /// of each kind were masked (counted, never the values).
    public static func mask(_ text: String, kinds: Set<PIIKind> = Set(PIIKind.allCases)) -> (text: String, counts: [PIIKind: Int]) {
        let matches = find(in: text, kinds: kinds)
        guard !matches.isEmpty else { return (text, [:]) }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var counts: [PIIKind: Int] = [:]
        var position = 0
        for match in matches {
            output += bytes[position..<match.range.lowerBound]
            output += Array("[\(match.kind.rawValue)]".utf8)
            counts[match.kind, default: 0] += 1
            position = match.range.upperBound
        }
        output += bytes[position...]
        return (String(decoding: output, as: UTF8.self), counts)
    }

    // MARK: - Detectors at a position

    static func longestMatch(_ bytes: [UInt8], at start: Int, kinds: Set<PIIKind>) -> PIIMatch? {
        let first = bytes[start]
        var best: PIIMatch?
        func consider(_ kind: PIIKind, _ end: Int?) {
            guard let end, kinds.contains(kind), end > start, end == bytes.count || !isWordByte(bytes[end]) else { return }
            if best == nil || end > best!.range.upperBound { best = PIIMatch(kind: kind, range: start..<end) }
        }
        // A number's later group (`0532` in `3704 0044 0532`) is not a number of its own.
        let before = start >= 2 ? bytes[start - 1] : 0
        let continuesNumber = (before == 0x20 || before == 0x2D || before == 0x2E) && isDigit(bytes[start - 2])
        if (isDigit(first) || first == 0x2B || first == 0x28) && !continuesNumber {  // digit, +, (
            consider(.paymentCard, card(bytes, start))
            consider(.usSSN, ssn(bytes, start))
            consider(.germanTaxID, germanTaxID(bytes, start))
            consider(.ipv4, ipv4(bytes, start))
            consider(.phone, phone(bytes, start))
        }
        if isUpper(first) {
            consider(.iban, iban(bytes, start))
            consider(.ukNINO, nino(bytes, start))
        }
        if isHex(first) || first == 0x3A {
            consider(.ipv6, ipv6(bytes, start))
        }
        return best
    }

    /// 13-19 digits, single spaces or hyphens between groups, with an issuer's prefix and
    /// length, Luhn-valid.
    static func card(_ bytes: [UInt8], _ start: Int) -> Int? {
        let (digits, end) = digitRun(bytes, start, separators: cardSeparators, maximum: 19)
        guard (13...19).contains(digits.count), issued(digits), luhn(digits) else { return nil }
        return end
    }

    static let cardSeparators: Set<UInt8> = [0x20, 0x2D]

    /// The networks' prefixes and lengths: Visa 4 (13, 16, 19), Mastercard 51-55 and
    /// 2221-2720 (16), Amex 34, 37 (15), Diners 30, 36, 38 (14-19), JCB 35 (16-19), Discover and
    /// UnionPay 6 (16-19). One Luhn-valid run in ten passes Luhn by chance; this keeps most such
    /// runs (an account number inside an IBAN) from being taken for cards.
    static func issued(_ digits: [Int]) -> Bool {
        let two = digits[0] * 10 + digits[1], four = two * 100 + digits[2] * 10 + digits[3], count = digits.count
        switch digits[0] {
        case 4: return [13, 16, 19].contains(count)
        case 5: return (51...55).contains(two) && count == 16
        case 2: return (2221...2720).contains(four) && count == 16
        case 3:
            if two == 34 || two == 37 { return count == 15 }
            if two == 35 { return count >= 16 }
            return [30, 36, 38].contains(two) && count >= 14
        case 6: return count >= 16
        default: return false
        }
    }

    /// `AAA-GG-SSSS`: area not 000, 666 or 9xx; group not 00; serial not 0000.
    static func ssn(_ bytes: [UInt8], _ start: Int) -> Int? {
        guard start + 11 <= bytes.count else { return nil }
        let shape = Array(bytes[start..<start + 11])
        guard shape[3] == 0x2D, shape[6] == 0x2D,
              [0, 1, 2, 4, 5, 7, 8, 9, 10].allSatisfy({ isDigit(shape[$0]) }) else { return nil }
        let area = number(shape[0..<3]), group = number(shape[4..<6]), serial = number(shape[7..<11])
        guard area != 0, area != 666, area < 900, group != 0, serial != 0 else { return nil }
        return start + 11
    }

    /// 11 digits, not starting with 0, whose last is the ISO 7064 MOD 11,10 check digit.
    static func germanTaxID(_ bytes: [UInt8], _ start: Int) -> Int? {
        guard start + 11 <= bytes.count, bytes[start] != 0x30, bytes[start..<start + 11].allSatisfy(isDigit) else { return nil }
        let digits = bytes[start..<start + 11].map { Int($0 - 0x30) }
        var product = 10
        for digit in digits.prefix(10) {
            var sum = (digit + product) % 10
            if sum == 0 { sum = 10 }
            product = (sum * 2) % 11
        }
        let check = (11 - product) % 10
        return check == digits[10] ? start + 11 : nil
    }

    /// Four numbers 0-255 with dots; a port is not part of it.
    static func ipv4(_ bytes: [UInt8], _ start: Int) -> Int? {
        var index = start
        for part in 0..<4 {
            var length = 0, value = 0
            while index < bytes.count, isDigit(bytes[index]), length < 3 {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
                length += 1
            }
            guard length > 0, value <= 255, index == bytes.count || !isDigit(bytes[index]) else { return nil }
            if part < 3 {
                guard index < bytes.count, bytes[index] == 0x2E else { return nil }
                index += 1
            }
        }
        return index
    }

    /// E.164 (`+` and 8-15 digits, with spaces, hyphens or a parenthesised area code), or a
    /// national number written with separators: 10-11 digits in at least two groups
    /// (`(212) 555-0100`, `030 12345678`).
    static func phone(_ bytes: [UInt8], _ start: Int) -> Int? {
        var index = start
        let international = bytes[index] == 0x2B
        if international { index += 1 }
        var digits = 0, groups = 0, inGroup = false, end = index
        while index < bytes.count {
            let byte = bytes[index]
            if isDigit(byte) {
                digits += 1
                if !inGroup { groups += 1; inGroup = true }
                index += 1
                end = index
            } else if byte == 0x20 || byte == 0x2D || byte == 0x28 || byte == 0x29 || byte == 0x2E {
                // A separator must be followed by more of the number.
                guard index + 1 < bytes.count, isDigit(bytes[index + 1]) || bytes[index + 1] == 0x28 || (byte == 0x29 && bytes[index + 1] == 0x20) else { break }
                inGroup = false
                index += 1
            } else {
                break
            }
            if digits > 15 { return nil }
        }
        if international { return (8...15).contains(digits) ? end : nil }
        return (10...11).contains(digits) && groups >= 2 ? end : nil
    }

    /// Two letters, two check digits, 11-30 letters and digits (spaces every four allowed),
    /// valid under ISO 7064 mod 97.
    static func iban(_ bytes: [UInt8], _ start: Int) -> Int? {
        guard start + 4 <= bytes.count, isUpper(bytes[start]), isUpper(bytes[start + 1]), isDigit(bytes[start + 2]), isDigit(bytes[start + 3]) else { return nil }
        var characters: [UInt8] = Array(bytes[start..<start + 4])
        var index = start + 4, end = index
        while index < bytes.count, characters.count < 34 {
            let byte = bytes[index]
            if isDigit(byte) || isUpper(byte) {
                characters.append(byte)
                index += 1
                end = index
            } else if byte == 0x20, index + 1 < bytes.count, isDigit(bytes[index + 1]) || isUpper(bytes[index + 1]), (characters.count % 4) == 0 {
                index += 1
            } else {
                break
            }
        }
        guard (15...34).contains(characters.count) else { return nil }
        // Move the first four to the end, letters as 10-35, the whole number mod 97 must be 1.
        var remainder = 0
        for byte in characters[4...] + characters[..<4] {
            let value = isDigit(byte) ? Int(byte - 0x30) : Int(byte - 0x41) + 10
            remainder = value < 10 ? (remainder * 10 + value) % 97 : (remainder * 100 + value) % 97
        }
        return remainder == 1 ? end : nil
    }

    /// Two letters (not D, F, I, Q, U or V; the second not O; not BG, GB, NK, KN, TN, NT, ZZ),
    /// six digits (spaces between pairs allowed), a suffix A-D.
    static func nino(_ bytes: [UInt8], _ start: Int) -> Int? {
        guard start + 9 <= bytes.count else { return nil }
        let a = bytes[start], b = bytes[start + 1]
        // Cheap tests first: most words that start with a capital fail on the third byte.
        guard isUpper(a), isUpper(b), isDigit(bytes[start + 2]) || bytes[start + 2] == 0x20,
              !ninoNever.contains(a), !ninoNever.contains(b), b != 0x4F,
              !ninoNeverPairs.contains(UInt16(a) << 8 | UInt16(b)) else { return nil }
        var index = start + 2, digits = 0
        while index < bytes.count, digits < 6 {
            if isDigit(bytes[index]) {
                digits += 1
                index += 1
            } else if bytes[index] == 0x20, digits % 2 == 0 {
                index += 1
            } else {
                return nil
            }
        }
        if index < bytes.count, bytes[index] == 0x20 { index += 1 }
        guard digits == 6, index < bytes.count, (0x41...0x44).contains(bytes[index]) else { return nil }
        return index + 1
    }

    static let ninoNever: Set<UInt8> = Set("DFIQUV".utf8)
    static let ninoNeverPairs: Set<UInt16> = Set(["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"].map { pair in
        let bytes = Array(pair.utf8)
        return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    })

    /// The longest run of hex digits, colons and dots that parses as an IPv6 address.
    static func ipv6(_ bytes: [UInt8], _ start: Int) -> Int? {
        var end = start, colons = 0
        while end < bytes.count, isHex(bytes[end]) || bytes[end] == 0x3A || bytes[end] == 0x2E, end - start < 45 {
            if bytes[end] == 0x3A { colons += 1 }
            end += 1
        }
        // Counted before anything is made: most words that start with a hex letter stop here.
        guard colons >= 2 else { return nil }
        // A trailing dot ends a sentence, not the address.
        while end > start, bytes[end - 1] == 0x2E { end -= 1 }
        let candidate = bytes[start..<end]
        guard let address = IPAddress(String(decoding: candidate, as: UTF8.self)), address.width == 128 else { return nil }
        return end
    }

    // MARK: - Emails, found from their @

    static func emails(_ bytes: [UInt8]) -> [PIIMatch] {
        var found: [PIIMatch] = []
        for (at, byte) in bytes.enumerated() where byte == 0x40 {
            var start = at
            while start > 0, isLocalPart(bytes[start - 1]) { start -= 1 }
            var end = at + 1, lastDot = -1
            while end < bytes.count, isAlnum(bytes[end]) || bytes[end] == 0x2D || bytes[end] == 0x2E {
                if bytes[end] == 0x2E { lastDot = end }
                end += 1
            }
            while end > at + 1, bytes[end - 1] == 0x2E { end -= 1 }
            guard start < at, lastDot > at + 1, lastDot < end - 2, bytes[(lastDot + 1)..<end].allSatisfy(isLetter),
                  bytes[start] != 0x2E, bytes[at - 1] != 0x2E else { continue }
            found.append(PIIMatch(kind: .email, range: start..<end))
        }
        return found
    }

    // MARK: - Helpers

    static func digitRun(_ bytes: [UInt8], _ start: Int, separators: Set<UInt8>, maximum: Int) -> (digits: [Int], end: Int) {
        var digits: [Int] = []
        var index = start, end = start
        while index < bytes.count, digits.count <= maximum {
            if isDigit(bytes[index]) {
                digits.append(Int(bytes[index] - 0x30))
                index += 1
                end = index
            } else if separators.contains(bytes[index]), index + 1 < bytes.count, isDigit(bytes[index + 1]) {
                index += 1
            } else {
                break
            }
        }
        return (digits, end)
    }

    static func luhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            let value = offset % 2 == 1 ? digit * 2 : digit
            sum += value > 9 ? value - 9 : value
        }
        return sum % 10 == 0
    }

    static func number(_ digits: ArraySlice<UInt8>) -> Int { digits.reduce(0) { $0 * 10 + Int($1 - 0x30) } }
    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    static func isUpper(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) }
    static func isLetter(_ byte: UInt8) -> Bool { isUpper(byte) || (0x61...0x7A).contains(byte) }
    static func isAlnum(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    static func isHex(_ byte: UInt8) -> Bool { isDigit(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte) }
    static func isWordByte(_ byte: UInt8) -> Bool { isAlnum(byte) || byte == 0x5F || byte >= 0x80 }
    static func isLocalPart(_ byte: UInt8) -> Bool { isAlnum(byte) || byte == 0x2E || byte == 0x5F || byte == 0x25 || byte == 0x2B || byte == 0x2D }
}
