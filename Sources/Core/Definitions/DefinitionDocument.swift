/// One document of a definitions file: an agent (`agent: NAME`) or a workflow
/// (`workflow: NAME`). A file may hold several, separated by `---`.
public enum DefinitionDocument: Hashable, Sendable {
    case agent(AgentDefinition)
    case workflow(WorkflowDefinition)

    public var name: String {
        switch self {
        case .agent(let agent): agent.name
        case .workflow(let workflow): workflow.name
        }
    }

    public var typeName: String {
        switch self {
        case .agent: "agent"
        case .workflow: "workflow"
        }
    }

    public var json: JSONValue {
        switch self {
        case .agent(let agent): agent.json
        case .workflow(let workflow): workflow.json
        }
    }

    /// Limits on a definitions file, checked before it is parsed.
    public static let maximumBytes = 512 * 1024
    public static let maximumDocuments = 100
    public static let maximumNesting = 32

    public static func parse(_ value: JSONValue) throws(DefinitionError) -> DefinitionDocument {
        guard case .object(let object) = value else {
            throw DefinitionError([DefinitionIssue("", "a document must be a mapping that starts with `agent: NAME` or `workflow: NAME`, not \(value.typeName)")])
        }
        switch (object["agent"] != nil, object["workflow"] != nil) {
        case (true, false): return .agent(try AgentDefinition.parse(value))
        case (false, true):
            let (workflow, issues) = WorkflowDefinition.read(value)
            guard let workflow else { throw DefinitionError(issues) }
            guard !issues.isEmpty else { return .workflow(workflow) }
            // Also check the graph and the references of what could be read, so one round
            // reports every problem (agents are not resolved here: only inline kinds are known).
            var kinds: [String: StepKind] = [:]
            for node in workflow.nodes { kinds[node.id] = node.kind }
            var all = issues
            for issue in WorkflowValidator.issues(workflow, kinds: kinds) where !all.contains(issue) { all.append(issue) }
            throw DefinitionError(all)
        case (true, true): throw DefinitionError([DefinitionIssue("", "a document is an agent or a workflow, not both")])
        case (false, false):
            throw DefinitionError([DefinitionIssue("", "a document must start with `agent: NAME` or `workflow: NAME`")])
        }
    }
}
