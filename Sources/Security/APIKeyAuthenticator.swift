import Core
import Foundation
import Storage

/// Who an API key acts for, once its secret checked out.
public struct KeyIdentity: Sendable, Hashable {
    public let keyID: APIKeyID
    public let userID: UserID
    public let login: String
    public let scope: Scope
}

/// Checks bearer API keys: shape, stored keyed hash (constant-time), revocation, expiry, and the
/// owner's current membership. Every failure is the same `invalidKey`, so a caller learns
/// nothing about which part was wrong.
///
/// Verified keys are cached for `cacheTTL` (their row and owner's role), so a repeated key costs
/// one HMAC and a dictionary look-up; `forget` drops a key at once (revocation, role change).
public final class APIKeyAuthenticator: Sendable {
    public enum Failure: Error, Equatable { case invalidKey }

    private let lookup: CredentialLookup
    private let hasher: SecretHasher
    private let cacheTTL: Int64
    private let cache = KeyCache()
    private let touches = TouchThrottle()

    public init(lookup: CredentialLookup, hasher: SecretHasher, cacheTTLMilliseconds: Int64 = 10_000) {
        self.lookup = lookup
        self.hasher = hasher
        self.cacheTTL = cacheTTLMilliseconds
    }

    /// The hash to store for a new key's secret.
    public func hash(_ token: APIKeyToken) -> [UInt8] { hasher.hash(token.secret) }

    /// Makes a new token (the caller stores `hash(token)` and shows `token.text` once).
    public static func newToken(at now: Instant) -> APIKeyToken {
        APIKeyToken(id: APIKeyID.generate(at: now), randomBytes: SecretHasher.randomBytes(32))
    }

    public func authenticate(_ presented: String, now: Instant) async throws -> KeyIdentity {
        guard let token = APIKeyToken(presented) else { throw Failure.invalidKey }
        let credential: CredentialLookup.KeyCredential
        if let cached = cache.get(token.id, now: now, ttl: cacheTTL) {
            credential = cached
        } else {
            let generation = cache.generation
            guard let fresh = try await lookup.apiKey(token.id) else { throw Failure.invalidKey }
            credential = fresh
            // why the generation: a revocation between our read and this put must not be
            // undone by caching the row we read before it.
            cache.put(token.id, credential, at: now, ifGeneration: generation)
        }
        guard hasher.matches(token.secret, expected: credential.secretHash) else { throw Failure.invalidKey }
        let key = credential.key
        guard key.revokedAt == nil, key.expiresAt.map({ now < $0 }) ?? true, let role = credential.ownerRole else {
            throw Failure.invalidKey
        }
        if touches.shouldTouch(token.id.rawValue, now: now) {
            let lookup = self.lookup
            Task { try? await lookup.touch(token.id, at: now) }
        }
        return KeyIdentity(keyID: key.id, userID: key.userID, login: credential.ownerLogin,
                           scope: role.scope(in: key.orgID, limit: key.scopes, teams: credential.ownerTeams))
    }

    /// Drops a key from the cache (after a revocation or a change to its owner).
    public func forget(_ id: APIKeyID) { cache.remove(id) }

    /// Drops every cached key (after membership changes, whose keys are not known by id).
    public func forgetAll() { cache.removeAll() }
}

/// why @unchecked: every stored property is guarded by `lock`.
final class KeyCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [APIKeyID: (CredentialLookup.KeyCredential, Instant)] = [:]
    private var currentGeneration = 0
    static let maximumEntries = 10_000

    func get(_ id: APIKeyID, now: Instant, ttl: Int64) -> CredentialLookup.KeyCredential? {
        lock.lock()
        defer { lock.unlock() }
        guard let (credential, at) = entries[id], now.millisecondsSinceEpoch - at.millisecondsSinceEpoch < ttl else { return nil }
        return credential
    }

    /// Bumped by every removal.
    var generation: Int {
        lock.lock()
        defer { lock.unlock() }
        return currentGeneration
    }

    func put(_ id: APIKeyID, _ credential: CredentialLookup.KeyCredential, at now: Instant, ifGeneration: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard ifGeneration == currentGeneration else { return }
        if entries.count >= Self.maximumEntries { entries.removeAll(keepingCapacity: true) }
        entries[id] = (credential, now)
    }

    func remove(_ id: APIKeyID) {
        lock.lock()
        entries[id] = nil
        currentGeneration += 1
        lock.unlock()
    }

    func removeAll() {
        lock.lock()
        entries.removeAll()
        currentGeneration += 1
        lock.unlock()
    }
}
