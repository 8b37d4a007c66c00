import Core
import Foundation
import GRDB

extension DefinitionStore {
    public func listWorkflows(in scope: Scope, filter: DefinitionFilter, page: PageRequest) async throws -> Page<WorkflowRecord> {
        try await database.read { db in
            try DefinitionRows.listing(.workflow, filter, scope, db)
                .page(page, db, cursor: \.id.rawValue) { try DefinitionRows.workflow(from: $0, db) }
        }
    }

    /// A workflow and its newest version.
    public func workflow(_ reference: String, in scope: Scope) async throws -> (WorkflowRecord, WorkflowVersionRecord) {
        try await database.read { db in
            let record = try DefinitionRows.workflow(from: try DefinitionRows.workflowRow(reference, scope, db), db)
            return (record, try Self.workflowVersion(record, record.latestVersion, db))
        }
    }

    public func workflowVersions(_ reference: String, in scope: Scope, page: PageRequest) async throws -> Page<WorkflowVersionRecord> {
        try await database.read { db in
            let record = try DefinitionRows.workflow(from: try DefinitionRows.workflowRow(reference, scope, db), db)
            return try DefinitionRows.versions(.workflow, of: record.id.rawValue)
                .page(page, db, cursor: { String($0.version) }, DefinitionRows.workflowVersion(from:))
        }
    }

    /// A version by number, or the one deployed in `environment` when `version` is nil.
    public func workflowVersion(_ reference: String, version: Int?, environment: DeployEnvironment? = nil,
                                in scope: Scope) async throws -> (WorkflowRecord, WorkflowVersionRecord) {
        try await database.read { db in
            let record = try DefinitionRows.workflow(from: try DefinitionRows.workflowRow(reference, scope, db), db)
            if let version { return (record, try Self.workflowVersion(record, version, db)) }
            if let environment {
                guard let deployed = record.deployments[environment] else {
                    throw StorageError.notFound(.workflowVersion, id: "\(record.name) deployed in \(environment.rawValue)")
                }
                return (record, try Self.workflowVersion(record, deployed.version, db))
            }
            return (record, try Self.workflowVersion(record, record.latestVersion, db))
        }
    }

    /// A new version equal to `version` (its definition and its agent pins), deployed to
    /// `deployTo`; unchanged when the newest version already equals it.
    public func rollbackWorkflow(_ reference: String, to version: Int, deployTo: DeployEnvironment?,
                                 context: ChangeContext) async throws -> ApplyOutcome {
        let audit = self.audit, environments = database.environments
        return try await database.writer.submit { db in
            let record = try DefinitionRows.workflow(from: try DefinitionRows.workflowRow(reference, context.scope, db), db)
            try ChangeActs.refuseUngatedProd(deployTo, org: record.orgID, what: record.name, cache: environments, db)
            let old = try Self.workflowVersion(record, version, db)
            let latest = try Self.workflowVersion(record, record.latestVersion, db)
            guard old.contentHash != latest.contentHash else {
                return ApplyOutcome(type: "workflow", name: record.name, id: record.id.rawValue, version: record.latestVersion,
                                    changed: false, created: false, deployedTo: nil)
            }
            // The old pins must still be usable by the caller: an agent version withdrawn from
            // publication since is not brought back by a rollback.
            for (node, pin) in old.pins.sorted(by: { $0.key < $1.key }) {
                guard let usable = try DefinitionRows.usableAgentVersion(AgentReference(name: pin.agent, version: pin.version), context.scope, db),
                      usable.0.agentID == pin.agentID else {
                    throw StorageError.notFound(.agentVersion, id: "\(pin.agent)@\(pin.version) (run by node \(node) in version \(version))")
                }
            }
            let next = try WorkflowBranches.nextVersion(of: record.id.rawValue, db)
            let pinsText = String(decoding: try JSONEncoder.sorted.encode(old.pins), as: UTF8.self)
            try DefinitionWrites.workflowVersion(old.definition, id: record.id.rawValue, team: try DefinitionRows.team(old.definition.team, context.scope, db), version: next,
                                                 documentText: old.definition.json.canonicalText, pins: old.pins, pinsText: pinsText, hash: old.contentHash,
                                                 message: "rollback to version \(version)", parent: record.latestVersion, context: context, db)
            try audit.append(DefinitionRows.event(.workflowVersionCreated, type: .workflow, id: record.id.rawValue, org: record.orgID, context,
                                                  ["name": record.name, "version": "\(next)", "rollback_to": "\(version)"]), in: db)
            if let deployTo {
                try DefinitionWrites.deploy(workflow: record.id.rawValue, version: next, to: deployTo, context: context, db)
                try audit.append(DefinitionRows.event(.workflowDeployed, type: .workflow, id: record.id.rawValue, org: record.orgID, context,
                                                      ["name": record.name, "version": "\(next)", "environment": deployTo.rawValue]), in: db)
            }
            return ApplyOutcome(type: "workflow", name: record.name, id: record.id.rawValue, version: next, changed: true, created: false,
                                deployedTo: deployTo)
        }
    }

