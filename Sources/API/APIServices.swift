import Core
import Engine
import Foundation
import Logging
import Metrics
import Platform
import Prometheus
import Security
import Storage

/// What route handlers may use. Built once by `agentd serve` and shared by both listeners.
public struct APIServices: Sendable {
    public let database: AgentDatabase
    public let orgs: OrgStore
    public let users: UserStore
    public let keys: APIKeyStore
    public let audit: AuditLog
    /// Checks API keys; routes use it only to make new keys' hashes and to drop revoked keys.
    public let authenticator: APIKeyAuthenticator
    public let logins: LoginStore
    public let passwordLogin: PasswordLogin
    public let passwordPolicy: PasswordPolicy
    public let mfaStore: MFAStore
    public let teams: TeamStore
    public let roles: RoleStore
    public let secrets: SecretStore
    public let vault: Vault
    public let vaultKeys: VaultKeyStore
    public let vaultLimits: VaultLimits
    public let quotas: QuotaStore
    public let definitions: DefinitionStore
    public let executions: ExecutionStore
    public let models: ModelStore
    public let budgets: BudgetStore
    public let costs: CostQueries
    public let activity: ActivityFeed
    public let engine: Engine
    public let mfa: MFAService
    public let rateLimits: RateLimits
    /// Buckets for password logins, by client address and by login name (`loginThrottle`):
    /// every attempt costs an Argon2id verification (64 MiB, tens of milliseconds), identified
    /// caller or not. Also MFA-removal and unseal tries.
    let loginBuckets = BucketStore()
    let loginThrottle = LoginThrottlePolicy()
    public let clock: WallClock
    public let limits: RequestLimits
    public let info: ServerInfo
    public let identity: SocketIdentityPolicy
    public let registry: PrometheusCollectorRegistry
    /// `[metrics] require_auth`: `/metrics` needs system.view and then labels counts with org ids.
    public let metricsRequireAuth: Bool

    public init(database: AgentDatabase, audit: AuditLog, hashKey: [UInt8], clock: WallClock, limits: RequestLimits,
                info: ServerInfo, identity: SocketIdentityPolicy, registry: PrometheusCollectorRegistry,
                sessionPolicy: SessionPolicy = .init(), passwordPolicy: PasswordPolicy = .init(),
                rateLimits: RateLimits = .init(), vault: Vault, vaultLimits: VaultLimits = .init(),
                engineSettings: Engine.Settings = .init(), logger: Logger = Logger(label: "agentd.engine"),
                metrics: (any MetricsFactory)? = nil, metricsRequireAuth: Bool = false) {
        self.database = database
        self.audit = audit
        self.orgs = OrgStore(database: database, audit: audit)
        self.users = UserStore(database: database, audit: audit)
        self.keys = APIKeyStore(database: database, audit: audit)
        let hasher = SecretHasher(key: hashKey)
        self.authenticator = APIKeyAuthenticator(lookup: CredentialLookup(database: database), hasher: hasher)
        self.logins = LoginStore(database: database, audit: audit)
        self.mfaStore = MFAStore(database: database, audit: audit)
        self.teams = TeamStore(database: database, audit: audit)
        self.roles = RoleStore(database: database, audit: audit)
        self.secrets = SecretStore(database: database, audit: audit)
        self.vault = vault
        self.vaultKeys = VaultKeyStore(database: database)
        self.vaultLimits = vaultLimits
        self.quotas = QuotaStore(database: database, audit: audit)
        self.definitions = DefinitionStore(database: database, audit: audit)
        // why: jobs carry the id of the process that owns them; a new process takes over the
        // jobs of any other at start (only one agentd runs on a database at a time).
        self.executions = ExecutionStore(database: database, audit: audit, instance: "agentd-\(UUID().uuidString.prefix(8).lowercased())")
        self.models = ModelStore(database: database, audit: audit)
        self.budgets = BudgetStore(database: database, audit: audit)
        self.costs = CostQueries(database: database)
        self.activity = ActivityFeed(database: database)
        let secretStore = self.secrets
        self.engine = Engine(store: executions, settings: engineSettings, now: { clock.now() }, logger: logger,
                             secrets: { org, environment, path, team in
                                 guard let (ref, sealed) = try await secretStore.currentSealed(org: org, environment: environment, path: path,
                                                                                               team: team) else { return nil }
                                 return (try vault.open(sealed, at: ref), ref.version)
                             },
                             metrics: metrics)
        self.mfa = MFAService(store: mfaStore, sealer: SeedSealer(hashKey: hashKey), hasher: hasher)
        self.passwordLogin = PasswordLogin(store: logins, mfa: mfa, hasher: hasher, sessions: sessionPolicy)
        self.passwordPolicy = passwordPolicy
        self.rateLimits = rateLimits
        self.clock = clock
        self.limits = limits
        self.info = info
        self.identity = identity
        self.registry = registry
        self.metricsRequireAuth = metricsRequireAuth
    }
}

/// Bounds on secrets.
public struct VaultLimits: Sendable, Hashable {
    public var maximumValueBytes: Int
    public init(maximumValueBytes: Int = SecretRules.defaultMaximumValueBytes) { self.maximumValueBytes = maximumValueBytes }
}

/// Bounds on what a request may carry.
public struct RequestLimits: Sendable, Hashable {
    public var maxBodyBytes: Int
    public var maxJSONDepth: Int

    public init(maxBodyBytes: Int = 1 << 20, maxJSONDepth: Int = 32) {
        self.maxBodyBytes = maxBodyBytes
        self.maxJSONDepth = maxJSONDepth
    }
}

/// Facts about this running daemon, for `GET /api/v1/status`.
public struct ServerInfo: Sendable {
    public let version: String
    public let startedAt: Instant
    public let startedAtMonotonic: ContinuousClock.Instant
    public let devMode: Bool
    /// Where `POST /api/v1/system/backup` may write (`[backup] directory`).
    public let backupDirectory: String

    public init(version: String, startedAt: Instant, startedAtMonotonic: ContinuousClock.Instant, devMode: Bool, backupDirectory: String = "/var/lib/agentd/backups") {
        self.version = version
        self.startedAt = startedAt
        self.startedAtMonotonic = startedAtMonotonic
        self.devMode = devMode
        self.backupDirectory = backupDirectory
    }
}
