import Core
import Platform
import AgentSecurity
import Storage

/// Logging in and out, sessions, passwords and second factors: what `SessionRoutes` and
/// `MFARoutes` are given; built by `agentd` (Daemon/APIWiring.swift).
public struct LoginService: Sendable {
    public let logins: LoginStore
    public let passwordLogin: PasswordLogin
    public let passwordPolicy: PasswordPolicy
    public let mfa: MFAService
    public let mfaStore: MFAStore
    /// Buckets for password logins, by client address and by login name (`loginThrottle`):
    /// every attempt costs an Argon2id verification (64 MiB, tens of milliseconds), identified
    /// caller or not. Also MFA-removal tries. Shared with `VaultService` (unseal tries).
    let loginBuckets: BucketStore
    let loginThrottle = LoginThrottlePolicy()
    public let limits: RequestLimits
    public let clock: WallClock

    public init(logins: LoginStore, passwordLogin: PasswordLogin, passwordPolicy: PasswordPolicy, mfa: MFAService, mfaStore: MFAStore,
                loginBuckets: BucketStore, limits: RequestLimits, clock: WallClock) {
        self.logins = logins
        self.passwordLogin = passwordLogin
        self.passwordPolicy = passwordPolicy
        self.mfa = mfa
        self.mfaStore = mfaStore
        self.loginBuckets = loginBuckets
        self.limits = limits
        self.clock = clock
    }

    /// A password login from `address` (a client's IP, or `socket`). Throttled before any
    /// look-up or hash, per address and per login name (existing or not), never one bucket for
    /// all (see `LoginThrottlePolicy`): `RateLimited` when a bucket is empty. `client` describes
    /// the caller for the session list.
    public func login(_ login: String, password: String, totpCode: String?, recoveryCode: String?, orgName: String?,
                      address: String, client: String, requestID: String?) async throws -> (SessionToken, Session) {
        let decision = loginBuckets.take(loginThrottle.buckets(address: address, login: login).map { ($0.key, $0.capacity) },
                                         now: clock.now(), periodMilliseconds: loginThrottle.periodMilliseconds)
        guard decision.allowed else { throw RateLimited(decision: decision) }
        return try await passwordLogin.login(login, password: password, totpCode: totpCode, recoveryCode: recoveryCode,
                                             orgName: orgName, client: client, requestID: requestID, now: clock.now())
    }
}