    /// What a deploy did: deployed, or (prod behind approval) opened a change request.
    public enum DeployOutcome: Sendable {
        case deployed(WorkflowRecord)
        case requested(ChangeRecord)
    }

    /// Points `environment` at `version` (the newest when nil); where the org holds deploying
    /// to prod for approval, opens a change request instead.
    public func deployWorkflow(_ reference: String, version: Int?, to environment: DeployEnvironment,
                               context: ChangeContext) async throws -> DeployOutcome {
        let audit = self.audit, environments = database.environments
        return try await database.writer.submit { db in
            let record = try DefinitionRows.workflow(from: try DefinitionRows.workflowRow(reference, context.scope, db), db)
            let number = version ?? record.latestVersion
            _ = try Self.workflowVersion(record, number, db)
            let previous = record.deployments[environment]?.version
            try Environments.requireExists(environment, org: record.orgID, db)
            // Prod runs that version already: nothing to approve.
            if previous != number, try Environments.isProtected(environment, org: record.orgID, cache: environments, db),
               let policy = try ChangeStore.gate(.deployProd, org: record.orgID, db) {
                return .requested(try ChangeStore.open(.deployProd, policy: policy, org: record.orgID, team: record.teamID,
                                                       target: (record.id.rawValue, record.name),
                                                       summary: "deploy \(record.name) version \(number) to \(environment.rawValue)",
                                                       payload: ["workflow_id": .string(record.id.rawValue), "version": .integer(number), "via": "deploy",
                                                                 "environment": .string(environment.rawValue)],
                                                       diff: [environment.rawValue: ["before": previous.map(JSONValue.integer) ?? .null, "after": .integer(number)]],
                                                       context: context, audit: audit, db))
            }
            try DefinitionWrites.deploy(workflow: record.id.rawValue, version: number, to: environment, context: context, db)
            try audit.append(DefinitionRows.event(.workflowDeployed, type: .workflow, id: record.id.rawValue, org: record.orgID, context,
                                                  ["name": record.name, "version": "\(number)", "environment": environment.rawValue,
                                                   "previous": previous.map(String.init) ?? "none"]), in: db)
            return .deployed(try DefinitionRows.workflow(from: try DefinitionRows.workflowRow(record.id.rawValue, context.scope, db), db))
        }
    }

    public func deleteWorkflow(_ reference: String, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let record = try DefinitionRows.workflow(from: try DefinitionRows.workflowRow(reference, context.scope, db), db)
            let unfinished = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM execution WHERE workflow_id = ? AND status IN ('queued', 'running', 'waiting')
                """, arguments: [record.id.rawValue]) ?? 0
            if unfinished > 0 {
                throw StorageError.protected(.workflow, id: record.id.rawValue,
                                             reason: "workflow \(record.name) has \(unfinished) unfinished execution(s); cancel them or let them end first")
            }
            try DefinitionRows.deleteHead(.workflow, id: record.id.rawValue, name: record.name, org: record.orgID, versions: record.latestVersion,
                                          context, audit: audit, db)
        }
    }

    static func workflowVersion(_ record: WorkflowRecord, _ version: Int, _ db: Database) throws -> WorkflowVersionRecord {
        try DefinitionRows.workflowVersion(from: try DefinitionRows.versionRow(.workflow, id: record.id.rawValue, name: record.name, version, db))
    }
}
