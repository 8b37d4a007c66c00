import Core
import Foundation
import GRDB

/// Agents and workflows: immutable versions, deployments per environment, and the apply that
/// stores a definitions file all at once or not at all.
public struct DefinitionStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    /// The org's environments (where versions are deployed) and their settings.
    public var environments: EnvironmentStore { EnvironmentStore(database: database, audit: audit) }

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    /// One document of a file, with where it came from (for issue paths).
    public struct Input: Sendable {
        public let document: DefinitionDocument
        /// Prefix for issue paths, e.g. `documents[1].` in a file of several; empty for one.
        public let pathPrefix: String

        public init(document: DefinitionDocument, pathPrefix: String = "") {
            self.document = document
            self.pathPrefix = pathPrefix
        }
    }

    /// Stores every document as a new version where it differs from the newest, agents before
    /// workflows (so a workflow may use an agent from the same file). Changed workflows are
    /// deployed to `deployTo`; with `deployUnchanged`, unchanged ones too (a promotion). All or
    /// nothing: any issue and nothing is written.
    /// With `branch`, workflows get versions on that branch (forked from main's head the first
    /// time) and nothing is deployed; agents are versioned as usual.
    public func apply(_ inputs: [Input], message: String?, deployTo: DeployEnvironment?, deployUnchanged: Bool = false,
                      branch: String? = nil, context: ChangeContext) async throws -> [ApplyOutcome] {
        if let branch {
            if let problem = WorkflowBranches.nameProblem(branch) { throw ValidationError(field: "branch", problem) }
            if deployTo != nil { throw ValidationError(field: "deploy", "a branch is never deployed: apply with deploy none, and merge it into main") }
        }
        let audit = self.audit
        return try await database.writer.submit { db in
            var plan = ApplyPlan(scope: context.scope, message: message, deployTo: deployTo, deployUnchanged: deployUnchanged,
                                 context: context, audit: audit)
            plan.branch = branch
            return try plan.run(inputs, db)
        }
    }

    /// What `apply` would do, without writing: every issue, or the versions it would make.
    public func validate(_ inputs: [Input], in scope: Scope) async throws -> [ApplyOutcome] {
        try await database.read { db in
            var plan = ApplyPlan(scope: scope, message: nil, deployTo: nil, deployUnchanged: false, context: nil, audit: nil)
            return try plan.run(inputs, db)
        }
    }
}

/// One apply (or dry run) inside one transaction.
struct ApplyPlan {
    let scope: Scope
    let message: String?
    let deployTo: DeployEnvironment?
    let deployUnchanged: Bool
    /// nil for a dry run: nothing is written.
    let context: ChangeContext?
    let audit: AuditLog?
    /// Workflows' new versions go on this branch (nil: main).
    var branch: String?
    /// A merge's second parent: the branch head it merged (main only).
    var mergedFrom: Int?

    /// Agents of this file by name: the version they will have, their kind and config.
    private var fileAgents: [String: (pin: AgentPin, config: JSONValue)] = [:]

    init(scope: Scope, message: String?, deployTo: DeployEnvironment?, deployUnchanged: Bool, context: ChangeContext?, audit: AuditLog?) {
        self.scope = scope
        self.message = message
        self.deployTo = deployTo
        self.deployUnchanged = deployUnchanged
        self.context = context
        self.audit = audit
    }

    mutating func run(_ inputs: [DefinitionStore.Input], _ db: Database) throws -> [ApplyOutcome] {
        if context != nil {
            try ChangeActs.refuseUngatedProd(deployTo, org: scope.orgID, what: inputs.map(\.document.name).joined(separator: ", "), cache: nil, db)
        }
        var names = Set<String>()
        var issues: [DefinitionIssue] = []
        for input in inputs where !names.insert("\(input.document.typeName) \(input.document.name)").inserted {
            issues.append(DefinitionIssue(input.pathPrefix + input.document.typeName, "\(input.document.name) appears twice in this file"))
        }
        if !issues.isEmpty { throw DefinitionError(issues) }
        var outcomes: [ApplyOutcome] = []
        for input in inputs {
            if case .agent(let agent) = input.document { outcomes.append(try applyAgent(agent, db)) }
        }
        var missing: [String] = []
        var missingOnly = true
        for input in inputs {
            guard case .workflow(let workflow) = input.document else { continue }
            do {
                outcomes.append(try applyWorkflow(workflow, prefix: input.pathPrefix, missing: &missing, db))
            } catch let error as DefinitionError {
                issues += error.issues
                if error.issues.contains(where: { !$0.message.hasPrefix(Self.unknownAgent) }) { missingOnly = false }
            }
        }
        // Agents that do not exist (or that the caller may not see) alone: 404, as for any
        // other reference to something not visible. Mixed with other problems: all listed.
        if !missing.isEmpty, missingOnly { throw StorageError.notFound(.agent, id: missing.joined(separator: ", ")) }
        if !issues.isEmpty { throw DefinitionError(issues) }
        return outcomes
    }

    static let unknownAgent = "no agent"

