/// A workflow version ready to run: its graph, and each node's kind, config and templates
/// parsed once. Versions are immutable, so a compiled one is cached for the life of the process.
public struct CompiledWorkflow: Sendable {
    public let workflowID: String
    public let name: String
    public let version: Int
    public let definition: WorkflowDefinition
    public let dag: DAG
    public let steps: [String: CompiledStep]
    public let output: TemplateValue?
    public let inputSchema: JSONValue?
    /// Each node's ancestors: the only steps whose results its templates may read.
    public let ancestors: [String: Set<String>]
    /// The steps whose results each node's templates (input, when, config) read: what a job
    /// loads. A template that reads `nodes` other than by a fixed name gets every ancestor.
    public let reads: [String: Set<String>]
    /// The agent each node uses, by name (nodes with an inline config have none).
    public let agentNames: [String: String]
    /// Whether any node calls a model: its executions count against budgets.
    public let usesModels: Bool

    /// `configs` gives the config of each node that uses an agent (its pinned version's).
    public init(workflowID: String, version: Int, definition: WorkflowDefinition, kinds: [String: StepKind],
                configs: [String: JSONValue]) throws(TemplateError) {
        self.workflowID = workflowID
        self.name = definition.name
        self.version = version
        self.definition = definition
        self.dag = DAG(nodes: definition.nodes.map(\.id), edges: definition.edges)
        var steps: [String: CompiledStep] = [:]
        for node in definition.nodes {
            let config = node.config ?? configs[node.id] ?? .object([:])
            let compiledConfig = try TemplateValue.compile(config)
            var secretNames: [String: String] = [:]
            for (name, path) in config["secrets"]?.objectValue ?? [:] { if let path = path.stringValue { secretNames[name] = path } }
            steps[node.id] = CompiledStep(
                node: node.id, kind: node.kind ?? kinds[node.id] ?? .transform, config: compiledConfig, rawConfig: config,
                secretPaths: compiledConfig.secretPaths.union(secretNames.values), secretNames: secretNames,
                input: try node.input.map { value throws(TemplateError) in try TemplateValue.compile(value) },
                when: try node.when.map { text throws(TemplateError) in try Template.parse(text) },
                retry: node.retry, timeoutMs: node.timeoutMs)
        }
        self.steps = steps
        let dag = self.dag
        let ancestors = Dictionary(uniqueKeysWithValues: dag.nodes.map { ($0, dag.ancestors(of: $0)) })
        self.ancestors = ancestors
        var reads: [String: Set<String>] = [:]
        for (id, step) in steps {
            let references = (step.input?.references ?? []) + (step.when?.references ?? []) + step.config.references
            var named = Set<String>()
            var all = false
            for reference in references where reference.root == "nodes" {
                if let first = reference.segments.first { named.insert(first) } else { all = true }
            }
            reads[id] = (all ? ancestors[id] ?? [] : named.intersection(ancestors[id] ?? [])).union([id])
        }
        self.reads = reads
        self.output = try definition.output.map { value throws(TemplateError) in try TemplateValue.compile(value) }
        self.inputSchema = definition.inputSchema
        self.agentNames = Dictionary(uniqueKeysWithValues: definition.nodes.compactMap { node in node.agent.map { (node.id, $0.name) } })
        self.usesModels = steps.values.contains { $0.kind == .llm }
    }
}

public struct CompiledStep: Sendable {
    public let node: String
    public let kind: StepKind
    public let config: TemplateValue
    public let rawConfig: JSONValue
    /// Every vault path the config reads (`secret('…')` calls and the `secrets:` map).
    public let secretPaths: Set<String>
    /// The `secrets:` map: name → vault path, seen by templates as `secrets.NAME`.
    public let secretNames: [String: String]
    public let input: TemplateValue?
    public let when: Template?
    public let retry: RetryPolicy?
    public let timeoutMs: Int?
}

/// How an attempt ended, as the engine records it.
public enum StepOutcome: Sendable, Hashable {
    /// Done, with its output; a router also names the successors it selected.
    case succeeded(JSONValue, selected: [String]? = nil)
    /// Not run: its `when` was false.
    case skipped(String)
    case failed(StepError)
    /// Come back at this time (a delay), with this output then.
    case wait(untilMs: Int64, output: JSONValue)
    /// Waiting for a child execution to finish.
    case child(String)
    /// Waiting for people to decide (an `approval` step): the request is opened with the step's
    /// policy and its rendered message.
    case approval(ApprovalPolicy, message: String?)
}
