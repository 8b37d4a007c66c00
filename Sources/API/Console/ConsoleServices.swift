import Platform

/// What the console's pages are given: the same services the API's route files use, so a page
/// reads and changes exactly what the matching API route would, with the same scope and audit.
public struct ConsoleServices: Sendable {
    public let login: LoginService
    public let sso: SSOService
    public let identity: IdentityService
    public let definitions: DefinitionService
    public let executions: ExecutionService
    public let costs: CostService
    public let approvals: ApprovalService
    public let vault: VaultService
    public let models: ModelService
    public let audit: AuditService
    public let alerts: AlertService
    public let collaboration: CollaborationService
    let clock: WallClock

    public init(login: LoginService, sso: SSOService, identity: IdentityService, definitions: DefinitionService,
                executions: ExecutionService, costs: CostService, approvals: ApprovalService, vault: VaultService,
                models: ModelService, audit: AuditService, alerts: AlertService, collaboration: CollaborationService) {
        self.login = login
        self.sso = sso
        self.identity = identity
        self.definitions = definitions
        self.executions = executions
        self.costs = costs
        self.approvals = approvals
        self.vault = vault
        self.models = models
        self.audit = audit
        self.alerts = alerts
        self.collaboration = collaboration
        self.clock = executions.clock
    }
}
