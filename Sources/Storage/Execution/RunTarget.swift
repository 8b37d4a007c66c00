import Core
import GRDB

/// What starting an execution needs to know about its workflow: identity, owner and the
/// version deployed in one environment. One indexed read, where the whole `WorkflowRecord`
/// (team name, tags, every deployment) took three on every start.
struct RunTarget {
    let id: WorkflowID
    let orgID: OrgID
    let teamID: TeamID?
    let name: String
    /// The version deployed in the environment asked for; nil when none is.
    let deployedVersion: Int?

    /// The workflow `reference` (an id or a name in the scope's org) as the scope sees it, or
    /// `notFound` (also for one the scope may not see).
    static func find(_ reference: String, deployedIn environment: DeployEnvironment, _ scope: Scope, _ db: Database) throws -> RunTarget {
        let cursor: RowCursor
        if let id = WorkflowID(reference) {
            cursor = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT w.id, w.org_id, w.team_id, w.name, d.version FROM workflow w
                LEFT JOIN workflow_deployment d ON d.workflow_id = w.id AND d.environment = ? WHERE w.id = ?
                """), arguments: [environment.rawValue, id.rawValue])
        } else {
            cursor = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT w.id, w.org_id, w.team_id, w.name, d.version FROM workflow w
                LEFT JOIN workflow_deployment d ON d.workflow_id = w.id AND d.environment = ? WHERE w.org_id = ? AND w.name = ?
                """), arguments: [environment.rawValue, scope.orgID.rawValue, reference])
        }
        let target = try cursor.map { row -> RunTarget? in
            guard let id = WorkflowID(row[0] as String), let org = OrgID(row[1] as String) else { return nil }
            return RunTarget(id: id, orgID: org, teamID: (row[2] as String?).flatMap(TeamID.init), name: row[3], deployedVersion: row[4])
        }.next() ?? nil
        guard let target, scope.canSee(org: target.orgID, team: target.teamID) else {
            throw StorageError.notFound(.workflow, id: reference)
        }
        return target
    }
}
