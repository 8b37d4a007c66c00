import API
import Core
import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Platform
import Prometheus
import AgentSecurity
import Storage

/// The router over the real area services and a real SQLite file in a fresh temporary
/// directory, wired as `agentd` wires it (agentd/Daemon/APIWiring.swift), with two orgs and an
/// API key per test caller. Requests go straight to the router (`app.test(.router)`): no
/// listener, no port. The engine is built but not started; the vault starts sealed.
final class RouteHarness: @unchecked Sendable {
    let directory: String
    let database: AgentDatabase
    let audit: AuditLog
    let clock: WallClock
    /// Sees every org: for reading audit rows back.
    let installation: Scope
    let vault: VaultService
    let router: Router<AgentRequestContext>
    /// `Authorization` values by caller: `acme-developer`, `acme-viewer`, `other-developer`.
    private(set) var bearer: [String: String] = [:]

    init() async throws {
        _ = ChainDigest.prepare()
        let clock = WallClock()
        self.clock = clock
        let directory = NSTemporaryDirectory() + "agentd-apitests-" + UUID().uuidString
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = try AgentDatabase(options: DatabaseOptions(path: directory + "/agentd.db", synchronous: .normal), now: clock.now())
        database.writer.start()
        let audit = AuditLog(database: database, digest: ChainDigest.sha256)
        self.database = database
        self.audit = audit
        let installation = Scope(orgID: OrgID.generate(at: clock.now()), reach: .installation, roles: [.admin])
        self.installation = installation
        let limits = RequestLimits()

        let secrets = SecretStore(database: database, audit: audit)
        let sealed = Vault(keys: [], source: "tests", keyringPath: nil)
        let executions = ExecutionStore(database: database, audit: audit, instance: "apitests")
        var logger = Logger(label: "api-tests")
        logger.logLevel = .critical
        let engine = Engine(store: executions, now: { clock.now() }, logger: logger)
        let hasher = SecretHasher(key: Array(repeating: 7, count: 32))
        let authenticator = APIKeyAuthenticator(lookup: CredentialLookup(database: database), hasher: hasher)
        let orgs = OrgStore(database: database, audit: audit)
        let users = UserStore(database: database, audit: audit)
        let keys = APIKeyStore(database: database, audit: audit)
        let logins = LoginStore(database: database, audit: audit)
        let mfaStore = MFAStore(database: database, audit: audit)
        let mfa = MFAService(store: mfaStore, sealer: SeedSealer(hashKey: Array(repeating: 7, count: 32)), hasher: hasher)
        let passwordLogin = PasswordLogin(store: logins, mfa: mfa, hasher: hasher, sessions: SessionPolicy())
        let buckets = BucketStore()
        let registry = PrometheusCollectorRegistry()
        let vault = VaultService(secrets: secrets, vault: sealed, vaultKeys: VaultKeyStore(database: database), vaultLimits: VaultLimits(),
                             audit: audit, loginBuckets: buckets, limits: limits, clock: clock)

        let routes = APIRouter.bind(
            system: SystemService(database: database, engine: engine, executions: executions, vault: sealed,
                                  info: ServerInfo(version: "tests", startedAt: clock.now(), startedAtMonotonic: .now, devMode: false),
                                  registry: registry, metricsRequireAuth: false),
            identity: IdentityService(orgs: orgs, users: users, teams: TeamStore(database: database, audit: audit),
                                      roles: RoleStore(database: database, audit: audit), keys: keys,
                                      quotas: QuotaStore(database: database, audit: audit), authenticator: authenticator,
                                      limits: limits, clock: clock),
            login: LoginService(logins: logins, passwordLogin: passwordLogin, passwordPolicy: PasswordPolicy(), mfa: mfa, mfaStore: mfaStore,
                                loginBuckets: buckets, limits: limits, clock: clock),
            vault: vault,
            audit: AuditService(audit: audit, activity: ActivityFeed(database: database), clock: clock),
            definitions: DefinitionService(definitions: DefinitionStore(database: database, audit: audit),
                                           refusals: RefusalAudit(audit: audit, clock: clock), limits: limits, clock: clock),
            executions: ExecutionService(executions: executions, engine: engine, limits: limits, clock: clock),
            models: ModelService(models: ModelStore(database: database, audit: audit), engine: engine, audit: audit,
                                 limits: limits, clock: clock),
            costs: CostService(budgets: BudgetStore(database: database, audit: audit), costs: CostQueries(database: database),
                               limits: limits, clock: clock),
            backups: BackupService(database: database, audit: audit, directory: directory + "/backups", limits: limits, clock: clock),
            schedules: ScheduleService(schedules: ScheduleStore(database: database, audit: audit), engine: engine, limits: limits, clock: clock),
            webhooks: WebhookService(webhooks: WebhookStore(database: database, audit: audit), executions: executions, secrets: secrets, vault: sealed,
                                     engine: engine, limits: limits, clock: clock),
            approvals: ApprovalService(approvals: ApprovalStore(database: database, audit: audit), changes: ChangeStore(database: database, audit: audit),
                                       executions: executions, engine: engine, authenticator: authenticator,
                                       limits: limits, clock: clock),
            alerts: AlertService(alerts: AlertStore(database: database, audit: audit), alerting: nil, executions: executions, limits: limits, clock: clock),
            compliance: ComplianceService(retention: Retention(database: database, audit: audit, settings: Retention.Settings(), now: { clock.now() },
                                                               logger: logger),
                                          store: RetentionStore(database: database, audit: audit), privacy: PrivacyStore(database: database, audit: audit),
                                          limits: limits, clock: clock,
                                          personalData: PersonalDataStore(database: database, audit: audit, archive: nil), audit: audit, authenticator: nil),
            sso: SSOService(store: SSOStore(database: database, audit: audit), passwordLogin: passwordLogin, logins: logins, hasher: hasher,
                            secrets: secrets, vault: sealed, publicURL: PublicURL("http://127.0.0.1:8700"), buckets: buckets, limits: limits, clock: clock),
            collaboration: CollaborationService(search: SearchIndex(database: database), lists: PersonalLists(database: database, audit: audit),
                                                comments: CommentStore(database: database, audit: audit),
                                                audit: audit, limits: limits, clock: clock),
            sharing: ShareService(links: ShareLinkStore(database: database, audit: audit), hasher: hasher, publicURL: PublicURL("http://127.0.0.1:8700"),
                                  executions: executions, definitions: DefinitionStore(database: database, audit: audit), limits: limits, clock: clock))
        self.vault = vault
        self.boundRoutes = routes

        let admin = ChangeContext(scope: installation, actor: "tests", requestID: nil, now: clock.now())
        let acme = try await orgs.create(name: "acme", displayName: nil, context: admin)
        _ = try await orgs.create(name: "other", displayName: nil, context: admin)
        self.router = try APIRouter.build(
            routes: routes,
            identity: IdentityMiddleware(policy: SocketIdentityPolicy(adminGroup: nil, devUID: nil, defaultOrg: acme.id),
                                         authenticator: authenticator, passwordLogin: passwordLogin, users: users, clock: clock),
            rateLimits: RateLimits(), registry: registry, refusals: RefusalAudit(audit: audit, clock: clock), clock: clock)

        for (org, role) in [("acme", "developer"), ("acme", "viewer"), ("other", "developer")] {
            let login = "\(org)-\(role)"
            _ = try await users.create(login: login, displayName: nil, unixUID: nil, orgReference: org, role: role, context: admin)
            let token = APIKeyAuthenticator.newToken(at: clock.now())
            _ = try await keys.create(id: token.id, secretHash: authenticator.hash(token), name: "tests", userReference: login,
                                      orgReference: org, scopes: nil, expiresAt: nil, context: admin)
            bearer[login] = "Bearer \(token.text)"
        }
    }

