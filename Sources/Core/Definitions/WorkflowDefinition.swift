/// A workflow as written: a DAG of nodes, each using an agent (or an inline config), with
/// input mappings as templates, optional `when`, `retry` and `timeout_ms` (DESIGN §2).
public struct WorkflowDefinition: Hashable, Sendable {
    public var name: String
    public var description: String?
    public var tags: [String]
    public var team: String?
    /// JSON Schema of the execution's input; nil accepts any object.
    public var inputSchema: JSONValue?
    /// Nodes by id, in id order.
    public var nodes: [WorkflowNode]
    public var edges: [WorkflowEdge]
    /// The execution's output, built with templates from node outputs; nil: every leaf's output.
    public var output: JSONValue?
    /// A deadline for the whole execution.
    public var timeoutMs: Int?
    /// At most this many executions of this workflow run at once; more wait, queued.
    public var concurrency: Int?
    /// `privacy: {pii: mask, kinds: [email]}`: stricter PII handling than the org's policy
    /// (docs/compliance.md#pii-detection-and-masking); nil: the org's alone.
    public var privacy: WorkflowPrivacy?

    public init(name: String, description: String? = nil, tags: [String] = [], team: String? = nil, inputSchema: JSONValue? = nil,
                nodes: [WorkflowNode], edges: [WorkflowEdge], output: JSONValue? = nil, timeoutMs: Int? = nil, concurrency: Int? = nil,
                privacy: WorkflowPrivacy? = nil) {
        self.concurrency = concurrency
        self.privacy = privacy
        self.name = name
        self.description = description
        self.tags = tags
        self.team = team
        self.inputSchema = inputSchema
        self.nodes = nodes.sorted { $0.id < $1.id }
        self.edges = edges
        self.output = output
        self.timeoutMs = timeoutMs
    }

    public func node(_ id: String) -> WorkflowNode? { nodes.first { $0.id == id } }

    /// Edges in the order the graph runs (by their source's place in a topological order,
    /// then by target): how they read best in an exported file.
    public var edgesInGraphOrder: [WorkflowEdge] {
        let order = DAG(nodes: nodes.map(\.id), edges: edges).topologicalOrder()
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return Set(edges).sorted { a, b in
            let ra = rank[a.from] ?? Int.max, rb = rank[b.from] ?? Int.max
            return ra != rb ? ra < rb : a < b
        }
    }

    /// The normalized form that is stored, hashed, diffed and exported.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "workflow": .string(name),
            "nodes": .object(Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0.json) })),
        ]
        if let description { object["description"] = .string(description) }
        if !tags.isEmpty { object["tags"] = .array(tags.map { .string($0) }) }
        if let team { object["team"] = .string(team) }
        if let inputSchema { object["input"] = inputSchema }
        if !edges.isEmpty { object["edges"] = .array(edgesInGraphOrder.map(\.json)) }
        if let output { object["output"] = output }
        if let timeoutMs { object["timeout_ms"] = .integer(timeoutMs) }
        if let concurrency { object["concurrency"] = .integer(concurrency) }
        if let privacy { object["privacy"] = privacy.json }
        return .object(object)
    }

    /// Limits on what one workflow may hold.
    public static let maximumNodes = 500
    public static let maximumEdges = 5000
    public static let maximumDepth = 100
}

public struct WorkflowNode: Hashable, Sendable {
    public var id: String
    /// The agent this node runs; nil when the node has an inline `kind` and `config`.
    public var agent: AgentReference?
    public var kind: StepKind?
    public var config: JSONValue?
    /// The step's input: any JSON whose strings may be templates over `input`, `nodes` and `execution`.
    public var input: JSONValue?
    /// Runs the node only when this template is truthy.
    public var when: String?
    public var retry: RetryPolicy?
    public var timeoutMs: Int?
    public var description: String?

    public init(id: String, agent: AgentReference? = nil, kind: StepKind? = nil, config: JSONValue? = nil, input: JSONValue? = nil,
                when: String? = nil, retry: RetryPolicy? = nil, timeoutMs: Int? = nil, description: String? = nil) {
        self.id = id
        self.agent = agent
        self.kind = kind
        self.config = config
        self.input = input
        self.when = when
        self.retry = retry
        self.timeoutMs = timeoutMs
        self.description = description
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let agent { object["agent"] = .string(agent.description) }
        if let kind { object["kind"] = .string(kind.rawValue) }
        if let config { object["config"] = config }
        if let input { object["input"] = input }
        if let when { object["when"] = .string(when) }
        if let retry { object["retry"] = retry.json }
        if let timeoutMs { object["timeout_ms"] = .integer(timeoutMs) }
        if let description { object["description"] = .string(description) }
        return .object(object)
    }
}

/// How often a failing node is tried and how long to wait between tries (exponential backoff
/// with full jitter, capped; the engine applies it).
public struct RetryPolicy: Hashable, Sendable {
    public var maxAttempts: Int
    public var initialBackoffMs: Int
    public var maxBackoffMs: Int

    public init(maxAttempts: Int, initialBackoffMs: Int = 1000, maxBackoffMs: Int = 60_000) {
        self.maxAttempts = maxAttempts
        self.initialBackoffMs = initialBackoffMs
        self.maxBackoffMs = maxBackoffMs
    }

    public var json: JSONValue {
        ["max_attempts": .integer(maxAttempts), "initial_backoff_ms": .integer(initialBackoffMs), "max_backoff_ms": .integer(maxBackoffMs)]
    }
}

public struct WorkflowEdge: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let from: String
    public let to: String

    public init(_ from: String, _ to: String) {
        self.from = from
        self.to = to
    }

    public static func < (lhs: WorkflowEdge, rhs: WorkflowEdge) -> Bool { (lhs.from, lhs.to) < (rhs.from, rhs.to) }
    public var description: String { "\(from) -> \(to)" }
    var json: JSONValue { .string(description) }
}
