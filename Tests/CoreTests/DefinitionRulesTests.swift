@testable import Core
import Testing

/// The pure rules of agent and workflow definitions: shape, graph, references, diff, hash.
@Suite struct DefinitionRulesTests {
    static func node(_ kind: String = "transform", _ extra: [String: JSONValue] = [:]) -> JSONValue {
        var object: [String: JSONValue] = ["kind": .string(kind), "config": ["output": 1]]
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    static func workflow(_ nodes: [String: JSONValue], edges: [String] = [], extra: [String: JSONValue] = [:]) -> JSONValue {
        var object: [String: JSONValue] = ["workflow": "flow", "nodes": .object(nodes), "edges": .array(edges.map { .string($0) })]
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    /// Parses and validates; the issues as "path: message" lines.
    static func issues(_ value: JSONValue) -> [String] {
        do {
            let workflow = try WorkflowDefinition.parse(value)
            var kinds: [String: StepKind] = [:]
            for node in workflow.nodes { kinds[node.id] = node.kind }
            return WorkflowValidator.issues(workflow, kinds: kinds).map(\.description)
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test(arguments: [
        // (document, a fragment one issue must contain)
        (workflow(["a": node(), "b": node()], edges: ["a -> b", "b -> a"]), "edges: the graph has a cycle: a -> b -> a"),
        (workflow(["a": node(), "b": node(), "c": node()], edges: ["a -> b", "b -> c", "c -> a"]), "a -> b -> c -> a"),
        (workflow(["a": node()], edges: ["a -> ghost"]), "edges[0]: unknown node 'ghost'"),
        (workflow(["a": node()], edges: ["a -> a"]), "cannot depend on itself"),
        (workflow(["a": node(), "b": node()], edges: ["a -> b", "a -> b"]), "is listed twice"),
        (workflow(["a": node(), "b": node("transform", ["input": ["x": "{{ nodes.a.output }}"]])]), "nodes.a is not upstream of b"),
        (workflow(["a": node(), "b": node("transform", ["input": ["x": "{{ nodes.b.output }}"]])]), "cannot read its own output"),
        (workflow(["a": node(), "b": node("transform", ["input": ["x": "{{ nodes.a.outptu }}"]])], edges: ["a -> b"]), "did you mean 'output'"),
        (workflow(["a": node("http", ["config": ["url": "https://x"]]), "b": node("transform", ["input": ["x": "{{ nodes.a.output.bdy }}"]])],
                  edges: ["a -> b"]), "nodes.a.output has no field 'bdy' — did you mean 'body'?"),
        (workflow(["a": node("transform", ["input": ["x": "{{ input.tciket }}"]])],
                  extra: ["input": ["type": "object", "properties": ["ticket": ["type": "string"]]]]), "input has no field 'tciket' — did you mean 'ticket'?"),
        (workflow(["a": node("transform", ["input": ["x": "{{ secrets.x }}"]])]), "unknown reference 'secrets'"),
        (workflow(["a": node("transform", ["when": "true"])]), "nodes.a.when: must be a template"),
        (workflow(["a": node("transform", ["agent": "x"])]), "not both"),
        (workflow(["a": ["input": [:]]]), "needs an agent"),
        (workflow(["Bad-Id": node()]), "node ids start with a-z"),
        (workflow(["a": node("transform", ["retry": ["max_attempts": 50]])]), "nodes.a.retry.max_attempts: must be between 1 and 20"),
        (workflow(["a": node("transform", ["retry": ["max_attempts": 2, "initial_backoff_ms": 5000, "max_backoff_ms": 10]])]), "must not be less"),
        (workflow(["a": node("http", ["config": ["url": "https://x", "headers": ["X-Api-Key": "literal"], "methd": "GET"]])]),
         "nodes.a.config.methd: unknown field — did you mean 'method'?"),
        (workflow(["a": node("transform", ["input": ["password": "hunter2"]])]), "nodes.a.input.password: 'password' holds a literal value"),
        (workflow(["a": node("router", ["config": ["routes": [["when": "{{ true }}", "to": ["z"]]]]])]), "not a successor of this router"),
        (workflow(["a": node("delay", ["config": [:]])]), "exactly one of duration_ms or until"),
        (workflow([:]), "at least one node"),
        (JSONValue.object(["workflow": "x", "nodes": ["a": node()], "edgez": []]), "edgez: unknown field — did you mean 'edges'?"),
    ])
    func workflowRulesNameTheProblemAndWhere(_ document: JSONValue, _ fragment: String) {
        let found = Self.issues(document)
        #expect(found.contains { $0.contains(fragment) }, "\(found)")
    }

    @Test func everyIssueIsCollectedNotJustTheFirst() {
        let document = Self.workflow(["a": Self.node("transform", ["timeout_ms": 0]), "B": Self.node(), "c": Self.node("nope")])
        #expect(Self.issues(document).count >= 3, "\(Self.issues(document))")
    }

    @Test func aGoodWorkflowHasNoIssuesAndAnOrder() throws {
        let document = Self.workflow([
            "fetch": Self.node("http", ["config": ["url": "https://h/{{ input.id }}"]]),
            "classify": Self.node("llm", ["config": ["model": "m", "prompt": "{{ input.text }}"],
                                          "input": ["text": "{{ nodes.fetch.output.body.subject }}"]]),
            "route": Self.node("router", ["config": ["routes": [["when": "{{ input.label == 'urgent' }}", "to": ["page"]]], "default": ["file"]],
                                          "input": ["label": "{{ nodes.classify.output.text }}"]]),
            "page": Self.node(), "file": Self.node(),
        ], edges: ["fetch -> classify", "classify -> route", "route -> page", "route -> file"])
        #expect(Self.issues(document) == [])
        let workflow = try WorkflowDefinition.parse(document)
        let dag = DAG(nodes: workflow.nodes.map(\.id), edges: workflow.edges)
        #expect(dag.topologicalOrder() == ["fetch", "classify", "route", "file", "page"])
        #expect(dag.ancestors(of: "page") == ["fetch", "classify", "route"])
    }

    @Test func fiveHundredNodesAreAllowedAndFiveHundredAndOneAreNot() {
        var nodes: [String: JSONValue] = [:]
        for index in 0..<500 { nodes["n\(index)"] = Self.node() }
        #expect(Self.issues(Self.workflow(nodes)) == [])
        nodes["n500"] = Self.node()
        #expect(Self.issues(Self.workflow(nodes)).contains { $0.contains("at most 500") })
    }

    @Test func aChainLongerThanTheDepthLimitIsRefused() {
        var nodes: [String: JSONValue] = [:]
        var edges: [String] = []
        for index in 0..<101 {
            nodes["n\(index)"] = Self.node()
            if index > 0 { edges.append("n\(index - 1) -> n\(index)") }
        }
        #expect(Self.issues(Self.workflow(nodes, edges: edges)).contains { $0.contains("longest chain has 101 nodes") })
    }

    @Test(arguments: [
        ("sk-abcdefghijklmnopqrstuvwx", nil as String?, "API secret key"),
        ("AKIAABCDEFGHIJKLMNOP", nil, "AWS"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl", nil, "JSON Web Token"),
        ("postgres://app:s3cret@db.internal/app", nil, "password in it"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIB", nil, "private key"),
        ("Bearer abcdefghijklmnop", "Authorization", "Authorization value"),
        ("hunter2", "db_password", "holds a literal value"),
    ])
    func credentialLiteralsAreFound(_ text: String, _ key: String?, _ reason: String) {
        #expect(CredentialLiterals.reason(text, key: key)?.contains(reason) == true)
    }

    @Test(arguments: [
        ("{{ secret('db/main', 'password') }}", "password"),
        ("Bearer {{ secret('api/x', 'token') }}", "Authorization"),
        ("https://helpdesk.internal/api", "url"),
        ("tokens are counted", "description"),
        ("", "password"),
    ])
    func templatesAndOrdinaryTextAreNotCredentials(_ text: String, _ key: String) {
        #expect(CredentialLiterals.reason(text, key: key) == nil)
    }

    @Test func agentsAreCheckedAgainstTheirKindsSchema() {
        func issues(_ value: JSONValue) -> [String] {
            do { _ = try AgentDefinition.parse(value); return [] } catch { return error.issues.map(\.description) }
        }
        #expect(issues(["agent": "ok", "kind": "llm", "config": ["model": "m", "prompt": "hi"]]) == [])
        #expect(issues(["agent": "x", "kind": "llm", "config": ["model": "m"]]).contains { $0.contains("needs prompt or messages") })
        #expect(issues(["agent": "x", "kind": "llm", "config": ["model": "m", "prompt": "p", "temperature": 3]])
            .contains("config.temperature: must be at most 2"))
        #expect(issues(["agent": "x", "kind": "http", "config": ["url": "u", "method": "FETCH"]]).contains { $0.contains("config.method: must be one of") })
        #expect(issues(["agent": "x", "kind": "exec", "config": ["connector": "c"]]).contains("config.command: is required"))
        #expect(issues(["agent": "x", "kind": "http", "config": ["url": "u", "secrets": ["db": "Not A Path"]]])
            .contains { $0.hasPrefix("config.secrets.db:") })
        #expect(issues(["agent": "x", "kind": "transform", "config": ["output": "{{ nodes.a.output }}"]])
            .contains { $0.contains("unknown reference 'nodes'") })
        #expect(issues(["agent": "X", "kind": "transform"]).count == 2)  // bad name, missing config
    }

    @Test func theDiffOfKnownVersionsIsStructural() throws {
        let old = try WorkflowDefinition.parse(Self.workflow(["a": Self.node(), "b": Self.node("transform", ["timeout_ms": 10])], edges: ["a -> b"]))
        let new = try WorkflowDefinition.parse(Self.workflow(["a": Self.node(), "b": Self.node("transform", ["timeout_ms": 20]), "c": Self.node()],
                                                             edges: ["a -> c"], extra: ["description": "now with c"]))
        let diff = WorkflowDiff(from: old, to: new)
        #expect(diff.fields == [FieldChange(path: "description", before: nil, after: "now with c")])
        #expect(diff.nodesAdded == ["c"])
        #expect(diff.nodesRemoved == [])
        #expect(diff.nodesChanged == [.init(node: "b", changes: [FieldChange(path: "timeout_ms", before: 10, after: 20)])])
        #expect(diff.edgesAdded == ["a -> c"])
        #expect(diff.edgesRemoved == ["a -> b"])
        #expect(diff.lines.contains("    timeout_ms: 10 -> 20"))
        #expect(WorkflowDiff(from: old, to: old).isEmpty)
    }

    @Test func contentHashesAreSHA256OfTheCanonicalForm() {
        // FIPS 180-2 test vectors, through the canonical text of a string ("abc" → "\"abc\"").
        #expect(SHA256.hash(Array("abc".utf8)).map { String(format2: $0) }.joined()
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash([]).map { String(format2: $0) }.joined() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let a: JSONValue = ["b": 1, "a": [true, nil, "x"]]
        let b: JSONValue = ["a": [true, nil, "x"], "b": 1]
        #expect(a.canonicalText == #"{"a":[true,null,"x"],"b":1}"#)
        #expect(ContentHash.of(a) == ContentHash.of(b))
        #expect(ContentHash.of(a) != ContentHash.of(["a": [true, nil, "x"], "b": 2]))
    }

    @Test func graphsShowEveryNodeAndEdge() throws {
        let workflow = try WorkflowDefinition.parse(Self.workflow(["a": Self.node(), "b": Self.node("llm", ["config": ["model": "m", "prompt": "p"]]),
                                                                   "c": Self.node()], edges: ["a -> b", "a -> c"]))
        let kinds: [String: StepKind] = ["a": .transform, "b": .llm, "c": .transform]
        let dot = WorkflowGraph.dot(workflow, kinds: kinds)
        #expect(dot.contains("\"a\" -> \"b\";") && dot.contains("\"a\" -> \"c\";"))
        #expect(dot.contains("label=\"b\\nllm\""), "\(dot)")
        let svg = WorkflowGraph.svg(workflow, kinds: kinds)
        #expect(svg.ranges(of: "<g class=\"node\"").count == 3)
        #expect(svg.ranges(of: "<path class=\"edge\"").count == 2)
        #expect(svg.contains("<title>flow</title>"))
    }
}

extension String {
    init(format2 byte: UInt8) {
        let hex = String(byte, radix: 16)
        self = byte < 16 ? "0" + hex : hex
    }
}
