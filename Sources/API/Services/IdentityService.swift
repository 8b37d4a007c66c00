import Platform
import AgentSecurity
import Storage

/// Who is who: orgs and their plans, users, teams, roles and API keys. What `OrgRoutes`,
/// `UserRoutes`, `TeamRoutes`, `RoleRoutes`, `APIKeyRoutes` and `PlanRoutes` are given; built
/// by `agentd` (Daemon/APIWiring.swift).
///
/// A change to who belongs where or who holds which role must drop the authenticator's cached
/// keys (`authenticator.forgetAll()`), because a cached key carries its owner's teams and roles.
public struct IdentityService: Sendable {
    public let orgs: OrgStore
    public let users: UserStore
    public let teams: TeamStore
    public let roles: RoleStore
    public let keys: APIKeyStore
    public let quotas: QuotaStore
    /// Checks API keys; these routes use it only to hash new keys and to drop cached ones.
    public let authenticator: APIKeyAuthenticator
    public let limits: RequestLimits
    public let clock: WallClock

    public init(orgs: OrgStore, users: UserStore, teams: TeamStore, roles: RoleStore, keys: APIKeyStore, quotas: QuotaStore,
                authenticator: APIKeyAuthenticator, limits: RequestLimits, clock: WallClock) {
        self.orgs = orgs
        self.users = users
        self.teams = teams
        self.roles = roles
        self.keys = keys
        self.quotas = quotas
        self.authenticator = authenticator
        self.limits = limits
        self.clock = clock
    }
}
