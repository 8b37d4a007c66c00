/// The claims of an OIDC ID token (or a program's JWT access token) that agentd checks after the
/// signature verified, and the checks, pure with time passed in (OpenID Connect Core 1.0 §3.1.3.7).
public struct IDTokenClaims: Sendable, Equatable {
    public var issuer: String
    public var subject: String
    public var audience: [String]
    public var authorizedParty: String?
    public var expiresAt: Instant
    public var issuedAt: Instant
    public var notBefore: Instant?
    public var nonce: String?

    public init(issuer: String, subject: String, audience: [String], authorizedParty: String? = nil, expiresAt: Instant,
                issuedAt: Instant, notBefore: Instant? = nil, nonce: String? = nil) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.authorizedParty = authorizedParty
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.nonce = nonce
    }

    /// The registered claims of a verified token's payload; nil when one the checks need is
    /// missing or of the wrong type (`iss`, `sub`, `aud` as a string or an array of strings,
    /// `exp`, `iat` as seconds since the epoch).
    public init?(json: JSONValue) {
        guard case .object(let claims) = json else { return nil }
        func text(_ key: String) -> String? { if case .string(let value)? = claims[key] { value } else { nil } }
        func instant(_ key: String) -> Instant? {
            switch claims[key] {
            case .integer(let seconds)?: Instant(millisecondsSinceEpoch: Int64(seconds) * 1000)
            case .number(let seconds)? where seconds.isFinite && abs(seconds) < 1e12: Instant(millisecondsSinceEpoch: Int64(seconds * 1000))
            default: nil
            }
        }
        let audience: [String]
        switch claims["aud"] {
        case .string(let one)?: audience = [one]
        case .array(let many)?:
            audience = many.compactMap { if case .string(let value) = $0 { value } else { nil } }
            guard audience.count == many.count else { return nil }
        default: return nil
        }
        guard let issuer = text("iss"), let subject = text("sub"), let expiresAt = instant("exp"), let issuedAt = instant("iat") else { return nil }
        self.init(issuer: issuer, subject: subject, audience: audience, authorizedParty: text("azp"), expiresAt: expiresAt,
                  issuedAt: issuedAt, notBefore: instant("nbf"), nonce: text("nonce"))
    }

    /// Why a token is refused; `reason` is for the person and the log (never the token).
    public enum Refusal: Equatable, Sendable {
        case issuer(expected: String, got: String)
        case audience(clientID: String)
        case authorizedParty
        case expired
        case notYetValid
        case issuedInTheFuture
        case nonce
        case noSubject

        public var reason: String {
            switch self {
            case .issuer(let expected, let got): "the token was issued by \(got), not \(expected)"
            case .audience(let clientID): "the token is not meant for this client (\(clientID))"
            case .authorizedParty: "the token names another client as its authorized party (azp)"
            case .expired: "the token has expired"
            case .notYetValid: "the token is not valid yet (nbf)"
            case .issuedInTheFuture: "the token was issued in the future: check both clocks"
            case .nonce: "the token's nonce does not match this login's: start the login again"
            case .noSubject: "the token names no subject (sub)"
            }
        }
    }

    /// Nil when the token may be used now: from `issuer`, for `clientID` (and, with several
    /// audiences or an `azp`, authorized for it), within its times give or take `skew`, and
    /// carrying `nonce` when one was sent (a login; program tokens have none). A program's
    /// access token (`accessToken`) names agentd's API as its audience and the program as its
    /// `azp`: the `azp` rules of ID tokens do not apply to it.
    public func refusal(issuer expectedIssuer: String, clientID: String, nonce expectedNonce: String?, now: Instant,
                        skewMilliseconds: Int64 = 60_000, accessToken: Bool = false) -> Refusal? {
        if issuer != expectedIssuer { return .issuer(expected: expectedIssuer, got: issuer) }
        if subject.isEmpty { return .noSubject }
        if !audience.contains(clientID) { return .audience(clientID: clientID) }
        if !accessToken {
            if let authorizedParty, authorizedParty != clientID { return .authorizedParty }
            if audience.count > 1 && authorizedParty == nil { return .authorizedParty }
        }
        if now.millisecondsSinceEpoch >= expiresAt.millisecondsSinceEpoch + skewMilliseconds { return .expired }
        if let notBefore, now.millisecondsSinceEpoch + skewMilliseconds < notBefore.millisecondsSinceEpoch { return .notYetValid }
        if now.millisecondsSinceEpoch + skewMilliseconds < issuedAt.millisecondsSinceEpoch { return .issuedInTheFuture }
        if let expectedNonce, nonce != expectedNonce { return .nonce }
        return nil
    }
}

/// Proof Key for Code Exchange (RFC 7636) with S256, and the base64url it is written in.
public enum PKCE {
    /// The challenge sent with the authorization request for `verifier`; `sha256` is passed in.
    public static func challenge(verifier: String, sha256: ([UInt8]) -> [UInt8]) -> String {
        base64url(sha256(Array(verifier.utf8)))
    }

    /// A verifier from 32 random bytes: 43 characters of base64url, as RFC 7636 §4.1 asks.
    public static func verifier(random: [UInt8]) -> String { base64url(random) }

    /// Base64 with `-` and `_`, without padding (RFC 4648 §5).
    public static func base64url(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((value >> UInt32(shift)) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let value = UInt32(bytes[index]) << 16
            out += [alphabet[Int((value >> 18) & 63)], alphabet[Int((value >> 12) & 63)]]
        } else if rest == 2 {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int((value >> 18) & 63)], alphabet[Int((value >> 12) & 63)], alphabet[Int((value >> 6) & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
