// Definitions benchmark (issue: agents and workflows as versioned definitions).
//   - Validation + storage of a 500-node workflow: parse the document, validate the DAG and
//     every template, and store it as a new version (one writer transaction, fsync'd). Target
//     <= 20 ms. Each round changes one node so every apply makes a new version.
//   - Template evaluation of a simple pre-parsed expression on one core. Target >= 1 M/s.
// Usage: definition-bench [rounds]
import Core
import Foundation
import AgentSecurity
import Storage

let rounds = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 30

func millis(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

func summary(_ samples: [Double], unit: String) -> String {
    let sorted = samples.sorted()
    func p(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
    return String(format: "p50 %7.2f %@   p90 %7.2f %@   max %7.2f %@   (n=%d)", p(0.5), unit, p(0.9), unit, sorted.last ?? 0, unit, sorted.count)
}

/// A 500-node workflow: 25 layers of 20, each node reading one node of the layer before.
func document(round: Int) -> JSONValue {
    var nodes: [String: JSONValue] = [:]
    var edges: [JSONValue] = []
    for layer in 0..<25 {
        for column in 0..<20 {
            let id = "n\(layer)_\(column)"
            var node: [String: JSONValue] = ["kind": "transform", "config": ["output": ["value": "{{ input.x }}", "layer": .integer(layer)]]]
            if layer > 0 {
                let parent = "n\(layer - 1)_\(column)"
                edges.append(.string("\(parent) -> \(id)"))
                node["input"] = ["x": .string("{{ nodes.\(parent).output.value }}"), "round": .integer(round)]
                node["when"] = .string("{{ nodes.\(parent).status == 'succeeded' && length(nodes.\(parent).output.value) > 0 }}")
            } else {
                node["input"] = ["x": "{{ input.ticket }}"]
            }
            nodes[id] = .object(node)
        }
    }
    return ["workflow": "big", "nodes": .object(nodes), "edges": .array(edges),
            "input": ["type": "object", "properties": ["ticket": ["type": "string"]]]]
}

_ = ChainDigest.prepare()
let directory = NSTemporaryDirectory() + "agentd-defbench-" + UUID().uuidString
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let now = Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
let database = try AgentDatabase(options: DatabaseOptions(path: directory + "/agentd.db"), now: now)
database.writer.start()
let audit = AuditLog(database: database, digest: ChainDigest.sha256)
let installation = Scope(orgID: OrgID.generate(at: now), reach: .installation, roles: [.admin])
let setup = ChangeContext(scope: installation, actor: "bench", requestID: nil, now: now)
let org = try await OrgStore(database: database, audit: audit).create(name: "bench", displayName: nil, context: setup)
let scope = Scope(orgID: org.id, reach: .org, roles: [.admin])
let context = ChangeContext(scope: scope, actor: "bench", requestID: nil, now: now)
let store = DefinitionStore(database: database, audit: audit)
let clock = ContinuousClock()

// Where the time goes, once: shape parse, then each check.
do {
    let value = document(round: -1)
    var workflow: WorkflowDefinition!
    let parse = try clock.measure { workflow = try WorkflowDefinition.parse(value) }
    var kinds: [String: StepKind] = [:]
    for node in workflow.nodes { kinds[node.id] = node.kind }
    let validate = clock.measure { _ = WorkflowValidator.issues(workflow, kinds: kinds) }
    var templates = 0
    let parseTemplates = try clock.measure {
        for node in workflow.nodes {
            if let when = node.when { _ = try Template.parse(when); templates += 1 }
            for case .string(let text) in (node.input?.objectValue ?? [:]).values { _ = try Template.parse(text); templates += 1 }
        }
    }
    let hash = clock.measure { _ = ContentHash.of(workflow.json) }
    print(String(format: "breakdown: shape parse %.2f ms, validator %.2f ms (of which %d template parses %.2f ms), hash %.2f ms",
                 millis(parse), millis(validate), templates, millis(parseTemplates), millis(hash)))
}

var validateOnly: [Double] = []
var total: [Double] = []
for round in 0..<(rounds + 3) {
    let value = document(round: round)
    var workflow: WorkflowDefinition!
    let validation = try clock.measure {
        workflow = try WorkflowDefinition.parse(value)
        var kinds: [String: StepKind] = [:]
        for node in workflow.nodes { kinds[node.id] = node.kind }
        let issues = WorkflowValidator.issues(workflow, kinds: kinds)
        precondition(issues.isEmpty, "\(issues.prefix(3))")
    }
    let start = clock.now
    let outcomes = try await store.apply([DefinitionStore.Input(document: .workflow(try WorkflowDefinition.parse(value)))],
                                         message: "round \(round)", deployTo: .dev, context: context)
    let elapsed = clock.now - start
    precondition(outcomes.first?.changed == true)
    if round >= 3 {  // the first rounds warm caches and the page cache
        validateOnly.append(millis(validation))
        total.append(millis(elapsed))
    }
}
print("500-node workflow, parse + validate (pure):      " + summary(validateOnly, unit: "ms"))
print("500-node workflow, parse + validate + store:      " + summary(total, unit: "ms") + "   target p50 <= 20 ms")

// Template evaluation.
let template = try Template.parse("{{ input.count > 3 && input.name == 'x' }}")
let evaluationContext = TemplateContext(roots: ["input": ["count": 7, "name": "x"]], now: now)
var truthy = 0
let evaluations = 2_000_000
let elapsed = try clock.measure {
    for _ in 0..<evaluations where try template.evaluate(in: evaluationContext) == .bool(true) { truthy += 1 }
}
precondition(truthy == evaluations)
let perSecond = Double(evaluations) / (millis(elapsed) / 1000)
print(String(format: "template `input.count > 3 && input.name == 'x'`: %.2f M evaluations/s on one core   target >= 1 M/s", perSecond / 1e6))
