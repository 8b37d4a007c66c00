import Core
import Hummingbird

/// The web console (docs/console.md): pages under `/ui/`, rendered by agentd from the same
/// services as the API, behind the same permission check (each route's `Access`, enforced by
/// the router before its handler runs). A refused or failed page is an HTML page, not
/// problem+json (`ConsoleErrorPage`); a page that needs a login sends the browser to it.
///
/// Forms post back here with the session's CSRF token in a `csrf_token` field, which
/// `IdentityMiddleware` checks like the API's `X-CSRF-Token` header.
public enum ConsoleRoutes: RouteFile {
    public typealias Services = ConsoleServices

    static func page(_ id: String, _ summary: String) -> Operation {
        Operation(id: id, summary: summary, tag: "console", success: (200, nil, "text/html"))
    }

    static func form(_ id: String, _ summary: String) -> Operation {
        Operation(id: id, summary: summary, tag: "console", success: (303, nil, "text/html"))
    }

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/", needs: .public, form("consoleRoot", "To the console."), handler: { _, _, _ in HTMLResponse.redirect("/ui/dashboard") }),
            RouteSpec(.get, "/ui", needs: .public, form("consoleHome", "To the dashboard."), handler: { _, _, _ in HTMLResponse.redirect("/ui/dashboard") }),
            RouteSpec(.get, "/ui/assets/{asset}", needs: .public, page("consoleAsset", "The console's stylesheet and script."), handler: ConsoleLoginPages.asset),
            RouteSpec(.get, "/ui/login", needs: .public, page("consoleLoginPage", "The sign-in page."), handler: ConsoleLoginPages.show),
            RouteSpec(.post, "/ui/login", needs: .public, form("consoleLogin", "Sign in with a password."), handler: ConsoleLoginPages.login),
            RouteSpec(.post, "/ui/logout", needs: .authenticated, form("consoleLogout", "Sign out."), handler: ConsoleLoginPages.logout),
            RouteSpec(.get, "/ui/dashboard", needs: .permission(.executionsView), page("consoleDashboard", "The dashboard."),
                      handler: ConsoleDashboardPage.show),
            RouteSpec(.get, "/ui/dashboard/events", needs: .permission(.executionsView),
                      page("consoleDashboardEvents", "The dashboard's live part, as server-sent events."), handler: ConsoleDashboardPage.events),
            RouteSpec(.get, "/ui/workflows", needs: .permission(.workflowsView), page("consoleWorkflows", "Workflows."),
                      handler: ConsoleWorkflowPages.list),
            RouteSpec(.get, "/ui/workflows/{workflow}", needs: .permission(.workflowsView), page("consoleWorkflow", "A workflow."),
                      handler: ConsoleWorkflowPages.show),
            RouteSpec(.get, "/ui/workflows/{workflow}/diff", needs: .permission(.workflowsView), page("consoleDiff", "Two versions side by side."),
                      handler: ConsoleWorkflowPages.diff),
            RouteSpec(.post, "/ui/workflows/{workflow}/run", needs: .permission(.workflowsExecute), form("consoleRun", "Run a workflow."),
                      handler: ConsoleWorkflowPages.run),
            RouteSpec(.get, "/ui/editor", needs: .permission(.workflowsCreate), page("consoleEditorNew", "The editor, for a new workflow."),
                      handler: ConsoleEditorPages.blank),
            RouteSpec(.get, "/ui/editor/{workflow}", needs: .permission(.workflowsCreate), page("consoleEditor", "The editor, on a workflow."),
                      handler: ConsoleEditorPages.edit),
            RouteSpec(.post, "/ui/editor/check", needs: .permission(.workflowsView),
                      Operation(id: "consoleCheck", summary: "Check a definitions file as the editor types.", tag: "console",
                                success: (200, nil, "application/json")),
                      handler: ConsoleEditorPages.check),
            RouteSpec(.post, "/ui/editor/apply", needs: .authenticated, form("consoleApply", "Apply the editor's text."),
                      handler: ConsoleEditorPages.apply),
            RouteSpec(.get, "/ui/executions", needs: .permission(.executionsView), page("consoleExecutions", "Executions."),
                      handler: ConsoleExecutionPages.list),
            RouteSpec(.get, "/ui/executions/{execution}", needs: .permission(.executionsView), page("consoleExecution", "An execution."),
                      handler: ConsoleExecutionPages.show),
            RouteSpec(.get, "/ui/executions/{execution}/live", needs: .permission(.executionsView),
                      page("consoleExecutionLive", "An execution's live part."), handler: ConsoleExecutionPages.live),
            RouteSpec(.post, "/ui/executions/{execution}/cancel", needs: .permission(.executionsCancel), form("consoleCancel", "Cancel an execution."),
                      handler: ConsoleExecutionPages.cancel),
            RouteSpec(.get, "/ui/costs", needs: .permission(.costsView), page("consoleCosts", "Costs, forecast, advice and budgets."),
                      handler: ConsoleCostPages.show),
            RouteSpec(.post, "/ui/costs/budget", needs: .permission(.budgetsManage), form("consoleSetBudget", "Set a budget."),
                      handler: ConsoleCostPages.setBudget),
            RouteSpec(.get, "/ui/approvals", needs: .permission(.executionsView), page("consoleApprovals", "The approvals inbox."),
                      handler: ConsoleApprovalPages.show),
            RouteSpec(.post, "/ui/approvals/{approval}", needs: .permission(.approvalsDecide), form("consoleDecide", "Approve or reject."),
                      handler: ConsoleApprovalPages.decide),
            RouteSpec(.get, "/ui/alerts", needs: .permission(.alertsView), page("consoleAlerts", "Alerts and errors."),
                      handler: ConsoleAlertPages.show),
            RouteSpec(.get, "/ui/settings", needs: .authenticated, form("consoleSettings", "The first settings page you may open."),
                      handler: ConsoleSettingsPages.home),
            RouteSpec(.get, "/ui/settings/users", needs: .permission(.usersView), page("consoleUsers", "People and teams."),
                      handler: ConsoleSettingsPages.users),
            RouteSpec(.post, "/ui/settings/users", needs: .permission(.usersManage), page("consoleAddUser", "Add a person."),
                      handler: ConsoleSettingsPages.addUser),
            RouteSpec(.post, "/ui/settings/teams", needs: .permission(.teamsManage), page("consoleAddTeam", "Add a team."),
                      handler: ConsoleSettingsPages.addTeam),
            RouteSpec(.get, "/ui/settings/keys", needs: .permission(.apiKeysManage), page("consoleKeys", "API keys."),
                      handler: ConsoleSettingsPages.keys),
            RouteSpec(.post, "/ui/settings/keys", needs: .permission(.apiKeysManage), page("consoleCreateKey", "Create an API key (shown once)."),
                      handler: ConsoleSettingsPages.createKey),
            RouteSpec(.post, "/ui/settings/keys/{key}/revoke", needs: .permission(.apiKeysManage), form("consoleRevokeKey", "Revoke an API key."),
                      handler: ConsoleSettingsPages.revokeKey),
            RouteSpec(.get, "/ui/settings/secrets", needs: .permission(.secretsRead), page("consoleSecrets", "Secrets' names and versions."),
                      handler: ConsoleSettingsPages.secrets),
            RouteSpec(.post, "/ui/settings/secrets", needs: .permission(.secretsWrite), page("consoleSetSecret", "Set a secret's value."),
                      handler: ConsoleSettingsPages.setSecret),
            RouteSpec(.get, "/ui/settings/models", needs: .permission(.workflowsView), page("consoleModels", "Models."),
                      handler: ConsoleSettingsPages.models),
            RouteSpec(.post, "/ui/settings/models/{model}/test", needs: .permission(.settingsManage), page("consoleTestModel", "Test a model."),
                      handler: ConsoleSettingsPages.testModel),
            RouteSpec(.get, "/ui/settings/audit", needs: .permission(.auditView), page("consoleAudit", "The audit log."),
                      handler: ConsoleSettingsPages.audit),
            RouteSpec(.post, "/ui/settings/audit/verify", needs: .permission(.auditVerify), page("consoleVerifyAudit", "Verify the audit chain."),
                      handler: ConsoleSettingsPages.verifyAudit),
            RouteSpec(.post, "/ui/executions/{execution}/retry", needs: .permission(.workflowsExecute), form("consoleRetry", "Retry an execution."),
                      handler: ConsoleExecutionPages.retry),
            RouteSpec(.get, "/ui/search", needs: .authenticated, page("consoleSearch", "Search, saved searches, favourites and recent items."),
                      handler: ConsoleSearchPages.show),
            RouteSpec(.post, "/ui/search/save", needs: .authenticated, form("consoleSaveSearch", "Save a search."),
                      handler: ConsoleSearchPages.save),
            RouteSpec(.post, "/ui/favorites", needs: .authenticated, form("consoleFavorite", "Add or remove a favourite."),
                      handler: ConsoleSearchPages.favorite),
        ]
    }

    /// True for a path the console answers (and whose errors are pages).
    static func owns(_ path: String) -> Bool { path == "/" || path == "/ui" || path.hasPrefix("/ui/") }
}
