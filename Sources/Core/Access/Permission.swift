/// Something a caller may be allowed to do. Every route declares exactly one (or `.public`).
///
/// The raw values are the stable names shown in the API, the OpenAPI document and audit rows.
public enum Permission: String, CaseIterable, Hashable, Sendable, Codable {
    // Installation: the box itself and its tenants.
    case systemView = "system.view"
    case systemBackup = "system.backup"
    /// Upkeep of the installation's own data: rebuilding the search index.
    case systemMaintain = "system.maintain"
    case orgsView = "orgs.view"
    case orgsCreate = "orgs.create"
    case orgsEdit = "orgs.edit"
    case orgsDelete = "orgs.delete"
    // Within an org (DESIGN §7); routes arrive with their issues.
    case settingsManage = "settings.manage"
    case workflowsView = "workflows.view"
    case workflowsCreate = "workflows.create"
    case workflowsEdit = "workflows.edit"
    case workflowsDelete = "workflows.delete"
    case workflowsExecute = "workflows.execute"
    case agentsView = "agents.view"
    case agentsCreate = "agents.create"
    case agentsDelete = "agents.delete"
    case agentsPublish = "agents.publish"
    case executionsView = "executions.view"
    case executionsCancel = "executions.cancel"
    case auditView = "audit.view"
    case auditVerify = "audit.verify"
    case usersView = "users.view"
    case usersManage = "users.manage"
    case apiKeysManage = "api_keys.manage"
    case teamsManage = "teams.manage"
    case rolesManage = "roles.manage"
    case plansManage = "plans.manage"
    case vaultManage = "vault.manage"
    // Secrets (the vault); approvals and budgets are named ahead of their features.
    case secretsRead = "secrets.read"
    case secretsWrite = "secrets.write"
    case approvalsDecide = "approvals.decide"
    /// Merging a workflow's branch into main (a new main version from two).
    case workflowsMerge = "workflows.merge"
    /// Approving or rejecting a change request (a gated act held until approved).
    case changesApprove = "changes.approve"
    /// Adding, changing and deleting an org's environments and their settings (read with
    /// workflows.view).
    case environmentsManage = "environments.manage"
    /// Reading failures grouped by fingerprint (`agentctl errors`).
    case errorsView = "errors.view"
    /// Reading alert rules, channels, what fires and the history (`agentctl alerts`).
    case alertsView = "alerts.view"
    /// Creating and changing alert rules and channels, silencing and testing them.
    case alertsManage = "alerts.manage"
    case budgetsManage = "budgets.manage"
    // Models (OpenAI-compatible endpoints) are managed with settings.manage; costs and
    // budgets are read with costs.view.
    case costsView = "costs.view"
    // Schedules are read with workflows.view.
    case schedulesManage = "schedules.manage"
    // Webhooks are read with workflows.view; creating one may write its secret to the vault.
    case webhooksManage = "webhooks.manage"
    /// Setting an org's retention periods (read with orgs.view); erasure and export of a
    /// person's data arrive with their feature.
    case complianceManage = "compliance.manage"
    /// Making read-only links to workflows and executions that open without a login.
    case shareLinks = "share.links"
}

extension Permission {
    /// Permissions over the installation as a whole rather than one org: only callers whose
    /// scope reaches the whole installation may use them, whatever their role in their own org.
    public var isInstallationWide: Bool {
        switch self {
        case .systemView, .systemBackup, .systemMaintain, .orgsCreate, .orgsDelete, .auditVerify, .plansManage, .vaultManage: true
        default: false
        }
    }
}

/// A named bundle of permissions.
public enum Role: String, CaseIterable, Hashable, Sendable, Codable {
    case admin, developer, `operator`, viewer, guest

    /// What each role may do. `admin` may do everything; the others are subsets.
    public var permissions: Set<Permission> {
        switch self {
        case .admin:
            return Set(Permission.allCases)
        case .developer:
            return [.orgsView, .usersView, .workflowsView, .workflowsCreate, .workflowsEdit, .workflowsDelete, .workflowsExecute,
                    .agentsView, .agentsCreate, .agentsDelete, .agentsPublish, .executionsView, .executionsCancel, .secretsRead, .secretsWrite, .costsView,
                    .schedulesManage, .webhooksManage, .workflowsMerge, .errorsView, .alertsView, .shareLinks]
        case .operator:
            return [.orgsView, .usersView, .workflowsView, .agentsView, .workflowsExecute, .executionsView, .executionsCancel, .approvalsDecide,
                    .changesApprove, .costsView,
                    .schedulesManage, .errorsView, .alertsView, .alertsManage, .shareLinks]
        case .viewer:
            return [.orgsView, .usersView, .workflowsView, .agentsView, .executionsView]
        case .guest:
            return []
        }
    }
}

extension Role {
    /// Whether a caller in `scope` may give someone this role: only if the caller already holds
    /// every permission the role grants (no one grants more than they have).
    public func canBeGranted(by scope: Scope) -> Bool {
        MemberRole.builtIn(self).canBeGranted(by: scope)
    }
}
