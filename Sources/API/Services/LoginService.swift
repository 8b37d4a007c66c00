import Core
import Platform
import Security
import Storage

/// Logging in and out, sessions, passwords and second factors: what `SessionRoutes` and
/// `MFARoutes` are given; built by `agentd` (Daemon.swift).
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
}
