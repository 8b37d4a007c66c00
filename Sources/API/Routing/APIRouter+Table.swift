/// The route files agentd serves, in one place: `routes` lists their declarations (for
/// `validate`, the OpenAPI document and the tests; no services needed), and `bind` gives each
/// file its area's service (for the router). Adding a route file means adding it to both;
/// `APIRouterTests` checks that they list the same routes.
extension APIRouter {
    /// Every route agentd serves, without handlers.
    public static var routes: [RouteDeclaration] {
        SystemRoutes.declarations + OrgRoutes.declarations + UserRoutes.declarations + RoleRoutes.declarations
            + TeamRoutes.declarations + SessionRoutes.declarations + MFARoutes.declarations + PlanRoutes.declarations
            + SecretRoutes.declarations + APIKeyRoutes.declarations + AuditRoutes.declarations
            + DefinitionRoutes.declarations + AgentRoutes.declarations + WorkflowRoutes.declarations + ExecutionRoutes.declarations
            + ModelRoutes.declarations + BudgetRoutes.declarations + CostRoutes.declarations + ActivityRoutes.declarations
            + BackupRoutes.declarations + ScheduleRoutes.declarations + WebhookRoutes.declarations + ApprovalRoutes.declarations
            + ChangeRoutes.declarations + EnvironmentRoutes.declarations + ErrorRoutes.declarations
            + OverviewRoutes.declarations + AlertRoutes.declarations + RetentionRoutes.declarations
            + ArchiveRoutes.declarations + PrivacyRoutes.declarations
            + PersonalDataRoutes.declarations + SSORoutes.declarations + ConsoleRoutes.declarations
            + SearchRoutes.declarations + FavoriteRoutes.declarations + CommentRoutes.declarations + ShareRoutes.declarations
    }

    /// Every route agentd serves, each route file bound to the one service it is given.
    public static func bind(system: SystemService, identity: IdentityService, login: LoginService, vault: VaultService,
                            audit: AuditService, definitions: DefinitionService, executions: ExecutionService,
                            models: ModelService, costs: CostService, backups: BackupService,
                            schedules: ScheduleService, webhooks: WebhookService, approvals: ApprovalService,
                            alerts: AlertService, compliance: ComplianceService, sso: SSOService,
                            collaboration: CollaborationService, sharing: ShareService) -> [BoundRoute] {
        let console = ConsoleServices(login: login, sso: sso, identity: identity, definitions: definitions, executions: executions, costs: costs,
                                      approvals: approvals, vault: vault, models: models, audit: audit, alerts: alerts, collaboration: collaboration)
        return
        SystemRoutes.bound(to: system) + OrgRoutes.bound(to: identity) + UserRoutes.bound(to: identity) + RoleRoutes.bound(to: identity)
            + TeamRoutes.bound(to: identity) + SessionRoutes.bound(to: login) + MFARoutes.bound(to: login) + PlanRoutes.bound(to: identity)
            + SecretRoutes.bound(to: vault) + APIKeyRoutes.bound(to: identity) + AuditRoutes.bound(to: audit)
            + DefinitionRoutes.bound(to: definitions) + AgentRoutes.bound(to: definitions) + WorkflowRoutes.bound(to: definitions)
            + ExecutionRoutes.bound(to: executions) + ModelRoutes.bound(to: models) + BudgetRoutes.bound(to: costs)
            + CostRoutes.bound(to: costs) + ActivityRoutes.bound(to: audit) + BackupRoutes.bound(to: backups)
            + ScheduleRoutes.bound(to: schedules) + WebhookRoutes.bound(to: webhooks) + ApprovalRoutes.bound(to: approvals)
            + ChangeRoutes.bound(to: approvals) + EnvironmentRoutes.bound(to: definitions) + ErrorRoutes.bound(to: executions)
            + OverviewRoutes.bound(to: executions) + AlertRoutes.bound(to: alerts) + RetentionRoutes.bound(to: compliance)
            + ArchiveRoutes.bound(to: compliance) + PrivacyRoutes.bound(to: compliance)
            + PersonalDataRoutes.bound(to: compliance) + SSORoutes.bound(to: sso) + ConsoleRoutes.bound(to: console)
            + SearchRoutes.bound(to: collaboration) + FavoriteRoutes.bound(to: collaboration) + CommentRoutes.bound(to: collaboration) + ShareRoutes.bound(to: sharing)
    }
}
