/// An IPv4 or IPv6 address, parsed strictly from its usual text or taken from the bytes a
/// resolver returned. The egress policy compares these, never text: `127.1`, `0x7f.0.0.1` and
/// `::ffff:127.0.0.1` are all spellings a resolver may turn into loopback.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public enum Family: Sendable, Hashable { case v4, v6 }

    public let family: Family
    /// The address's bits, right-aligned: an IPv4 address uses the low 32.
    public let bits: UInt128

    public init(v4 value: UInt32) {
        family = .v4
        bits = UInt128(value)
    }

    public init(v6 value: UInt128) {
        family = .v6
        bits = value
    }

    /// From network-order bytes: 4 (IPv4) or 16 (IPv6).
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        let value = bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
        if bytes.count == 4 { self.init(v4: UInt32(value)) } else { self.init(v6: value) }
    }

    /// Dotted-quad IPv4 (four decimal parts, no leading zeros: `010` means 8 to some
    /// resolvers and 10 to others) or RFC 4291 IPv6 text, with an optional trailing dotted
    /// quad. Brackets and zone ids (`%eth0`) are refused.
    public init?(_ text: String) {
        if let v4 = Self.parseV4(Substring(text)) {
            self.init(v4: v4)
        } else if let v6 = Self.parseV6(text) {
            self.init(v6: v6)
        } else {
            return nil
        }
    }

    /// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the IPv4 address it carries: a
    /// dual-stack socket connects to that. Every rule is checked against this form.
    public var normalized: IPAddress {
        guard family == .v6, bits >> 32 == 0xFFFF else { return self }
        return IPAddress(v4: UInt32(truncatingIfNeeded: bits))
    }

    public var width: Int { family == .v4 ? 32 : 128 }

    public var description: String {
        switch family {
        case .v4:
            let value = UInt32(truncatingIfNeeded: bits)
            return [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xFF) }.joined(separator: ".")
        case .v6:
            if bits >> 32 == 0xFFFF { return "::ffff:" + IPAddress(v4: UInt32(truncatingIfNeeded: bits)).description }
            let groups = (0..<8).map { UInt16(truncatingIfNeeded: bits >> UInt128(112 - 16 * $0)) }
            // RFC 5952: the longest run of two or more zero groups becomes "::".
            var best = (start: -1, length: 0)
            var index = 0
            while index < 8 {
                guard groups[index] == 0 else { index += 1; continue }
                var end = index
                while end < 8, groups[end] == 0 { end += 1 }
                if end - index > best.length, end - index >= 2 { best = (index, end - index) }
                index = end
            }
            let hex = groups.map { String($0, radix: 16) }
            guard best.start >= 0 else { return hex.joined(separator: ":") }
            return hex[..<best.start].joined(separator: ":") + "::" + hex[(best.start + best.length)...].joined(separator: ":")
        }
    }

    static func parseV4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part.count == 1 || part.first != "0", let number = UInt32(part), number <= 255 else { return nil }
            value = value << 8 | number
        }
        return value
    }

    static func parseV6(_ text: String) -> UInt128? {
        guard text.contains(":"), text.count <= 45 else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowV4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, allowV4Tail, piece.contains(".") {
                    guard let v4 = parseV4(piece) else { return nil }
                    result += [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                } else {
                    guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit), let group = UInt16(piece, radix: 16) else { return nil }
                    result.append(group)
                }
            }
            return result
        }
        let all: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0], allowV4Tail: false), let tail = groups(halves[1], allowV4Tail: true),
                  head.count + tail.count <= 7 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let every = groups(halves[0], allowV4Tail: true), every.count == 8 else { return nil }
            all = every
        }
        return all.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }
}
