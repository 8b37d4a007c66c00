// LLM benchmark (issue: llm steps, costs and budgets), at synchronous=FULL on a real SQLite
// file, the engine in process, against the test suite's fake OpenAI-compatible server:
//   - engine overhead of an llm step over the raw HTTP round trip to the same server, with a
//     priced model and a budget (so every step reserves and settles). Target ≤ 1 ms p50.
//   - cost analytics on 1,000,000 model-call rows (90 days, 200,000 executions of 20 workflows
//     owned by 5 teams and the org, five llm nodes each over 30 agents and 4 models): every query
//     of `agentctl costs`, p50/p99. Target p99 ≤ 50 ms.
// Usage: llm-bench [rows, default 1000000] [--engine-only] [--no-budget]
import AsyncHTTPClient
import BenchSupport
import Core
import Engine
import Foundation
import GRDB
import Logging
import NIOCore
import AgentSecurity
import Storage

let rows = CommandLine.arguments.dropFirst().compactMap { Int($0) }.first ?? 1_000_000

let millis = Bench.millis
let percentile = Bench.percentile

// The fake model server of the test suite.
let (server, port) = try Bench.fixture("modelserver.py")
defer { server.terminate() }

let setup = try await Bench.setUp("llm-bench")
defer { setup.remove() }
let database = setup.database, audit = setup.audit, scope = setup.scope
let wallNow = Bench.wallNow
func context() -> ChangeContext { setup.context() }

// MARK: - Engine overhead per llm step

let steps = 20
var nodes: [String: JSONValue] = [:], edges: [JSONValue] = []
for index in 0..<steps {
    nodes["s\(index)"] = ["kind": "llm", "config": ["model": "local", "prompt": "hello there", "max_tokens": 16]]
    if index > 0 { edges.append(.string("s\(index - 1) -> s\(index)")) }
}
var transformNodes: [String: JSONValue] = [:]
for index in 0..<steps { transformNodes["s\(index)"] = ["kind": "transform", "config": ["output": "{{ input }}"]] }
let documents: [JSONValue] = [
    ["workflow": "llm-chain", "nodes": .object(nodes), "edges": .array(edges)],
    ["workflow": "transform-chain", "nodes": .object(transformNodes), "edges": .array(edges)],
    ["workflow": "costs", "nodes": ["only": ["kind": "transform", "config": ["output": 1]]]],
]
_ = try await DefinitionStore(database: database, audit: audit).apply(documents.map { DefinitionStore.Input(document: try DefinitionDocument.parse($0)) },
                                                                      message: nil, deployTo: .dev, context: context())
_ = try await ModelStore(database: database, audit: audit).create(
    ModelSpec(name: "local", baseURL: "http://127.0.0.1:\(port)/v1", model: "fake", apiKeySecret: nil, price: ModelPrice(input: 100_000, output: 300_000),
              timeoutMs: 10_000), orgReference: nil, context: context())
if !CommandLine.arguments.contains("--no-budget") {
    _ = try await BudgetStore(database: database, audit: audit).set(team: nil, period: .monthly, limitMicros: 1_000_000_000, allowOverage: false, context: context())
}

// The upstream is on loopback, which the egress policy refuses unless allowed (as the test
// daemons allow it).
let loopbackEgress = EgressSettings(site: try EgressRules.parse(allow: ["127.0.0.1/32"], deny: []))
var logger = Logger(label: "bench")
logger.logLevel = .critical
let store = ExecutionStore(database: database, audit: audit, instance: "bench")
let engine = Engine(store: store, settings: Engine.Settings(workers: 4).with(egress: loopbackEgress), now: wallNow, logger: logger)
try await engine.start()

func runOnce(_ workflow: String) async throws -> Duration {
    let clock = ContinuousClock()
    let start = clock.now
    let (record, _) = try await engine.submit(NewExecution(workflow: workflow, input: [:]), context: context())
    let id = record.id.rawValue
    engine.notifier.watch(id)
    defer { engine.notifier.unwatch(id) }
    while true {
        let generation = engine.notifier.generation(of: id)
        let status = try await store.status(id, in: scope)
        if status.isTerminal {
            precondition(status == .succeeded, "\(workflow) ended \(status)")
            return clock.now - start
        }
        _ = await engine.notifier.wait(for: id, after: generation, timeout: .seconds(10))
    }
}

