/// The text of a bearer credential as its holder sees it: `<prefix>_<id>_<secret>`, e.g. an
/// API key `agk_…_…` or a login session `ags_…_…`.
///
/// The id is public and names the stored row; the secret is 32 random bytes in Crockford
/// base32 (52 characters), shown once and stored only as a keyed hash. The prefix makes leaked
/// tokens easy to recognise (secret scanners, logs).
public struct BearerToken<Kind: ResourceKind>: Hashable, Sendable {
    public let id: ResourceID<Kind>
    public let secret: String

    public static var secretLength: Int { 52 }

    public init(id: ResourceID<Kind>, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// Makes a token for `id` from 32 random bytes.
    public init(id: ResourceID<Kind>, randomBytes: [UInt8]) {
        precondition(randomBytes.count == 32, "a bearer token secret is 32 bytes")
        self.init(id: id, secret: CrockfordBase32.encode(bytes: randomBytes))
    }

    /// Parses a presented token; nil unless it has the exact shape (no hint which part is wrong).
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        guard text.utf8.count == Kind.prefix.utf8.count + 1 + 26 + 1 + Self.secretLength,
              let separator = text.lastIndex(of: "_"),
              let id = ResourceID<Kind>(String(text[..<separator])) else { return nil }
        let secret = String(text[text.index(after: separator)...])
        guard secret.count == Self.secretLength, CrockfordBase32.isValid(secret), secret == secret.uppercased() else { return nil }
        self.init(id: id, secret: secret)
    }

    public var text: String { id.rawValue + "_" + secret }
}

public typealias APIKeyToken = BearerToken<APIKeyKind>
public typealias SessionToken = BearerToken<SessionKind>
