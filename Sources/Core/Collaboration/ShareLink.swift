/// A read-only link to one workflow or execution that works without signing in until it
/// expires or is revoked (`agentctl share link`, docs/collaboration.md#share-links).
public enum ShareLinkKind: ResourceKind { public static let prefix = "agl" }
public typealias ShareLinkID = ResourceID<ShareLinkKind>
/// `agl_<id>_<secret>`: the secret is kept only as a keyed hash, like an API key's.
public typealias ShareLinkToken = BearerToken<ShareLinkKind>

public enum ShareLinkRules {
    public static let defaultLifetime: Int64 = 7 * Milliseconds.day
    public static let longestLifetime: Int64 = 30 * Milliseconds.day
    public static let shortestLifetime: Int64 = Milliseconds.second

    /// How long a link asked to live `text` (`90m`, `24h`, `7d`) lives, or why it cannot.
    public static func lifetime(_ text: String?) throws(ValidationError) -> Int64 {
        guard let text else { return defaultLifetime }
        guard let milliseconds = TimeFilter.milliseconds(text) else {
            throw ValidationError(field: "expires_in", "is a duration like 90m, 24h or 7d; got `\(text)`")
        }
        guard (shortestLifetime...longestLifetime).contains(milliseconds) else {
            throw ValidationError(field: "expires_in", "is from 1s to 30d; got `\(text)`")
        }
        return milliseconds
    }

    /// Why a presented link does not open, or nil when it does.
    public enum Closed: Hashable, Sendable { case expired, revoked }

    public static func closed(expiresAt: Instant, revokedAt: Instant?, now: Instant) -> Closed? {
        if revokedAt != nil { return .revoked }
        if now >= expiresAt { return .expired }
        return nil
    }
}
