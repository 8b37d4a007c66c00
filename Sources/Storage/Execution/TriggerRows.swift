import Core
import GRDB

/// What schedules and webhooks share: each is a named row of its org (`table`) that starts a
/// workflow, for the org or for one of its teams.
enum TriggerRows {
    /// The workflow and team a new trigger names, checked in the caller's transaction: the team
    /// is the caller's, a team's workflow is started for that team (its executions stay the
    /// team's), the org has room for one more, and the name is free.
    static func owner(table: String, type: ResourceType, name: String, workflow reference: String, environment: DeployEnvironment,
                      team teamReference: String?, maximum: Int, _ scope: Scope, _ db: Database) throws -> (workflow: RunTarget, team: Team?) {
        let org = scope.orgID
        try Environments.requireExists(environment, org: org, db)
        let workflow = try RunTarget.find(reference, deployedIn: environment, scope, db)
        let team = try teamReference.map { try TeamStore.resolve($0, scope, db) }
        if let team, team.orgID != org { throw StorageError.notFound(.team, id: teamReference ?? "") }
        if let owner = workflow.teamID, team?.id != owner {
            throw ValidationError(field: "team", "workflow \(workflow.name) belongs to a team: create the \(type.rawValue) for that team (--team)")
        }
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE org_id = ?", arguments: [org.rawValue]) ?? 0
        guard count < maximum else {
            throw ValidationError(field: "name", "the org has \(count) \(type.rawValue)s, the most it may have; delete some first")
        }
        guard try Int.fetchOne(db, sql: "SELECT 1 FROM \(table) WHERE org_id = ? AND name = ?", arguments: [org.rawValue, name]) == nil else {
            throw StorageError.alreadyExists(type, field: "name", value: name)
        }
        return (workflow, team)
    }

    /// A page of the triggers of `table` the scope sees (its org's, its teams'), by ID.
    static func page<Record>(_ table: String, _ page: PageRequest, _ scope: Scope, _ db: Database, cursor: (Record) -> String,
                             record: (String) throws -> Record) throws -> Page<Record> {
        var query = KeysetQuery("SELECT id FROM \(table)", key: .text("id"))
        query.filter(" AND org_id = ?", [scope.orgID.rawValue])
        let visibility = TeamVisibility(scope)
        query.filter(visibility.clause("team_id"), visibility.arguments)
        return try query.page(page, db, cursor: cursor) { try record($0["id"]) }
    }

    /// The ID of the row `reference` names: an ID as given (`parsed`), or a name in the scope's
    /// org. Whether the scope may see it is the caller's check, on the record it reads.
    static func id(_ reference: String, parsed: String?, table: String, _ scope: Scope, _ db: Database) throws -> String? {
        if let parsed { return parsed }
        return try String.fetchOne(db, sql: "SELECT id FROM \(table) WHERE org_id = ? AND name = ?", arguments: [scope.orgID.rawValue, reference])
    }
}

extension ExecutionStore {
    /// Starts a trigger's execution in a savepoint of the caller's transaction, acting for the
    /// trigger's team (or its org) with no more than running needs (`actor`: `schedule:sch_…`,
    /// `webhook:wh_…`). A start that fails (the workflow is no longer deployed, the input does not
    /// fit its schema or is too large, a quota or budget) rolls back the savepoint only and is
    /// returned as why, for the trigger's own record.
    func startForTrigger(workflow: WorkflowID, environment: DeployEnvironment, input: JSONValue, trigger: String, actor: String,
                         org: OrgID, team: TeamID?, now: Instant, _ db: Database) throws -> Result<(ExecutionRecord, ExecutionEffects), TriggerStartFailure> {
        let scope = Scope(orgID: org, reach: .org, roles: [.operator], teams: team.map { [$0] } ?? [])
        let context = ChangeContext(scope: scope, actor: actor, requestID: nil, now: now)
        let request = NewExecution(workflow: workflow.rawValue, environment: environment, input: input, trigger: trigger)
        let inputText = input.canonicalText
        var started: (ExecutionRecord, ExecutionEffects)?
        do {
            guard inputText.utf8.count <= Self.maximumInputBytes else {
                throw ValidationError(field: "input", "is \(inputText.utf8.count) bytes of JSON; at most \(Self.maximumInputBytes)")
            }
            try db.inSavepoint {
                started = try insert(request, inputText: inputText, context: context, db)
                return .commit
            }
        } catch let error as ValidationError {
            return .failure(TriggerStartFailure(reason: "the input is invalid: "
                                                    + error.violations.map { "\($0.field): \($0.message)" }.joined(separator: "; ")))
        } catch let error as ExecutionError {
            return .failure(TriggerStartFailure(reason: "\(error)"))
        } catch let error as StorageError {
            return .failure(TriggerStartFailure(reason: "\(error)"))
        }
        guard let started else { return .failure(TriggerStartFailure(reason: "it could not start")) }
        return .success(started)
    }
}

/// Why a trigger's execution did not start.
struct TriggerStartFailure: Error {
    let reason: String
}
