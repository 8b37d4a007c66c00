import Foundation

/// One entry of an `[egress]` allow or deny list: an address range, or a host name, exact
/// (`api.corp.example`) or a suffix pattern (`*.corp.example`: every name under it, not the
/// name itself).
public enum EgressRule: Hashable, Sendable, CustomStringConvertible {
    case range(CIDR)
    case host(String)
    case hostSuffix(String)

    /// Reads an entry as the config file spells it; the error says what is wrong with it.
    public static func parse(_ text: String) throws(CIDR.Malformed) -> EgressRule {
        let entry = text.trimmingCharacters(in: .whitespaces)
        guard !entry.isEmpty else { throw CIDR.Malformed(description: "an empty entry is neither a CIDR nor a host name") }
        // Anything that looks like an address must be one: a mistyped CIDR must not
        // silently become a host name that matches nothing.
        if entry.contains("/") || entry.contains(":") || entry.allSatisfy({ $0.isNumber || $0 == "." }) {
            return .range(try CIDR.parse(entry))
        }
        let lower = entry.lowercased()
        if lower.hasPrefix("*.") {
            let suffix = String(lower.dropFirst(2))
            guard Self.isHostName(suffix) else { throw CIDR.Malformed(description: "\"\(text)\" is not a host pattern: after \"*.\" must come a host name such as corp.example") }
            return .hostSuffix(suffix)
        }
        guard Self.isHostName(lower) else {
            throw CIDR.Malformed(description: "\"\(text)\" is neither a CIDR (10.0.0.0/8, fc00::/7) nor a host name (api.corp.example, *.corp.example)")
        }
        return .host(lower)
    }

    /// Whether this entry names `host` (host-name entries) or holds `address` (ranges).
    public func matches(host: String, address: IPAddress) -> Bool {
        switch self {
        case .range(let cidr): cidr.contains(address)
        case .host(let name): Self.canonical(host) == name
        case .hostSuffix(let suffix): Self.canonical(host).hasSuffix("." + suffix)
        }
    }

    public var description: String {
        switch self {
        case .range(let cidr): cidr.description
        case .host(let name): name
        case .hostSuffix(let suffix): "*." + suffix
        }
    }

    /// Lower case, without the root's trailing dot: `API.corp.example.` is `api.corp.example`.
    static func canonical(_ host: String) -> String {
        let lower = host.lowercased()
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }

    static func isHostName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }
}

/// An allow list and a deny list: the site's `[egress]`, or one org's `[egress.orgs.NAME]`.
public struct EgressRules: Hashable, Sendable {
    /// When not empty, only what an entry names may be reached.
    public var allow: [EgressRule]
    /// Never reached, whatever else says.
    public var deny: [EgressRule]

    public init(allow: [EgressRule] = [], deny: [EgressRule] = []) {
        self.allow = allow
        self.deny = deny
    }

    /// Parses lists of entries; the first bad entry is the error.
    public static func parse(allow: [String], deny: [String]) throws(CIDR.Malformed) -> EgressRules {
        var rules = EgressRules()
        for entry in allow { rules.allow.append(try EgressRule.parse(entry)) }
        for entry in deny { rules.deny.append(try EgressRule.parse(entry)) }
        return rules
    }
}
