// Alert evaluation benchmark (issue 19): 1,000 rules over 10 orgs and 1,000,000 executions of
// history (30 days, 200 workflows), on a real SQLite file at synchronous=FULL. Each round reads
// every rule and what it measures, steps every alert and records what changed, as the daemon's
// evaluator does; new executions arrive between rounds. Target: p99 per round ≤ 50 ms.
// Usage: alert-bench [--executions N (default 1000000)] [--rules N (default 1000)] [--rounds N (default 200)]
import BenchSupport
import Core
import Engine
import Foundation
import GRDB
import Logging
import Storage

func argument(_ name: String) -> String? {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else { return nil }
    return CommandLine.arguments[index + 1]
}
let executionCount = argument("--executions").flatMap(Int.init) ?? 1_000_000
let ruleCount = argument("--rules").flatMap(Int.init) ?? 1000
let rounds = argument("--rounds").flatMap(Int.init) ?? 200
var logger = Logger(label: "bench")
logger.logLevel = .critical

let setup = try await Bench.setUp("alert-bench")
defer { setup.remove() }
let installation = Scope(orgID: setup.scope.orgID, reach: .installation, roles: [.admin])
func context(_ scope: Scope) -> ChangeContext { ChangeContext(scope: scope, actor: "bench", requestID: nil, now: Bench.wallNow()) }

// 10 orgs of 20 workflows each.
var orgScopes: [Scope] = [setup.scope]
for index in 1..<10 {
    let org = try await OrgStore(database: setup.database, audit: setup.audit).create(name: "org-\(index)", displayName: nil, context: context(installation))
    orgScopes.append(Scope(orgID: org.id, reach: .org, roles: [.admin]))
}
let orgs = orgScopes
var workflowList: [(org: OrgID, id: String, name: String)] = []
for scope in orgs {
    let documents = try (0..<20).map { index in
        DefinitionStore.Input(document: try DefinitionDocument.parse(["workflow": .string("wf-\(index)"), "nodes": ["a": ["kind": "transform", "config": ["output": 1]]]]))
    }
    _ = try await DefinitionStore(database: setup.database, audit: setup.audit).apply(documents, message: nil, deployTo: .dev, context: context(scope))
    let rows = try await setup.database.read { db in
        try Row.fetchAll(db, sql: "SELECT id, name FROM workflow WHERE org_id = ?", arguments: [scope.orgID.rawValue]).map { ($0["id"] as String, $0["name"] as String) }
    }
    workflowList += rows.map { (scope.orgID, $0.0, $0.1) }
}
let workflows = workflowList

// 1,000,000 finished executions over 30 days; about 5 % failed, more for a few workflows lately.
let now = Bench.wallNow().millisecondsSinceEpoch
let span: Int64 = 30 * 86_400_000
let loadStarted = ContinuousClock.now
func insert(_ range: Range<Int>, endingAt end: Int64, span: Int64) async throws {
    var generator = SystemRandomNumberGenerator()
    let rows = range.map { index -> (String, Int, Int64, Bool) in
        let workflow = Int.random(in: 0..<workflows.count, using: &generator)
        let finished = end - span + span * Int64(index - range.lowerBound + 1) / Int64(range.count)
        let flaky = workflow % 37 == 0 && finished > end - 3_600_000
        return (String(format: "ex_bench%09d", index), workflow, finished, Double.random(in: 0..<1, using: &generator) < (flaky ? 0.6 : 0.05))
    }
    try await setup.database.writer.submit { db in
        let statement = try db.makeStatement(sql: """
            INSERT INTO execution (id, org_id, workflow_id, workflow_name, workflow_version, environment, status, input, trigger, steps_total, steps_done,
                                   created_by, created_at, finished_at)
            VALUES (?, ?, ?, ?, 1, 'dev', ?, '{}', 'api', 1, 1, 'bench', ?, ?)
            """)
        // A failure is grouped in the same unit, as the engine does when it ends an execution.
        let group = try db.makeStatement(sql: """
            INSERT INTO error_group (org_id, fingerprint, workflow_id, workflow_name, kind, node, message, sample_message, sample_execution_id,
                                     first_seen, last_seen, count)
            VALUES (?, '0123456789abcdef', ?, ?, 'validation', 'a', 'division by zero', 'division by zero', ?, ?, ?, 1)
            ON CONFLICT (org_id, fingerprint, workflow_id) DO UPDATE SET last_seen = excluded.last_seen, count = count + 1,
                sample_execution_id = excluded.sample_execution_id
            """)
        for (id, workflow, finished, failed) in rows {
            let target = workflows[workflow]
            try statement.execute(arguments: [id, target.org.rawValue, target.id, target.name, failed ? "failed" : "succeeded", finished - 500, finished])
            if failed { try group.execute(arguments: [target.org.rawValue, target.id, target.name, id, finished, finished]) }
        }
    }
}
for start in stride(from: 0, to: executionCount, by: 50_000) {
    try await insert(start..<min(executionCount, start + 50_000), endingAt: now - span + span * Int64(min(executionCount, start + 50_000)) / Int64(executionCount),
                     span: span * Int64(min(executionCount, start + 50_000) - start) / Int64(executionCount))
}
// Budgets: one per org.
try await setup.database.writer.submit { db in
    for scope in orgs {
        try db.execute(sql: "INSERT INTO budget (id, org_id, period, limit_micros, created_by, created_at, updated_at) VALUES (?, ?, 'monthly', 100000000, 'bench', 0, 0)",
                       arguments: ["bud_\(scope.orgID.rawValue)", scope.orgID.rawValue])
    }
}
print(String(format: "history: %d executions over 30 days, %d workflows in %d orgs (loaded in %.1f s)", executionCount, workflows.count, orgs.count,
             Bench.millis(ContinuousClock.now - loadStarted) / 1000))

