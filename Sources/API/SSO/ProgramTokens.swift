import AgentSecurity
import Core
import Foundation
import Storage
import Synchronization

/// Programs' bearer JWTs: access tokens an IdP issued them (client-credentials flow), accepted
/// from a provider with an API audience when the signature verifies under its JWKS, the issuer,
/// audience and times check out, and the token's client is one of the provider's programs. The
/// program then acts as its service account (a user of the provider's org) with that user's role.
public final class ProgramTokens: Sendable {
    let store: SSOStore
    let cache: OIDCProviderCache
    /// Providers that accept program tokens, by issuer; re-read every few seconds and at once
    /// after an admin changes a provider.
    private let snapshot = Mutex<(read: Int64, byIssuer: [String: SSOProvider])?>(nil)
    static let snapshotMilliseconds: Int64 = 5_000

    init(store: SSOStore, cache: OIDCProviderCache) {
        self.store = store
        self.cache = cache
    }

    func invalidate() { snapshot.withLock { $0 = nil } }

    /// Whether a bearer token has a JWT's shape (three base64url parts, a JSON header), so it is
    /// meant for this and not an agentd key or session.
    public static func looksLikeJWT(_ token: String) -> Bool {
        token.hasPrefix("eyJ") && token.utf8.count <= 16_384 && token.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }

    private func providers(now: Instant) async throws -> [String: SSOProvider] {
        if let current = snapshot.withLock({ $0 }), now.millisecondsSinceEpoch - current.read < Self.snapshotMilliseconds {
            return current.byIssuer
        }
        var byIssuer: [String: SSOProvider] = [:]
        for provider in try await store.providers() where provider.settings.apiAudience != nil && !provider.settings.programs.isEmpty {
            byIssuer[provider.settings.issuer] = provider
        }
        snapshot.withLock { $0 = (now.millisecondsSinceEpoch, byIssuer) }
        return byIssuer
    }

    /// The provider whose issuer the (not yet verified) token names, and its verified payload.
    func verify(_ token: String, now: Instant) async throws -> (SSOProvider, IDTokenClaims, JSONValue) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Base64URL.decode(parts[1]), let unverified = try? JSONParser.parse(bytes: bytes),
              let issuer = SSOLoginRules.text(unverified, "iss") else { throw SSORefusal.token("the token is not a JWT with an iss claim") }
        guard let provider = try await providers(now: now)[issuer], let audience = provider.settings.apiAudience else {
            throw SSORefusal.token("no identity provider with programs has issuer \(issuer.prefix(200))")
        }
        let payload: JSONValue
        do {
            payload = try await cache.verify(token, provider: provider, now: now)
        } catch let refusal as SignedTokenKeys.Refusal {
            throw SSORefusal.token(refusal.reason)
        }
        guard let claims = IDTokenClaims(json: payload) else { throw SSORefusal.token("the token lacks iss, sub, aud, exp or iat") }
        if let refusal = claims.refusal(issuer: provider.settings.issuer, clientID: audience, nonce: nil, now: now, accessToken: true) {
            throw SSORefusal.token(refusal.reason)
        }
        return (provider, claims, payload)
    }

    /// Who a program's token acts as.
    public func authenticate(_ token: String, now: Instant) async throws -> Caller {
        let (provider, _, payload) = try await verify(token, now: now)
        guard let client = SSOLoginRules.programClient(payload, claim: provider.settings.programClaim),
              let program = provider.settings.programs.first(where: { $0.client == client }) else {
            throw SSORefusal.token("the token's client is not one of \(provider.name)'s programs (agentctl sso add … --program CLIENT=LOGIN)")
        }
        guard let (user, role, teams) = try await store.serviceAccount(login: program.login, org: provider.orgID) else {
            throw SSORefusal.token("\(program.login), the service account of \(client), is disabled or no longer in the org")
        }
        return Caller(name: "user:\(user.id.rawValue)", scope: role.scope(in: provider.orgID, teams: teams), userID: user.id,
                      login: user.login, program: "\(provider.name)/\(client)")
    }
}
