import AgentSecurity
import Core
import Foundation
import Platform
import Storage

/// Why an SSO login or a program token was refused. `reason` is for the person and the log.
public enum SSORefusal: Error, Equatable, Sendable {
    /// No such provider (or it is not an OIDC one).
    case unknownProvider(String)
    /// `state` unknown, used, expired, or not this browser's: start again.
    case state
    /// The IdP sent the person back with an error (`error`, `error_description`).
    case providerError(String)
    /// The ID token or the program's token is not acceptable.
    case token(String)
    case noRole(removed: Bool)
    case loginTaken(String)
    case disabled
    /// The IdP's claims lack what a login needs (a usable login claim).
    case claims(String)
}

/// Single sign-on through OpenID Connect providers (docs/sso.md): the login that starts at
/// `/auth/login/NAME`, comes back at `/auth/callback/NAME` and opens a session; the same for a
/// terminal (`agentctl login --sso`); programs' bearer JWTs; and the providers' management.
public struct SSOService: Sendable {
    public let store: SSOStore
    let passwordLogin: PasswordLogin
    let logins: LoginStore
    let hasher: SecretHasher
    let secrets: SecretStore
    let vault: Vault
    public let publicURL: PublicURL
    let cache = OIDCProviderCache()
    /// Programs' bearer JWTs, checked with the same cached keys (the identity middleware's).
    public let programTokens: ProgramTokens
    /// Started logins by client address: each writes a row and costs the IdP a page. Ten times
    /// the password logins' rate: behind a reverse proxy every person has the proxy's address,
    /// and a start costs no hash.
    let buckets: BucketStore
    let throttle = LoginThrottlePolicy(perAddress: 300)
    public let limits: RequestLimits
    public let clock: WallClock

    public init(store: SSOStore, passwordLogin: PasswordLogin, logins: LoginStore, hasher: SecretHasher, secrets: SecretStore, vault: Vault,
                publicURL: PublicURL, buckets: BucketStore, limits: RequestLimits, clock: WallClock) {
        self.store = store
        self.passwordLogin = passwordLogin
        self.logins = logins
        self.hasher = hasher
        self.secrets = secrets
        self.vault = vault
        self.publicURL = publicURL
        self.buckets = buckets
        self.limits = limits
        self.clock = clock
        programTokens = ProgramTokens(store: store, cache: cache)
    }

    func redirectURI(_ provider: String) -> String { publicURL.text + "/auth/callback/" + provider }

    func provider(_ name: String) async throws -> SSOProvider {
        guard let provider = try await store.provider(name), provider.kind == "oidc" else { throw SSORefusal.unknownProvider(name) }
        return provider
    }

    func throttled(_ address: String) throws {
        let decision = buckets.take([("sso-address:\(address)", throttle.perAddress)], now: clock.now(),
                                    periodMilliseconds: throttle.periodMilliseconds)
        guard decision.allowed else { throw RateLimited(decision: decision) }
    }

    static func random(_ count: Int) -> String { PKCE.base64url(SecretHasher.randomBytes(count)) }

    // MARK: Starting a login

    /// A login sent to the IdP: where to send the browser, and the `state` it will come back with.
    public struct Start: Sendable {
        public let authorizationURL: String
        public let state: String
    }

    /// Starts a login through `providerName`: a browser's (`poll` nil), or a terminal's, which
    /// later exchanges `poll` and the code the person brings back (`loopbackPort`: agentctl's
    /// listener the browser is sent to with it).
    public func begin(_ providerName: String, returnTo: String?, poll: String? = nil, loopbackPort: Int? = nil,
                      address: String) async throws -> Start {
        try throttled(address)
        let provider = try await provider(providerName)
        let now = clock.now()
        let discovery = try await cache.discovery(provider, now: now)
        let (state, nonce, verifier) = (Self.random(32), Self.random(32), PKCE.verifier(random: SecretHasher.randomBytes(32)))
        try await store.startLogin(provider: provider.name, stateHash: hasher.hash("sso-state:" + state), nonce: nonce, verifier: verifier,
                                   returnTo: SSOLoginRules.returnPath(returnTo), pollHash: poll.map { hasher.hash("sso-poll:" + $0) },
                                   loopbackPort: loopbackPort, now: now)
        let challenge = PKCE.challenge(verifier: verifier, sha256: ChainDigest.sha256)
        let query = OIDCClient.form([
            ("response_type", "code"), ("client_id", provider.settings.clientID), ("redirect_uri", redirectURI(provider.name)),
            ("scope", provider.settings.scopes.joined(separator: " ")), ("state", state), ("nonce", nonce),
            ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ])
        let separator = discovery.authorizationEndpoint.contains("?") ? "&" : "?"
        return Start(authorizationURL: discovery.authorizationEndpoint + separator + query, state: state)
    }