// 1,000 rules, 100 per org, of every kind; each notifies the org's one channel.
let alerts = AlertStore(database: setup.database, audit: setup.audit)
var kinds: [String: Int] = [:]
for (orgIndex, scope) in orgs.enumerated() {
    _ = try await alerts.putChannel("oncall", config: AlertChannelConfig(kind: .slack, url: "http://127.0.0.1:9/hooks/x"), create: true, context: context(scope))
    for index in 0..<(ruleCount / orgs.count) {
        let workflow = "wf-\(index % 20)"
        let expr: String
        switch index % 10 {
        case 0, 1, 2: expr = "failure_rate(workflow='\(workflow)', window=\(index % 2 == 0 ? "15m" : "1h"), min=3) > 0.3"
        case 3: expr = "failure_rate(workflow='*', window=1h, min=5) > 0.\(2 + index % 5)"
        case 4, 5: expr = "consecutive_failures(workflow='\(workflow)') >= \(2 + index % 3)"
        case 6: expr = "consecutive_failures(workflow='*') >= \(3 + index % 3)"
        case 7: expr = "budget_used(team='*') > 0.\(5 + index % 4)"
        case 8: expr = "queue_depth() > \(10 * (1 + index % 5))"
        default: expr = orgIndex == 0 ? ["writer_stall() > 5s", "vault_sealed()", "disk_free() < 5%", "api_latency_p99(window=5m) > 2s"][(index / 10) % 4]
            : "queue_depth() > 1000"
        }
        let expression = try AlertExpression.parse(expr)
        kinds[expression.kind.rawValue, default: 0] += 1
        _ = try await alerts.putRule("rule-\(index)", spec: AlertRuleSpec(expression: expression, forMilliseconds: index % 3 == 0 ? 0 : 60_000,
                                                                        repeatMilliseconds: 4 * 3_600_000, severity: .warning, channels: ["oncall"],
                                                                        description: "", enabled: true),
                                     create: true, context: context(orgIndex == 0 ? installation : scope))
    }
}
print("rules: \(kinds.values.reduce(0, +)) (\(kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))")

let store = ExecutionStore(database: setup.database, audit: setup.audit, instance: "bench")
let engine = Engine(store: store, now: Bench.wallNow, logger: logger)
let alerting = Alerting(database: setup.database, audit: setup.audit, engine: engine,
                        signals: SiteSignals(apiLatencyP99: { _ in 0.05 }, writerStallSeconds: { setup.database.writer.stallSeconds },
                                             vaultSealed: { false }, diskFree: { 0.5 }),
                        settings: Alerting.Settings(), now: Bench.wallNow, logger: logger)

// Rounds, with 100 new executions (finished in the last second) every 10 rounds.
var times: [Double] = []
var queued = 0
var next = executionCount
for round in 0..<rounds {
    if round % 10 == 0 {
        try await insert(next..<next + 100, endingAt: Bench.wallNow().millisecondsSinceEpoch, span: 1000)
        next += 100
    }
    let started = ContinuousClock.now
    queued += try await alerting.evaluate()
    times.append(Bench.millis(ContinuousClock.now - started))
}
let (firing, pending) = try await setup.database.read { db in
    (try Int.fetchOne(db, sql: "SELECT count(*) FROM alert_instance WHERE phase = 'firing'") ?? 0,
     try Int.fetchOne(db, sql: "SELECT count(*) FROM alert_instance WHERE phase = 'pending'") ?? 0)
}
// Where a round's time goes: reading the rules and their measures (one read transaction).
let book = AlertBook(database: setup.database, audit: setup.audit)
var loads: [Double] = []
for _ in 0..<50 {
    let started = ContinuousClock.now
    _ = try await book.load(now: Bench.wallNow())
    loads.append(Bench.millis(ContinuousClock.now - started))
}
loads.sort()
print(String(format: "  of which reading rules and measures: p50 %.2f ms", loads[loads.count / 2]))
let sorted = times.sorted()
func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
print(String(format: "%d rounds over %d rules: p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 ≤ 50 ms); first round %.2f ms",
             rounds, ruleCount, percentile(0.5), percentile(0.99), sorted.last ?? 0, times.first ?? 0))
print("alerts now: \(firing) firing, \(pending) pending; \(queued) notifications queued over the run")
