import AgentSecurity
import Core
import Foundation
import Storage

/// Each provider's discovery document and signing keys, fetched when first needed and kept:
/// discovery for an hour, keys until a token names a `kid` they lack (the IdP rotated), then
/// fetched again, at most `refetchBurst` times a minute so forged `kid`s cannot make agentd
/// hammer the IdP. A provider changed by an admin starts afresh.
actor OIDCProviderCache {
    static let discoveryMilliseconds: Int64 = 3_600_000
    static let refetchBurst = 3

    private struct Entry {
        let version: Instant
        var discovery: OIDCDiscovery?
        var discoveredAt: Int64 = 0
        let keys = SignedTokenKeys()
        var keysLoaded = false
        var refetches: [Int64] = []
    }

    private var entries: [String: Entry] = [:]

    private func entry(_ provider: SSOProvider) -> Entry {
        if let entry = entries[provider.name], entry.version == provider.updatedAt { return entry }
        let fresh = Entry(version: provider.updatedAt)
        entries[provider.name] = fresh
        return fresh
    }

    func forget(_ name: String) { entries[name] = nil }

    func keysLoaded(_ provider: SSOProvider) -> Bool { entry(provider).keysLoaded }

    func discovery(_ provider: SSOProvider, now: Instant, refresh: Bool = false) async throws -> OIDCDiscovery {
        let current = entry(provider)
        if !refresh, let discovery = current.discovery,
           now.millisecondsSinceEpoch - current.discoveredAt < Self.discoveryMilliseconds { return discovery }
        let discovery = try await OIDCClient(caFile: provider.settings.caFile).discover(issuer: provider.settings.issuer)
        if entries[provider.name]?.version == provider.updatedAt {
            entries[provider.name]?.discovery = discovery
            entries[provider.name]?.discoveredAt = now.millisecondsSinceEpoch
        }
        return discovery
    }

    /// Fetches the JWKS afresh; returns the kids kept.
    @discardableResult
    func reloadKeys(_ provider: SSOProvider, now: Instant) async throws -> [String] {
        let discovery = try await discovery(provider, now: now)
        let document = try await OIDCClient(caFile: provider.settings.caFile).jwks(discovery.jwksURI)
        let keys = entry(provider).keys
        let kids: [String]
        do {
            kids = try await keys.load(jwks: document)
        } catch {
            throw OIDCUnavailable(reason: "the JWKS at \(discovery.jwksURI) is not a JSON Web Key Set")
        }
        entries[provider.name]?.keysLoaded = true
        return kids
    }

    /// The payload of `token` once its signature verified under the provider's keys.
    func verify(_ token: String, provider: SSOProvider, now: Instant) async throws -> JSONValue {
        var current = entry(provider)
        if !current.keysLoaded {
            try await reloadKeys(provider, now: now)
            current = entry(provider)
        }
        // why a Result: a typed-throws catch pattern here crashes Swift 6.3's ownership checker.
        let first: Result<JSONValue, SignedTokenKeys.Refusal> = await Self.attempt(current.keys, token)
        guard case .failure(let refusal) = first, case .unknownKey = refusal else { return try first.get() }
        let minuteAgo = now.millisecondsSinceEpoch - 60_000
        let recent = (entries[provider.name]?.refetches ?? []).filter { $0 > minuteAgo }
        guard recent.count < Self.refetchBurst else { throw refusal }
        entries[provider.name]?.refetches = recent + [now.millisecondsSinceEpoch]
        try await reloadKeys(provider, now: now)
        return try await Self.attempt(entry(provider).keys, token).get()
    }

    private static func attempt(_ keys: SignedTokenKeys, _ token: String) async -> Result<JSONValue, SignedTokenKeys.Refusal> {
        do {
            return .success(try await keys.verify(token))
        } catch {
            return .failure(error)
        }
    }
}
