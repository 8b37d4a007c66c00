import API
import Core
import Engine
import Foundation
import Hummingbird
import Logging
import Metrics
import Platform
import Prometheus
import AgentSecurity
import Storage

/// Where the API's services are built: the stores over the one database, the one `Engine` (with
/// its step runners and outbound client), each area's service (`IdentityService`,
/// `VaultService`, …), each route file bound to its area's service (`APIRouter.bind`), and the
/// router that serves them behind the middleware.
struct APIWiring {
    let engine: Engine
    let vault: Vault
    /// For models declared in agentd.toml (at start and on reload).
    let models: ModelStore
    /// Alert rules' evaluation and delivery, run by the daemon as a service.
    let alerting: Alerting
    /// Retention passes, run by the daemon as a service.
    let retention: Retention
    let router: Router<AgentRequestContext>

    /// What the daemon has opened and decided before the API can be built.
    struct Inputs {
        let config: Config
        let devMode: Bool
        let database: AgentDatabase
        let audit: AuditLog
        let hashKey: [UInt8]
        let clock: WallClock
        let registry: PrometheusCollectorRegistry
        let metrics: any MetricsFactory
        let masterKeys: [MasterKey]
        let keySource: String
        let defaultOrg: OrgID
        let startedAt: Instant
        let startedAtMonotonic: ContinuousClock.Instant
        /// What opening the database did about incremental vacuum, for status.
        let vacuum: String
        /// Where people and identity providers reach agentd (redirect URIs).
        let publicURL: PublicURL
        let logger: Logger
    }