    // MARK: The IdP's return

    /// What the callback does next: a browser gets its session; a terminal's login gets a code
    /// the person carries back to it (through agentctl's loopback listener, or by hand).
    public enum Finish: Sendable {
        case browser(SessionToken, Session, returnTo: String)
        case terminal(code: String, loopbackPort: Int?)
    }

    /// Completes a login the IdP sent back: the state must be a started login's, and for a
    /// browser this browser's (`browserState`, its cookie); the code is exchanged for tokens, the
    /// ID token verified (signature, issuer, audience, times, nonce), the person provisioned
    /// and their roles synced from their groups. Refusals after the IdP's answer are audited.
    public func finish(_ providerName: String, code: String?, state: String?, error: String?, errorDescription: String?,
                       browserState: String?, client: String, requestID: String?) async throws -> (Finish, idp: Duration) {
        let provider = try await provider(providerName)
        guard let state, !state.isEmpty, state.utf8.count <= 200,
              let pending = try await store.takeLogin(provider: provider.name, stateHash: hasher.hash("sso-state:" + state), now: clock.now()) else {
            throw SSORefusal.state
        }
        // why: without this a page elsewhere could finish its own login in the victim's
        // browser (login CSRF). A terminal's login is bound by its poll secret and code instead.
        if !pending.forTerminal {
            guard let browserState, SSOStore.equal(Array(browserState.utf8), Array(state.utf8)) else { throw SSORefusal.state }
        }
        return try await auditingRefusals(provider.name, org: provider.orgID, requestID: requestID) {
            try await complete(provider, pending: pending, state: state, code: code, error: error, errorDescription: errorDescription,
                               client: client, requestID: requestID)
        }
    }

    /// Runs the part of a login after the IdP's answer, auditing why it was refused (bad token,
    /// the IdP's error, an unreachable IdP); provisioning audits its own refusals.
    func auditingRefusals<T>(_ name: String, org: OrgID, requestID: String?, _ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let refusal as SSORefusal {
            switch refusal {
            case .providerError(let reason), .token(let reason), .claims(let reason):
                try? await store.recordRefusal(name: name, orgID: org, reason: reason, requestID: requestID, now: clock.now())
            default: break
            }
            throw refusal
        } catch let failure as OIDCUnavailable {
            try? await store.recordRefusal(name: name, orgID: org, reason: failure.reason, requestID: requestID, now: clock.now())
            throw failure
        }
    }

    /// The person's membership after provisioning, or why they may not log in.
    func provisioned(_ person: SSOStore.Person, into provider: SSOStore.Provisioning, requestID: String?) async throws -> Membership {
        do {
            return try await store.provision(person, into: provider, requestID: requestID, now: clock.now())
        } catch let refusal as SSOStore.ProvisionRefusal {
            switch refusal {
            case .noRole(let removed): throw SSORefusal.noRole(removed: removed)
            case .loginTaken(let login): throw SSORefusal.loginTaken(login)
            case .disabled: throw SSORefusal.disabled
            }
        }
    }

    private func complete(_ provider: SSOProvider, pending: SSOStore.PendingLogin, state: String, code: String?, error: String?,
                          errorDescription: String?, client: String, requestID: String?) async throws -> (Finish, idp: Duration) {
        if let error {
            throw SSORefusal.providerError(error + (errorDescription.map { ": " + $0.prefix(200) } ?? ""))
        }
        guard let code, !code.isEmpty, code.utf8.count <= 2048 else { throw SSORefusal.providerError("no code came back") }
        // The IdP's own time (discovery and keys when not cached, the token exchange, userinfo),
        // told apart from agentd's in the answer's Server-Timing.
        var idp = Duration.zero
        let discovery = try await timed(&idp) { try await cache.discovery(provider, now: clock.now()) }
        let secret = try await clientSecret(provider)
        let tokens = try await timed(&idp) {
            try await OIDCClient(caFile: provider.settings.caFile)
                .exchange(code: code, verifier: pending.verifier, redirectURI: redirectURI(provider.name), clientID: provider.settings.clientID,
                          clientSecret: secret, at: discovery.tokenEndpoint)
        }
        let person = try await person(from: tokens, provider: provider, discovery: discovery, nonce: pending.nonce, idp: &idp)
        let membership = try await provisioned(person, into: SSOStore.Provisioning(name: provider.name, orgID: provider.orgID,
                                                                                   mappings: provider.settings.mappings,
                                                                                   linkExisting: provider.settings.linkExisting),
                                               requestID: requestID)
        if pending.forTerminal {
            let code = Self.terminalCode()
            try await store.completeTerminal(stateHash: hasher.hash("sso-state:" + state), codeHash: hasher.hash("sso-code:" + code),
                                             membership: membership)
            return (.terminal(code: code, loopbackPort: pending.loopbackPort), idp)
        }
        let (token, session) = try await passwordLogin.openSession(membership, login: person.login, client: "sso \(provider.name), " + client,
                                                                   ssoProvider: provider.name, requestID: requestID, now: clock.now())
        return (.browser(token, session, returnTo: pending.returnTo), idp)
    }

