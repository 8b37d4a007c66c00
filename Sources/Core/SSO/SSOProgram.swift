/// A program allowed to call agentd's API with its IdP's access tokens (client-credentials
/// flow): tokens whose client claim is `client` act as the agentd user `login`, a service
/// account, with that user's role in the provider's org.
public struct SSOProgram: Hashable, Sendable, Codable {
    public let client: String
    public let login: String

    public init(client: String, login: String) {
        self.client = client
        self.login = login
    }

    /// `CLIENT=LOGIN`, as `agentctl sso add … --program reporting-bot=svc-reporting` writes it.
    public static func parse(_ text: String) -> Result<SSOProgram, ValidationError> {
        guard let separator = text.lastIndex(of: "=") else {
            return .failure(ValidationError(field: "program", "`\(text)` is not CLIENT=LOGIN (the IdP's client ID, then the agentd user it acts as)"))
        }
        let client = String(text[..<separator])
        let login = String(text[text.index(after: separator)...])
        guard !client.isEmpty, client.utf8.count <= 255 else {
            return .failure(ValidationError(field: "program", "`\(text)`: the client ID must be 1 to 255 bytes"))
        }
        if let violation = UserRules.checkLogin(login, field: "program") {
            return .failure(ValidationError([FieldViolation(field: "program", message: "`\(text)`: the login \(violation.message)")]))
        }
        return .success(SSOProgram(client: client, login: login))
    }

    public var text: String { "\(client)=\(login)" }
}

/// Rules of a login through an identity provider, pure.
public enum SSOLoginRules {
    /// How long a started login waits for the IdP to send the person back.
    public static let pendingMilliseconds: Int64 = 10 * 60_000

    /// The agentd login for the IdP's login claim: lower-cased, and it must then pass the
    /// login rules (an IdP's `Alice` is agentd's `alice`). Nil when it cannot be one.
    public static func login(fromClaim value: String) -> String? {
        let login = value.lowercased()
        return UserRules.checkLogin(login) == nil ? login : nil
    }

    /// Where a browser may be sent after a login: a path on this server only (`/`, `/runs?x=1`),
    /// never another site (`//evil`, `https://…`, `/\evil`), so the login cannot be made an
    /// open redirect.
    public static func returnPath(_ value: String?) -> String {
        guard let value, value.hasPrefix("/"), !value.hasPrefix("//"), !value.hasPrefix("/\\"), value.utf8.count <= 500,
              !value.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F || $0 == "\\" }) else { return "/" }
        return value
    }

    /// A loopback port `agentctl login --sso` listens on for the browser's return; nil when
    /// it cannot be one.
    public static func loopbackPort(_ value: Int?) -> Int? {
        guard let value, (1024...65535).contains(value) else { return nil }
        return value
    }

    /// Whether `login` may still log in with a password in an org that requires SSO: only the
    /// org's named break-glass accounts may.
    public static func passwordAllowed(login: String, ssoRequired: Bool, breakGlass: [String]) -> Bool {
        !ssoRequired || breakGlass.contains(login)
    }

    /// The client a program's access token was issued to: `claim` when set (Okta `cid`, Azure
    /// AD `appid`), else `azp`, else `client_id` (RFC 9068).
    public static func programClient(_ claims: JSONValue, claim: String?) -> String? {
        guard case .object(let object) = claims else { return nil }
        for name in claim.map({ [$0] }) ?? ["azp", "client_id"] {
            if case .string(let value)? = object[name], !value.isEmpty { return value }
        }
        return nil
    }

    /// The groups a token or userinfo answer carries in `claim`: an array of strings, or one
    /// string; a dotted name reaches into objects (Keycloak's `realm_access.roles`).
    public static func groups(_ claims: JSONValue, claim: String) -> [String]? {
        var value = claims
        for part in claim.split(separator: ".") {
            guard case .object(let object) = value, let next = object[String(part)] else { return nil }
            value = next
        }
        switch value {
        case .string(let one): return [one]
        case .array(let many): return many.compactMap { if case .string(let group) = $0 { group } else { nil } }
        default: return nil
        }
    }

    /// A string claim, e.g. the login or display name.
    public static func text(_ claims: JSONValue, _ name: String) -> String? {
        guard case .object(let object) = claims, case .string(let value)? = object[name], !value.isEmpty else { return nil }
        return value
    }
}

/// Base64url decoding (RFC 4648 §5, padding optional) by table: JWT parts are decoded on every
/// bearer-token request, and Foundation's route through `replacingOccurrences` costs more than
/// the signature check around it.
public enum Base64URL {
    private static let table: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8.enumerated() { table[Int(byte)] = Int8(index) }
        return table
    }()

    /// The bytes, or nil when `text` holds a character outside the alphabet or has an impossible length.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var utf8 = Array(text.utf8)
        while utf8.last == UInt8(ascii: "=") { utf8.removeLast() }
        guard utf8.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in utf8 {
            let value = table[Int(byte)]
            guard value >= 0 else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}
