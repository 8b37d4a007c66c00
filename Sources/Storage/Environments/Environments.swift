import Core
import GRDB

/// Environment rules inside other units: existence, settings, protection, use.
public enum Environments {
    /// The org's environment named `name`, or nil (a built-in one always exists).
    static func find(_ name: DeployEnvironment, org: OrgID, _ db: Database) throws -> EnvironmentRecord? {
        if let row = try Row.fetchOne(db, sql: "SELECT * FROM environment WHERE org_id = ? AND name = ?", arguments: [org.rawValue, name.rawValue]) {
            return try record(from: row)
        }
        return name.isBuiltIn ? EnvironmentRecord(orgID: org, name: name, description: "", settings: EnvironmentSettings(), updatedAt: nil, updatedBy: nil) : nil
    }

    /// The org's environment named `name`; an unknown one is "not found" with what to do.
    static func require(_ name: String, org: OrgID, _ db: Database) throws -> EnvironmentRecord {
        guard let environment = DeployEnvironment(rawValue: name), let record = try find(environment, org: org, db) else {
            throw StorageError.notFound(.environment, id: "\(name) (this org has: \(try all(org: org, db).map(\.name.rawValue).joined(separator: ", ")); "
                                        + "add one with `agentctl envs create`)")
        }
        return record
    }

    /// Refuses `environment` where the org has no such environment (a deploy, a secret, a
    /// schedule or webhook that would name one).
    public static func requireExists(_ environment: DeployEnvironment, org: OrgID, _ db: Database) throws {
        guard !environment.isBuiltIn else { return }
        _ = try require(environment.rawValue, org: org, db)
    }

    /// Built-in ones first (in promotion order), then the org's own by name.
    static func all(org: OrgID, _ db: Database) throws -> [EnvironmentRecord] {
        var byName: [DeployEnvironment: EnvironmentRecord] = [:]
        for environment in DeployEnvironment.builtIn {
            byName[environment] = EnvironmentRecord(orgID: org, name: environment, description: "", settings: EnvironmentSettings(), updatedAt: nil, updatedBy: nil)
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM environment WHERE org_id = ?", arguments: [org.rawValue]) {
            let record = try record(from: row)
            byName[record.name] = record
        }
        return byName.values.sorted { $0.name < $1.name }
    }

    /// The settings that apply in `environment` of `org` (empty for an unconfigured one).
    static func settings(org: OrgID, environment: DeployEnvironment, cache: EnvironmentCache?, _ db: Database) throws -> EnvironmentSettings {
        if let known = cache?.known(org: org, environment: environment) { return known }
        let generation = cache?.generation ?? 0
        let text = try String.fetchOne(db.cachedStatement(sql: "SELECT settings FROM environment WHERE org_id = ? AND name = ?"),
                                       arguments: [org.rawValue, environment.rawValue])
        let settings = try text.map { try EnvironmentSettings.parse(try JSONParser.parse($0)) } ?? EnvironmentSettings()
        cache?.remember(settings, org: org, environment: environment, generation: generation)
        return settings
    }

    /// Whether deploys and secret writes in `environment` are held like prod's.
    static func isProtected(_ environment: DeployEnvironment, org: OrgID, cache: EnvironmentCache?, _ db: Database) throws -> Bool {
        try environment == .prod || settings(org: org, environment: environment, cache: cache, db).protected
    }

    static func use(of environment: DeployEnvironment, org: OrgID, _ db: Database) throws -> EnvironmentUse {
        let arguments: StatementArguments = [org.rawValue, environment.rawValue]
        var use = EnvironmentUse()
        use.deployments = try Int.fetchOne(db, sql: """
            SELECT count(*) FROM workflow_deployment d JOIN workflow w ON w.id = d.workflow_id WHERE w.org_id = ? AND d.environment = ?
            """, arguments: arguments) ?? 0
        use.secrets = try Int.fetchOne(db, sql: "SELECT count(*) FROM secret WHERE org_id = ? AND environment = ?", arguments: arguments) ?? 0
        use.schedules = try Int.fetchOne(db, sql: "SELECT count(*) FROM schedule WHERE org_id = ? AND environment = ?", arguments: arguments) ?? 0
        use.webhooks = try Int.fetchOne(db, sql: "SELECT count(*) FROM webhook WHERE org_id = ? AND environment = ?", arguments: arguments) ?? 0
        use.unfinishedExecutions = try Int.fetchOne(db, sql: """
            SELECT count(*) FROM execution WHERE org_id = ? AND environment = ? AND status IN ('queued', 'running', 'waiting')
            """, arguments: arguments) ?? 0
        return use
    }

    static func record(from row: Row) throws -> EnvironmentRecord {
        let name: String = row["name"], settings: String = row["settings"], updated: Int64 = row["updated_at"]
        guard let environment = DeployEnvironment(rawValue: name), let org = OrgID(row["org_id"] as String) else {
            throw StorageError.notFound(.environment, id: name)
        }
        return EnvironmentRecord(orgID: org, name: environment, description: row["description"],
                                 settings: try EnvironmentSettings.parse(try JSONParser.parse(settings)),
                                 updatedAt: Instant(millisecondsSinceEpoch: updated), updatedBy: row["updated_by"])
    }
}