    private func timed<T>(_ total: inout Duration, _ work: () async throws -> T) async rethrows -> T {
        let began = ContinuousClock.now
        defer { total += ContinuousClock.now - began }
        return try await work()
    }

    /// A code short enough to type: 10 characters of Crockford base32 (50 bits), in two groups.
    static func terminalCode() -> String {
        let text = CrockfordBase32.encode(bytes: SecretHasher.randomBytes(8)).prefix(10)
        return text.prefix(5) + "-" + text.dropFirst(5)
    }

    /// A terminal exchanges its poll secret and the code for its session, once.
    public func finishTerminal(poll: String, code: String, client: String, address: String, requestID: String?) async throws -> (SessionToken, Session) {
        try throttled(address)
        let typed = code.uppercased().filter { !$0.isWhitespace }
        guard let done = try await store.finishTerminal(pollHash: hasher.hash("sso-poll:" + poll), codeHash: hasher.hash("sso-code:" + typed),
                                                        now: clock.now()) else {
            throw SSORefusal.state
        }
        guard try await store.kind(of: done.provider) != nil,
              let (account, role, _) = try await store.member(done.userID, org: done.orgID) else { throw SSORefusal.state }
        return try await passwordLogin.openSession(Membership(orgID: done.orgID, userID: done.userID, role: role), login: account.login,
                                                   client: "sso \(done.provider) terminal, " + client, ssoProvider: done.provider,
                                                   requestID: requestID, now: clock.now())
    }

    /// The client secret from the provider org's vault; nil for a public client.
    func clientSecret(_ provider: SSOProvider) async throws -> String? {
        guard let path = provider.settings.clientSecretPath else { return nil }
        guard let (ref, sealed) = try await secrets.currentSealed(org: provider.orgID,
                                                                   environment: DeployEnvironment(rawValue: provider.settings.clientSecretEnvironment) ?? .prod,
                                                                   path: path, team: nil) else {
            throw OIDCUnavailable(reason: "the client secret is not in the vault: agentctl secrets set \(path) --env "
                                  + "\(provider.settings.clientSecretEnvironment) --org \(provider.orgName)")
        }
        return String(decoding: try vault.open(sealed, at: ref), as: UTF8.self)
    }

    /// Who the tokens say logged in: the ID token verified and checked; login, name and groups
    /// from it, or from userinfo when it lacks them (whose `sub` must be the same, OIDC §5.3.4).
    func person(from tokens: OIDCTokens, provider: SSOProvider, discovery: OIDCDiscovery, nonce: String,
                idp: inout Duration) async throws -> SSOStore.Person {
        let settings = provider.settings
        let now = clock.now()
        let payload: JSONValue
        do {
            // Counted as the IdP's: it is, when the keys must be fetched (first use, rotation).
            let fetched = await cache.keysLoaded(provider)
            let began = ContinuousClock.now
            payload = try await cache.verify(tokens.idToken, provider: provider, now: now)
            if !fetched { idp += ContinuousClock.now - began }
        } catch let refusal as SignedTokenKeys.Refusal {
            throw SSORefusal.token(refusal.reason)
        }
        guard let claims = IDTokenClaims(json: payload) else { throw SSORefusal.token("the ID token lacks iss, sub, aud, exp or iat") }
        if let refusal = claims.refusal(issuer: settings.issuer, clientID: settings.clientID, nonce: nonce, now: now) {
            throw SSORefusal.token(refusal.reason)
        }
        var source = payload
        if SSOLoginRules.groups(payload, claim: settings.groupsClaim) == nil || SSOLoginRules.text(payload, settings.loginClaim) == nil,
           let endpoint = discovery.userinfoEndpoint, let accessToken = tokens.accessToken {
            let info = try await timed(&idp) { try await OIDCClient(caFile: settings.caFile).userinfo(endpoint, accessToken: accessToken) }
            guard SSOLoginRules.text(info, "sub") == claims.subject else { throw SSORefusal.token("userinfo names another subject than the ID token") }
            if case .object(var merged) = payload, case .object(let extra) = info {
                for (key, value) in extra where merged[key] == nil { merged[key] = value }
                source = .object(merged)
            }
        }
        guard let raw = SSOLoginRules.text(source, settings.loginClaim) else {
            throw SSORefusal.claims("the IdP sent no \(settings.loginClaim) claim: set --login-claim to one it sends (email, upn, preferred_username)")
        }
        guard let login = SSOLoginRules.login(fromClaim: raw) else {
            throw SSORefusal.claims("the \(settings.loginClaim) claim `\(raw.prefix(60))` cannot be an agentd login (a-z 0-9 . _ @ + -)")
        }
        return SSOStore.Person(subject: claims.subject, login: login, displayName: String((SSOLoginRules.text(source, "name") ?? login).prefix(200)),
                               groups: Array((SSOLoginRules.groups(source, claim: settings.groupsClaim) ?? []).prefix(1000)))
    }

