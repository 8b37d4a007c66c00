/// An address range, `10.0.0.0/8` or `fe80::/10`; a bare address is a range of one.
/// IPv4-mapped IPv6 ranges (`::ffff:127.0.0.0/104`) are kept as the IPv4 range they map.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public let network: IPAddress
    public let prefix: Int

    /// Why a text is not a CIDR, said so that a config error can be fixed from it.
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(_ network: IPAddress, prefix: Int) {
        let network = network.normalized == network || prefix < 96 ? network : network.normalized
        let prefix = network.family == .v4 && prefix > 32 ? prefix - 96 : prefix
        self.network = IPAddress.masked(network, prefix: prefix)
        self.prefix = prefix
    }

    /// Parses `address/prefix` or a bare address. A range with host bits set
    /// (`10.0.0.1/8`) is refused: it is usually a typo for something narrower.
    public static func parse(_ text: String) throws(Malformed) -> CIDR {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw Malformed(description: "\"\(text)\" is not a CIDR: more than one \"/\"") }
        guard let address = IPAddress(String(parts[0])) else {
            throw Malformed(description: "\"\(text)\" is not a CIDR: \"\(parts[0])\" is not an IPv4 address (four decimal parts 0-255) or an IPv6 address")
        }
        guard parts.count == 2 else { return CIDR(address, prefix: address.width) }
        guard let prefix = Int(parts[1]), parts[1].allSatisfy(\.isNumber), (0...address.width).contains(prefix) else {
            throw Malformed(description: "\"\(text)\" is not a CIDR: the prefix length must be a number from 0 to \(address.width)")
        }
        let cidr = CIDR(address, prefix: prefix)
        guard cidr.network == address.normalized || (cidr.network == address) else {
            throw Malformed(description: "\"\(text)\" has bits set past its /\(prefix) prefix; did you mean \(cidr)?")
        }
        return cidr
    }

    public func contains(_ address: IPAddress) -> Bool {
        let address = address.normalized
        guard address.family == network.family else { return false }
        return IPAddress.masked(address, prefix: prefix) == network
    }

    /// Whether every address of `other` is in this range.
    public func covers(_ other: CIDR) -> Bool {
        other.network.family == network.family && other.prefix >= prefix && contains(other.network)
    }

    public var description: String { "\(network)/\(prefix)" }
}

extension IPAddress {
    static func masked(_ address: IPAddress, prefix: Int) -> IPAddress {
        let width = address.width
        guard prefix < width else { return address }
        let keep: UInt128 = prefix == 0 ? 0 : (UInt128.max << UInt128(width - prefix)) & (width == 32 ? UInt128(UInt32.max) : UInt128.max)
        return address.family == .v4 ? IPAddress(v4: UInt32(truncatingIfNeeded: address.bits & keep)) : IPAddress(v6: address.bits & keep)
    }
}