    /// Refuses moving a definition to another owner (team or the whole org) unless
    /// `TeamOwnership` allows it: only org admins and installation administrators may.
    private func checkOwnerChange(_ type: ResourceType, _ name: String, from old: TeamID?, to new: TeamID?) throws {
        if TeamOwnership.mayMove(caller: scope, from: old, to: new) { return }
        throw StorageError.protected(type, id: name, reason: "moving \(type.rawValue) \(name) to another team (or to the whole org) takes an org admin; "
                                     + "keep its `team:` as it is")
    }

    // MARK: - Agents

    private mutating func applyAgent(_ agent: AgentDefinition, _ db: Database) throws -> ApplyOutcome {
        let team = try DefinitionRows.team(agent.team, scope, db)
        let document = agent.json
        let documentText = document.canonicalText
        let hash = ContentHash.of(text: documentText)
        let existing = try Row.fetchOne(db, sql: "SELECT id, team_id, latest_version FROM agent WHERE org_id = ? AND name = ?",
                                        arguments: [scope.orgID.rawValue, agent.name])
        if let existing {
            let owner = (existing["team_id"] as String?).flatMap(TeamID.init)
            guard scope.canSee(org: scope.orgID, team: owner) else {
                throw StorageError.alreadyExists(.agent, field: "name", value: agent.name)
            }
            try checkOwnerChange(.agent, agent.name, from: owner, to: team)
        }
        let id = (existing?["id"] as String?) ?? AgentID.generate(at: context?.now ?? Instant(millisecondsSinceEpoch: 0)).rawValue
        let latest: Int? = existing?["latest_version"]
        if let latest, let current = try String.fetchOne(db, sql: "SELECT content_hash FROM agent_version WHERE agent_id = ? AND version = ?",
                                                         arguments: [id, latest]), current == hash {
            fileAgents[agent.name] = (AgentPin(agentID: id, agent: agent.name, version: latest, kind: agent.kind), agent.config)
            return ApplyOutcome(type: "agent", name: agent.name, id: id, version: latest, changed: false, created: false, deployedTo: nil)
        }
        let version = (latest ?? 0) + 1
        if latest == nil { try QuotaStore.check(.agents, org: scope.orgID, db) }
        fileAgents[agent.name] = (AgentPin(agentID: id, agent: agent.name, version: version, kind: agent.kind), agent.config)
        if let context {
            try DefinitionWrites.agentVersion(agent, id: id, team: team, version: version, documentText: documentText, hash: hash,
                                              message: message, parent: latest, context: context, db)
            try audit?.append(DefinitionRows.event(.agentVersionCreated, type: .agent, id: id, org: scope.orgID, context,
                                                   ["name": agent.name, "version": "\(version)", "content_hash": hash]), in: db)
        }
        return ApplyOutcome(type: "agent", name: agent.name, id: id, version: version, changed: true, created: latest == nil, deployedTo: nil)
    }

    // MARK: - Workflows