    /// Every route, bound as the router serves it.
    let boundRoutes: [BoundRoute]

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Runs `test` against the router; stops the writer afterwards.
    func run(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "api-tests")
        logger.logLevel = .warning
        let app = Application(router: router, logger: logger)
        do {
            try await app.test(.router, test)
        } catch {
            await database.writer.stop()
            throw error
        }
        await database.writer.stop()
    }

    /// The request headers of `caller` (a login above), with a JSON body's content type.
    func headers(_ caller: String) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        fields[.authorization] = bearer[caller]
        return fields
    }

    /// Audit rows of `action`, oldest first.
    func audited(_ action: AuditAction) async throws -> [AuditEntry] {
        try await audit.list(in: installation, filter: .init(action: action), page: PageRequest(limit: 100)).items.map(\.entry)
    }

    /// A change made by the installation (for calling a service directly).
    func change(_ actor: String = "uid:0") -> ChangeContext {
        ChangeContext(scope: installation, actor: actor, requestID: "req-tests", now: clock.now())
    }
}

extension TestResponse {
    /// The body as JSON.
    var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(String(buffer: body).utf8)) }

    /// The fields a problem+json body's `errors` name.
    var problemFields: [String] {
        guard case .array(let errors)? = json?["errors"] else { return [] }
        return errors.compactMap { if case .string(let field)? = $0["field"] { field } else { nil } }
    }

    /// A problem+json body's `code`.
    var problemCode: String? {
        guard case .string(let code)? = json?["code"] else { return nil }
        return code
    }
}