// The raw round trip: the same request body to the same server, with the same client library.
let client = HTTPClient(eventLoopGroupProvider: .singleton)
let body = ChatRequest(config: ["prompt": "hello there", "max_tokens": 16], model: "fake").body.canonicalText
func rawOnce() async throws -> Duration {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: body))
    let start = ContinuousClock.now
    let response = try await client.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    _ = try JSONDecoder().decode(JSONValue.self, from: Data(String(buffer: bytes).utf8))
    return ContinuousClock.now - start
}

_ = try await runOnce("llm-chain")
_ = try await runOnce("transform-chain")
for _ in 0..<20 { _ = try await rawOnce() }
var raw: [Double] = [], perStep: [Double] = [], transformStep: [Double] = []
// Interleaved, so all see the same machine.
for _ in 0..<15 {
    for _ in 0..<steps { raw.append(millis(try await rawOnce())) }
    perStep.append(millis(try await runOnce("llm-chain")) / Double(steps))
    transformStep.append(millis(try await runOnce("transform-chain")) / Double(steps))
}
print(String(format: "transform step in the same chain (the engine's floor per step, one durable commit): p50 %.3f ms",
             percentile(transformStep, 0.5)))
let overhead = percentile(perStep, 0.5) - percentile(raw, 0.5)
print(String(format: "raw HTTP round trip to the model server: p50 %.3f ms   p99 %.3f ms   (n=%d)", percentile(raw, 0.5), percentile(raw, 0.99), raw.count))
print(String(format: "llm step in a %d-step chain (submit → durable success / %d): p50 %.3f ms   min %.3f ms", steps, steps,
             percentile(perStep, 0.5), perStep.min() ?? 0))
print(String(format: "engine overhead of an llm step over the raw round trip: p50 %.3f ms   target ≤ 1 ms   (%.2f× the round trip)",
             overhead, percentile(perStep, 0.5) / max(percentile(raw, 0.5), 0.001)))
print(String(format: "  of which the engine's per-step floor (a transform step): %.3f ms; llm-specific: %.3f ms",
             percentile(transformStep, 0.5), overhead - percentile(transformStep, 0.5)))
if CommandLine.arguments.contains("--engine-only") { exit(0) }
await engine.stop()
try await client.shutdown()

// MARK: - Cost analytics on a long history