    private func applyWorkflow(_ workflow: WorkflowDefinition, prefix: String, missing: inout [String], _ db: Database) throws -> ApplyOutcome {
        let team = try DefinitionRows.team(workflow.team, scope, db)
        var pins: [String: AgentPin] = [:]
        var kinds: [String: StepKind] = [:]
        var configs: [String: JSONValue] = [:]
        var issues: [DefinitionIssue] = []
        for node in workflow.nodes {
            if let kind = node.kind { kinds[node.id] = kind }
            guard let reference = node.agent else { continue }
            if let (pin, config) = try resolve(reference, db) {
                pins[node.id] = pin
                kinds[node.id] = pin.kind
                configs[node.id] = config
            } else {
                if !missing.contains(reference.description) { missing.append(reference.description) }
                issues.append(DefinitionIssue(prefix + "nodes.\(node.id).agent",
                                              "\(Self.unknownAgent) '\(reference)' exists that you can see (another team's agent must be published first)"))
            }
        }
        issues += WorkflowValidator.issues(workflow, kinds: kinds, configs: configs).map { DefinitionIssue(prefix + $0.path, $0.message) }
        if !issues.isEmpty { throw DefinitionError(issues) }

        let document = workflow.json
        let documentText = document.canonicalText
        let pinsText = String(decoding: try JSONEncoder.sorted.encode(pins), as: UTF8.self)
        // The canonical text of {"definition": …, "pins": …}, built without re-encoding the document.
        let hash = ContentHash.of(text: "{\"definition\":\(documentText),\"pins\":\(try DefinitionRows.document(pinsText).canonicalText)}")
        let existing = try Row.fetchOne(db, sql: "SELECT id, team_id, latest_version FROM workflow WHERE org_id = ? AND name = ?",
                                        arguments: [scope.orgID.rawValue, workflow.name])
        if let existing {
            let owner = (existing["team_id"] as String?).flatMap(TeamID.init)
            guard scope.canSee(org: scope.orgID, team: owner) else {
                throw StorageError.alreadyExists(.workflow, field: "name", value: workflow.name)
            }
            try checkOwnerChange(.workflow, workflow.name, from: owner, to: team)
        }
        let id = (existing?["id"] as String?) ?? WorkflowID.generate(at: context?.now ?? Instant(millisecondsSinceEpoch: 0)).rawValue
        if let branch {
            guard existing != nil else {
                throw DefinitionError([DefinitionIssue(prefix + "workflow", "\(workflow.name) does not exist on main yet: apply it without a branch first")])
            }
            return try applyOnBranch(workflow, branch, id: id, team: team, documentText: documentText, pins: pins, pinsText: pinsText, hash: hash, db)
        }
        let latest: Int? = existing?["latest_version"]
        if let refusal = DefinitionAuthority.applyWorkflowRefusal(caller: scope, name: workflow.name, exists: existing != nil,
                                                                  deployTo: deployTo) {
            throw refusal.storageError
        }
        if let latest, let current = try String.fetchOne(db, sql: "SELECT content_hash FROM workflow_version WHERE workflow_id = ? AND version = ?",
                                                         arguments: [id, latest]), current == hash {
            var deployed: DeployEnvironment?
            if deployUnchanged, let deployTo, let context,
               try Int.fetchOne(db, sql: "SELECT version FROM workflow_deployment WHERE workflow_id = ? AND environment = ?",
                                arguments: [id, deployTo.rawValue]) != latest {
                try DefinitionWrites.deploy(workflow: id, version: latest, to: deployTo, context: context, db)
                try audit?.append(DefinitionRows.event(.workflowDeployed, type: .workflow, id: id, org: scope.orgID, context,
                                                       ["name": workflow.name, "version": "\(latest)", "environment": deployTo.rawValue]), in: db)
                deployed = deployTo
            }
            return ApplyOutcome(type: "workflow", name: workflow.name, id: id, version: latest, changed: false, created: false, deployedTo: deployed)
        }
        // Branches take numbers from the same sequence: the next is past every branch's.
        let version = try WorkflowBranches.nextVersion(of: id, db)
        if latest == nil { try QuotaStore.check(.workflows, org: scope.orgID, db) }
        if let context {
            try DefinitionWrites.workflowVersion(workflow, id: id, team: team, version: version, documentText: documentText, pins: pins,
                                                 pinsText: pinsText, hash: hash, message: message, parent: latest, mergedFrom: mergedFrom,
                                                 context: context, db)
            try audit?.append(DefinitionRows.event(.workflowVersionCreated, type: .workflow, id: id, org: scope.orgID, context,
                                                   ["name": workflow.name, "version": "\(version)", "content_hash": hash]), in: db)
            if let deployTo {
                try DefinitionWrites.deploy(workflow: id, version: version, to: deployTo, context: context, db)
                try audit?.append(DefinitionRows.event(.workflowDeployed, type: .workflow, id: id, org: scope.orgID, context,
                                                       ["name": workflow.name, "version": "\(version)", "environment": deployTo.rawValue]), in: db)
            }
        }
        return ApplyOutcome(type: "workflow", name: workflow.name, id: id, version: version, changed: true, created: latest == nil,
                            deployedTo: deployTo)
    }

    /// A new version on `branch` (parent: the branch's head, or main's head for its first),
    /// unless it is the head's content already. Audited like any version.
    private func applyOnBranch(_ workflow: WorkflowDefinition, _ branch: String, id: String, team: TeamID?, documentText: String,
                               pins: [String: AgentPin], pinsText: String, hash: String, _ db: Database) throws -> ApplyOutcome {
        let head = try WorkflowBranches.head(of: id, branch: branch, db)
        let parent = try head ?? Int.fetchOne(db, sql: "SELECT latest_version FROM workflow WHERE id = ?", arguments: [id])
        if let parent, try String.fetchOne(db, sql: "SELECT content_hash FROM workflow_version WHERE workflow_id = ? AND version = ?",
                                            arguments: [id, parent]) == hash, head != nil {
            return ApplyOutcome(type: "workflow", name: workflow.name, id: id, version: parent, changed: false, created: false, deployedTo: nil)
        }
        let version = try WorkflowBranches.nextVersion(of: id, db)
        if let context {
            try DefinitionWrites.workflowVersion(workflow, id: id, team: team, version: version, documentText: documentText, pins: pins,
                                                 pinsText: pinsText, hash: hash, message: message, parent: parent, branch: branch,
                                                 context: context, db)
            try audit?.append(DefinitionRows.event(.workflowVersionCreated, type: .workflow, id: id, org: scope.orgID, context,
                                                   ["name": workflow.name, "version": "\(version)", "content_hash": hash, "branch": branch]), in: db)
        }
        return ApplyOutcome(type: "workflow", name: workflow.name, id: id, version: version, changed: true, created: false, deployedTo: nil)
    }

    /// The agent version a node will run, and its config: from this file, or stored and visible
    /// to the scope (another team's agent only through a published version). nil when there is none.
    private func resolve(_ reference: AgentReference, _ db: Database) throws -> (AgentPin, JSONValue)? {
        if let (pin, config) = fileAgents[reference.name], reference.version == nil || reference.version == pin.version { return (pin, config) }
        return try DefinitionRows.usableAgentVersion(reference, scope, db)
    }
}

extension JSONEncoder {
    /// Sorted keys: the same value always encodes to the same text (hashes depend on it).
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