    init(_ inputs: Inputs) throws {
        let config = inputs.config
        let (database, audit, clock) = (inputs.database, inputs.audit, inputs.clock)
        let limits = RequestLimits(maxBodyBytes: config.server.maxBodyBytes, maxJSONDepth: config.server.maxJSONDepth)

        let secrets = SecretStore(database: database, audit: audit)
        let vault = Vault(keys: inputs.masterKeys, source: inputs.keySource,
                          keyringPath: config.vault.keySource == "file"
                              ? URL(fileURLWithPath: config.vault.keyFile).standardizedFileURL.path : nil)
        // why: jobs carry the id of the process that owns them; a new process takes over the
        // jobs of any other at start (only one agentd runs on a database at a time).
        let executions = ExecutionStore(database: database, audit: audit, instance: "agentd-\(UUID().uuidString.prefix(8).lowercased())")
        var settings = Engine.Settings(workers: config.engine.workers, defaultStepTimeoutMs: config.engine.stepTimeoutMs,
                                       breaker: CircuitBreaker.Settings(failureThreshold: config.engine.breakerFailures,
                                                                        openMs: Int64(config.engine.breakerOpenMs)),
                                       caBundle: config.engine.caBundle, poisonAfter: config.engine.poisonAfter,
                                       scheduleGraceMs: Int64(config.engine.scheduleGraceMs))
            .with(egress: EgressSettings(site: config.egress.site, orgs: config.egress.orgs, listeners: [config.server.listen]))
        settings.timerPollMs = Int64(config.engine.timerPollMs)
        settings.traceSampleRatio = Double(config.tracing.samplePercent) / 100
        // The outbound HTTP client (egress policy, CA bundle), the breakers and a runner per kind.
        let runners = StepRunnerSet.standard(settings: settings, now: { clock.now() }, orgName: { org in try await executions.orgName(org) },
                                             environmentEgress: { org, environment in
                                                 try await executions.environments.settings(org: org, environment: environment).egress
                                             })
        let engine = Engine(store: executions, settings: settings, now: { clock.now() }, logger: inputs.logger,
                            secrets: { org, environment, path, team in
                                guard let (ref, sealed) = try await secrets.currentSealed(org: org, environment: environment, path: path,
                                                                                          team: team) else { return nil }
                                return (try vault.open(sealed, at: ref), ref.version)
                            },
                            metrics: inputs.metrics, runners: runners)

        let latencies = RequestLatencies(now: { clock.now() })
        var alertSettings = Alerting.Settings()
        alertSettings.evaluateMilliseconds = Int64(config.alerts.evaluateMilliseconds)
        alertSettings.deliveryAttempts = config.alerts.deliveryAttempts
        alertSettings.retryBaseMilliseconds = Int64(config.alerts.retryBaseMilliseconds)
        alertSettings.caBundle = config.alerts.caBundle ?? config.engine.caBundle
        let dataDirectory = URL(fileURLWithPath: config.database.path).deletingLastPathComponent().path
        let alerting = Alerting(database: database, audit: audit, engine: engine,
                                signals: SiteSignals(apiLatencyP99: { latencies.p99(windowMilliseconds: $0) },
                                                     writerStallSeconds: { database.writer.stallSeconds },
                                                     vaultSealed: { vault.isSealed },
                                                     diskFree: { DiskSpace.freeFraction(of: dataDirectory) }),
                                settings: alertSettings, now: { clock.now() }, logger: inputs.logger, metrics: inputs.metrics)

        var retentionSettings = Retention.Settings()
        retentionSettings.site = config.retention.policy
        retentionSettings.passMilliseconds = Int64(config.retention.passMilliseconds)
        retentionSettings.firstPassMilliseconds = min(60_000, Int64(config.retention.passMilliseconds))
        retentionSettings.batch = config.retention.batch
        retentionSettings.vacuum = inputs.vacuum
        retentionSettings.auditForwardTarget = config.audit.forward?.description
        if config.retention.archive {
            retentionSettings.archive = ExecutionArchive(directory: config.retention.archiveDirectory
                                                         ?? URL(fileURLWithPath: config.database.path).deletingLastPathComponent().appendingPathComponent("archive").path)
        }
        let retention = Retention(database: database, audit: audit, settings: retentionSettings, now: { clock.now() }, logger: inputs.logger,
                                  metrics: inputs.metrics)

        let hasher = SecretHasher(key: inputs.hashKey)
        let authenticator = APIKeyAuthenticator(lookup: CredentialLookup(database: database), hasher: hasher)
        let users = UserStore(database: database, audit: audit)
        let logins = LoginStore(database: database, audit: audit)
        let mfaStore = MFAStore(database: database, audit: audit)
        let mfa = MFAService(store: mfaStore, sealer: SeedSealer(hashKey: inputs.hashKey), hasher: hasher)
        let passwordLogin = PasswordLogin(store: logins, mfa: mfa, hasher: hasher,
                                          sessions: SessionPolicy(idleMilliseconds: Int64(config.auth.sessionIdleMinutes) * Milliseconds.minute,
                                                                  absoluteMilliseconds: Int64(config.auth.sessionMaxHours) * Milliseconds.hour))
        let models = ModelStore(database: database, audit: audit)
        // Password logins, MFA removals and unseal tries spend from the same buckets.
        let loginBuckets = BucketStore()

        let sso = SSOService(store: SSOStore(database: database, audit: audit), passwordLogin: passwordLogin, logins: logins, hasher: hasher,
                             secrets: secrets, vault: vault, publicURL: inputs.publicURL, buckets: loginBuckets, limits: limits, clock: clock)
        let lists = PersonalLists(database: database, audit: audit)
        let routes = APIRouter.bind(
            system: SystemService(database: database, engine: engine, executions: executions, vault: vault,
                                  info: ServerInfo(version: AgentdVersion.current, startedAt: inputs.startedAt,
                                                   startedAtMonotonic: inputs.startedAtMonotonic, devMode: inputs.devMode,
                                                   auditForward: config.audit.forward, sentry: config.errors.sentryDSN),
                                  registry: inputs.registry, metricsRequireAuth: config.metrics.requireAuth, retention: retention),
            identity: IdentityService(orgs: OrgStore(database: database, audit: audit), users: users,
                                      teams: TeamStore(database: database, audit: audit), roles: RoleStore(database: database, audit: audit),
                                      keys: APIKeyStore(database: database, audit: audit), quotas: QuotaStore(database: database, audit: audit),
                                      authenticator: authenticator, limits: limits, clock: clock),
            login: LoginService(logins: logins, passwordLogin: passwordLogin, passwordPolicy: PasswordPolicy(), mfa: mfa, mfaStore: mfaStore,
                                loginBuckets: loginBuckets, limits: limits, clock: clock),
            vault: VaultService(secrets: secrets, vault: vault, vaultKeys: VaultKeyStore(database: database), vaultLimits: VaultLimits(),
                                audit: audit, loginBuckets: loginBuckets, limits: limits, clock: clock),
            audit: AuditService(audit: audit, activity: ActivityFeed(database: database), clock: clock),
            definitions: DefinitionService(definitions: DefinitionStore(database: database, audit: audit),
                                           refusals: RefusalAudit(audit: audit, clock: clock), limits: limits, clock: clock, recent: lists),
            executions: ExecutionService(executions: executions, engine: engine, limits: limits, clock: clock, recent: lists),
            models: ModelService(models: models, engine: engine, audit: audit, limits: limits, clock: clock),
            costs: CostService(budgets: BudgetStore(database: database, audit: audit), costs: CostQueries(database: database),
                               limits: limits, clock: clock),
            backups: BackupService(database: database, audit: audit,
                                   directory: URL(fileURLWithPath: config.backup.directory).standardizedFileURL.path,
                                   limits: limits, clock: clock),
            schedules: ScheduleService(schedules: ScheduleStore(database: database, audit: audit), engine: engine, limits: limits, clock: clock),
            webhooks: WebhookService(webhooks: WebhookStore(database: database, audit: audit), executions: executions, secrets: secrets, vault: vault,
                                     engine: engine, limits: limits, clock: clock, metrics: inputs.metrics),
            approvals: ApprovalService(approvals: ApprovalStore(database: database, audit: audit), changes: ChangeStore(database: database, audit: audit, resealer: vault),
                                       executions: executions, engine: engine, authenticator: authenticator,
                                       limits: limits, clock: clock),
            alerts: AlertService(alerts: AlertStore(database: database, audit: audit), alerting: alerting, executions: executions,
                                 limits: limits, clock: clock),
            compliance: ComplianceService(retention: retention, store: RetentionStore(database: database, audit: audit),
                                          privacy: PrivacyStore(database: database, audit: audit), limits: limits, clock: clock,
                                          personalData: PersonalDataStore(database: database, audit: audit, archive: retention.settings.archive),
                                          audit: audit, authenticator: authenticator),
            sso: sso,
            collaboration: CollaborationService(search: SearchIndex(database: database), lists: lists,
                                                comments: CommentStore(database: database, audit: audit), audit: audit, limits: limits, clock: clock),
            sharing: ShareService(links: ShareLinkStore(database: database, audit: audit), hasher: hasher, publicURL: inputs.publicURL,
                                  executions: executions, definitions: DefinitionStore(database: database, audit: audit), limits: limits, clock: clock))
        let identity = IdentityMiddleware(policy: SocketIdentityPolicy(adminGroup: config.server.adminGroup,
                                                                       devUID: inputs.devMode ? getuid() : nil,
                                                                       defaultOrg: inputs.defaultOrg),
                                          authenticator: authenticator, passwordLogin: passwordLogin, users: users,
                                          programTokens: sso.programTokens, clock: clock)
        self.router = try APIRouter.build(
            routes: routes, identity: identity,
            rateLimits: RateLimits(keyPerHour: config.limits.keyPerHour, userPerHour: config.limits.userPerHour,
                                   orgPerHour: config.limits.orgPerHour),
            registry: inputs.registry, refusals: RefusalAudit(audit: audit, clock: clock), clock: clock, latencies: latencies,
            tracing: config.tracing.otlpEndpoint != nil)
        self.engine = engine
        self.alerting = alerting
        self.retention = retention
        self.vault = vault
        self.models = models
    }
}