let began = ContinuousClock.now
let now = wallNow()
let workflowID = try await database.read { db in try String.fetchOne(db, sql: "SELECT id FROM workflow WHERE name = 'costs'")! }
let executions = max(1, rows / 5)
try await database.writer.submit { db in
    let dayMs: Int64 = 86_400_000
    let start = now.millisecondsSinceEpoch - 90 * dayMs
    // Executions spread over 90 days, then five model calls each.
    try db.execute(sql: """
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
        INSERT INTO execution (id, org_id, team_id, workflow_id, workflow_name, workflow_version, environment, status, input, trigger,
                               steps_total, created_by, created_at, cost_micros, prompt_tokens, completion_tokens)
        SELECT printf('ex_bench%09d', i), ?, CASE i % 20 % 6 WHEN 5 THEN NULL ELSE printf('team_bench%d', i % 20 % 6) END, ?, printf('wf-%02d', i % 20), 1, 'dev',
               'succeeded', '{}', 'api', 5, 'bench', ? + (i * ?) / ?, 0, 0, 0 FROM n
        """, arguments: [executions, scope.orgID.rawValue, workflowID, start, 90 * dayMs, executions])
    try db.execute(sql: """
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
        INSERT INTO llm_call (org_id, team_id, execution_id, workflow, node_id, agent, attempt, iteration, model, prompt_tokens,
                              completion_tokens, cost_micros, succeeded, overage, at)
        SELECT ?, e.team_id, e.id, e.workflow_name, printf('n%d', n.i % 5), printf('agent-%02d', ((n.i / 5) % 20 * 5 + n.i % 5) % 30), 1, 1,
               printf('model-%d', ((n.i / 5) % 20 + n.i % 5) % 4),
               200 + n.i % 900, 50 + n.i % 300, 20 + n.i % 400, (n.i % 17) != 0, 0, e.created_at
        FROM n JOIN execution e ON e.id = printf('ex_bench%09d', n.i / 5)
        """, arguments: [rows, scope.orgID.rawValue])
    // The daily sums and execution totals the completion transaction keeps, built at once.
    try db.execute(sql: """
        INSERT INTO cost_daily (org_id, day, team_id, workflow, agent, model, calls, failed_calls, prompt_tokens, completion_tokens, cost_micros)
        SELECT org_id, strftime('%Y-%m-%d', at / 1000, 'unixepoch'), coalesce(team_id, ''), workflow, agent, model, count(*), sum(succeeded = 0),
               sum(prompt_tokens), sum(completion_tokens), sum(cost_micros)
        FROM llm_call WHERE org_id = ? GROUP BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (org_id, day, team_id, workflow, agent, model) DO UPDATE SET calls = calls + excluded.calls,
            failed_calls = failed_calls + excluded.failed_calls, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
            completion_tokens = completion_tokens + excluded.completion_tokens, cost_micros = cost_micros + excluded.cost_micros
        """, arguments: [scope.orgID.rawValue])
    try db.execute(sql: """
        UPDATE execution SET (cost_micros, prompt_tokens, completion_tokens) =
            (SELECT sum(cost_micros), sum(prompt_tokens), sum(completion_tokens) FROM llm_call WHERE llm_call.execution_id = execution.id)
        WHERE id LIKE 'ex_bench%'
        """)
    try db.execute(sql: "ANALYZE")
}
let dailyRows = try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM cost_daily")! }
print(String(format: "history: %d model calls, %d executions, %d daily rows, built in %.1f s", rows, executions, dailyRows,
             millis(ContinuousClock.now - began) / 1000))

let costs = CostQueries(database: database)
let budgets = BudgetStore(database: database, audit: audit)
let monthAgo = now.adding(milliseconds: -30 * 86_400_000)
let tomorrow = now.adding(milliseconds: 86_400_000)
let queries: [(String, @Sendable () async throws -> Void)] = [
    ("costs by team, 30 days", { _ = try await costs.breakdown(in: scope, by: .team, since: monthAgo, until: tomorrow) }),
    ("costs by workflow, 30 days", { _ = try await costs.breakdown(in: scope, by: .workflow, since: monthAgo, until: tomorrow) }),
    ("costs by agent, 90 days", { _ = try await costs.breakdown(in: scope, by: .agent, since: now.adding(milliseconds: -90 * 86_400_000), until: tomorrow) }),
    ("costs by model, 30 days", { _ = try await costs.breakdown(in: scope, by: .model, since: monthAgo, until: tomorrow) }),
    ("trend, daily, 90 days", { _ = try await costs.trend(in: scope, since: now.adding(milliseconds: -90 * 86_400_000), until: tomorrow) }),
    ("top 10 executions, 30 days", { _ = try await costs.topExecutions(in: scope, since: monthAgo, limit: 10) }),
    ("forecast", { _ = try await costs.forecast(in: scope, now: now) }),
    ("advice, 30 days", { _ = try await costs.advice(in: scope, since: monthAgo, now: now) }),
    ("budgets list", { _ = try await budgets.list(in: scope, now: now) }),
]
var worst = 0.0
for (name, query) in queries {
    try await query()
    var samples: [Double] = []
    for _ in 0..<50 {
        let start = ContinuousClock.now
        try await query()
        samples.append(millis(ContinuousClock.now - start))
    }
    worst = max(worst, percentile(samples, 0.99))
    print(String(format: "%-28@ p50 %7.2f ms   p99 %7.2f ms", name as NSString, percentile(samples, 0.5), percentile(samples, 0.99)))
}
print(String(format: "cost analytics on %d model calls: worst p99 %.2f ms   target ≤ 50 ms", rows, worst))
await database.writer.stop()