    // MARK: Logout

    /// Where to send the browser so the IdP ends its session too (OIDC RP-Initiated Logout
    /// 1.0): nil when the session was not opened through a provider that offers it.
    public func endSessionURL(for session: SessionID) async throws -> String? {
        guard let name = try await logins.ssoProvider(of: session), let provider = try await store.provider(name),
              let endpoint = try? await cache.discovery(provider, now: clock.now()).endSessionEndpoint else { return nil }
        let query = OIDCClient.form([("client_id", provider.settings.clientID), ("post_logout_redirect_uri", publicURL.text + "/")])
        return endpoint + (endpoint.contains("?") ? "&" : "?") + query
    }

    // MARK: Management

    /// What `agentctl sso test` reports: discovery, keys, and whether the client secret is there.
    public struct TestReport: Sendable, Encodable {
        let provider: String
        let issuer: String
        let redirectUri: String
        let authorizationEndpoint: String
        let tokenEndpoint: String
        let userinfoEndpoint: String?
        let endSessionEndpoint: String?
        let signingAlgorithms: [String]
        let keyIds: [String]
        let pkceS256: Bool
        let clientSecret: String
        let problems: [String]
    }

    public func test(_ name: String) async throws -> TestReport {
        let provider = try await provider(name)
        let now = clock.now()
        let discovery: OIDCDiscovery
        do {
            discovery = try await cache.discovery(provider, now: now, refresh: true)
        } catch let error as OIDCUnavailable {
            throw SSOTestFailed(reason: error.reason)
        }
        var problems: [String] = []
        var kids: [String] = []
        do {
            kids = try await cache.reloadKeys(provider, now: now)
            if kids.isEmpty { problems.append("the JWKS holds no signing key agentd accepts (RS/PS/ES, RSA of 2048 bits or more)") }
        } catch let error as OIDCUnavailable {
            problems.append(error.reason)
        }
        let pkce = discovery.codeChallengeMethods.map { $0.contains("S256") } ?? true
        if !pkce { problems.append("the IdP does not list S256 among code_challenge_methods_supported: PKCE may be refused") }
        if !discovery.signingAlgorithms.contains(where: { SignedTokenKeys.allowed.contains($0) }) {
            problems.append("the IdP signs ID tokens with \(discovery.signingAlgorithms.joined(separator: ", ")): agentd accepts RS/PS/ES only")
        }
        var secret = provider.settings.clientSecretPath == nil ? "none (public client)" : "present"
        do {
            _ = try await clientSecret(provider)
        } catch let error as OIDCUnavailable {
            secret = "missing"
            problems.append(error.reason)
        } catch VaultError.sealed {
            secret = "vault sealed"
            problems.append("the vault is sealed: logins fail until it is unsealed")
        }
        return TestReport(provider: provider.name, issuer: discovery.issuer, redirectUri: redirectURI(provider.name),
                          authorizationEndpoint: discovery.authorizationEndpoint, tokenEndpoint: discovery.tokenEndpoint,
                          userinfoEndpoint: discovery.userinfoEndpoint, endSessionEndpoint: discovery.endSessionEndpoint,
                          signingAlgorithms: discovery.signingAlgorithms, keyIds: kids, pkceS256: pkce, clientSecret: secret, problems: problems)
    }
}

/// `agentctl sso test` could not reach the IdP's discovery, or it answered wrongly.
public struct SSOTestFailed: Error, Equatable {
    public let reason: String
}
