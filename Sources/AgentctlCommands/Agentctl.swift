import ArgumentParser
import Core

/// agentctl's root command: run by the `agentctl` executable, and by agentd when it is
/// started under the name agentctl (the packaged link).
public struct Agentctl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "agentctl",
        abstract: "Drive agentd: over its Unix socket by default, or over HTTP with --url.",
        discussion: """
            Exit status: 0 on success, 1 when agentd answered with a problem (its title, code and
            detail are printed), 2 when agentd could not be reached or answered unexpectedly.
            """,
        version: AgentdVersion.current,
        subcommands: [Status.self, Login.self, Logout.self, WhoAmI.self, Sessions.self, Passwd.self, Orgs.self, Users.self, Roles.self, Teams.self,
                      Keys.self, MFA.self, Secrets.self, VaultCommand.self, Audit.self, Apply.self, Validate.self, Agents.self, Workflows.self, Promote.self, Envs.self, Run.self, Executions.self, Errors.self, Alerts.self, Archive.self, GDPR.self, SSO.self, Top.self,
                      Schedules.self, Webhooks.self, Approvals.self, Changes.self, Models.self, Budgets.self, Costs.self, Activity.self, Search.self, Searches.self, Favorites.self, Recent.self, Comments.self, Share.self, Backup.self, RestoreCommand.self]
    )

    public init() {}
}
