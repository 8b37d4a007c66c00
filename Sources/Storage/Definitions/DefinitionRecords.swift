import Core

/// An agent as listed: identity, owner and newest version.
public struct AgentRecord: Sendable, Hashable {
    public let id: AgentID
    public let orgID: OrgID
    public let teamID: TeamID?
    public let teamName: String?
    public let name: String
    public let kind: StepKind
    public let description: String?
    public let tags: [String]
    public let latestVersion: Int
    /// The newest version marked usable by other teams, if any.
    public let latestPublishedVersion: Int?
    public let createdAt: Instant
    public let createdBy: String
    public let updatedAt: Instant
    public let updatedBy: String
}

/// One immutable version of an agent.
public struct AgentVersionRecord: Sendable, Hashable {
    public let agentID: AgentID
    public let version: Int
    public let definition: AgentDefinition
    public let contentHash: String
    public let message: String?
    public let parentVersion: Int?
    public let published: Bool
    public let createdAt: Instant
    public let createdBy: String
}

/// A workflow as listed: identity, owner, newest version and what each environment runs.
public struct WorkflowRecord: Sendable, Hashable {
    public let id: WorkflowID
    public let orgID: OrgID
    public let teamID: TeamID?
    public let teamName: String?
    public let name: String
    public let description: String?
    public let tags: [String]
    public let latestVersion: Int
    public let deployments: [DeployEnvironment: Deployment]
    public let createdAt: Instant
    public let createdBy: String
    public let updatedAt: Instant
    public let updatedBy: String

    public struct Deployment: Sendable, Hashable {
        public let version: Int
        public let deployedAt: Instant
        public let deployedBy: String
    }
}

/// Which agent version a workflow node runs, fixed when the version was made.
public struct AgentPin: Sendable, Hashable, Codable {
    public let agentID: String
    public let agent: String
    public let version: Int
    public let kind: StepKind

    enum CodingKeys: String, CodingKey {
        case agentID = "agent_id", agent, version, kind
    }
}

/// One immutable version of a workflow.
public struct WorkflowVersionRecord: Sendable, Hashable {
    public let workflowID: WorkflowID
    public let version: Int
    public let definition: WorkflowDefinition
    /// Node id to the agent version it runs (nodes with an inline config have none).
    public let pins: [String: AgentPin]
    public let contentHash: String
    public let message: String?
    public let parentVersion: Int?
    public let createdAt: Instant
    public let createdBy: String
    /// The branch it is on (`main` unless applied with a branch).
    public var branch = "main"
    /// A merge's second parent: the branch head it merged.
    public var mergedFrom: Int?

    /// Each node's step kind: its inline kind or its pinned agent's.
    public var kinds: [String: StepKind] {
        var kinds: [String: StepKind] = [:]
        for node in definition.nodes { kinds[node.id] = node.kind ?? pins[node.id]?.kind }
        return kinds
    }
}

/// What applying one document did (or, for a dry run, would do).
public struct ApplyOutcome: Sendable, Hashable {
    public let type: String
    public let name: String
    public let id: String
    public let version: Int
    /// False when the document was identical to the newest version: nothing was written.
    public let changed: Bool
    public let created: Bool
    public let deployedTo: DeployEnvironment?
}

/// Filters for listing agents and workflows.
public struct DefinitionFilter: Sendable, Hashable {
    public var team: String?
    public var tag: String?
    public var namePrefix: String?
    public var kind: StepKind?
    public var updatedAfter: Instant?

    public init(team: String? = nil, tag: String? = nil, namePrefix: String? = nil, kind: StepKind? = nil, updatedAfter: Instant? = nil) {
        self.team = team
        self.tag = tag
        self.namePrefix = namePrefix
        self.kind = kind
        self.updatedAfter = updatedAfter
    }
}
