// Retention benchmark (issue 21): a retention pass removing 1,000,000 step rows (25,000 old
// executions of 40 steps, each with an event per step) while the engine runs, on a real SQLite
// file at synchronous=FULL. The engine's throughput (100 submitters of single-step executions)
// is measured idle, then while the pass runs; every submit is a writer unit, so its latency is
// the writer's as the engine sees it. Targets: throughput during the pass ≥ 80 % of idle, submit
// (writer) p99 ≤ 20 ms. Also: how long the pass took (it paces itself, archiving each
// execution first, as the daemon does) and how much the file shrank.
// Usage: retention-bench [--executions N (default 25000)] [--steps N (default 40)] [--seconds N (default 8)]
import BenchSupport
import Core
import Engine
import Foundation
import GRDB
import Logging
import Storage
import Synchronization

func argument(_ name: String) -> String? {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else { return nil }
    return CommandLine.arguments[index + 1]
}
let executionCount = argument("--executions").flatMap(Int.init) ?? 25_000
let stepCount = argument("--steps").flatMap(Int.init) ?? 40
let seconds = argument("--seconds").flatMap(Double.init) ?? 8
/// Writes a line at once (print's buffer, when stdout is a file, would hold a long pass's
/// figures until the end).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
var logger = Logger(label: "bench")
logger.logLevel = .critical
let quietLogger = logger

let setup = try await Bench.setUp("retention-bench")
defer { setup.remove() }
let database = setup.database, scope = setup.scope
_ = try await DefinitionStore(database: database, audit: setup.audit).apply(
    [DefinitionStore.Input(document: try DefinitionDocument.parse(["workflow": "single", "nodes": ["only": ["kind": "transform", "config": ["output": 1]]]]))],
    message: nil, deployTo: .dev, context: setup.context())
let workflowID = try await database.read { db in try String.fetchOne(db, sql: "SELECT id FROM workflow WHERE name = 'single'")! }

// The old history: executions finished 100 days ago, each with `stepCount` step rows holding a
// ~1 KB output and one event per step.
let loadStarted = ContinuousClock.now
let old = Bench.wallNow().millisecondsSinceEpoch - 100 * 86_400_000
let output = "\"" + String(repeating: "x", count: 1000) + "\""
for start in stride(from: 0, to: executionCount, by: 1000) {
    let range = start..<min(executionCount, start + 1000)
    try await database.writer.submit { db in
        let execution = try db.makeStatement(sql: """
            INSERT INTO execution (id, org_id, workflow_id, workflow_name, workflow_version, environment, status, input, trigger, steps_total, steps_done,
                                   created_by, created_at, finished_at)
            VALUES (?, ?, ?, 'single', 1, 'dev', 'succeeded', '{}', 'api', ?, ?, 'bench', ?, ?)
            """)
        let step = try db.makeStatement(sql: """
            INSERT INTO step_run (execution_id, node_id, status, attempt, output, started_at, finished_at) VALUES (?, ?, 'succeeded', 1, ?, ?, ?)
            """)
        let event = try db.makeStatement(sql: """
            INSERT INTO execution_event (execution_id, seq, at, type, node_id, attempt, data) VALUES (?, ?, ?, 'step.succeeded', ?, 1, ?)
            """)
        for index in range {
            let id = String(format: "ex_old%010d", index), finished = old + Int64(index)
            try execution.execute(arguments: [id, scope.orgID.rawValue, workflowID, stepCount, stepCount, finished - 1000, finished])
            for node in 0..<stepCount {
                try step.execute(arguments: [id, "s\(node)", output, finished - 1000, finished])
                try event.execute(arguments: [id, node + 1, finished, "s\(node)", "{\"output\":\(output)}"])
            }
        }
    }
}
try await database.checkpoint()
func fileBytes() -> Int64 { ((try? FileManager.default.attributesOfItem(atPath: setup.directory + "/agentd.db")[.size]) as? NSNumber)?.int64Value ?? 0 }
let before = fileBytes()
say(String(format: "history: %d executions, %d step rows, %d events, file %.0f MB (loaded in %.1f s)", executionCount, executionCount * stepCount,
             executionCount * stepCount, Double(before) / 1e6, Bench.millis(ContinuousClock.now - loadStarted) / 1000))

let store = ExecutionStore(database: database, audit: setup.audit, instance: "bench")
let engine = Engine(store: store, settings: Engine.Settings(), now: Bench.wallNow, logger: logger)
try await engine.start()

final class Samples: Sendable {
    let latencies = Mutex<[Double]>([])
    let done = Mutex(0)
}

/// 100 submitters for `seconds`: executions finished per second and each submit's latency (a
/// writer unit: the execution's insert and its first job).
func load() async -> (perSecond: Double, p50: Double, p99: Double) {
    let samples = Samples()
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    let began = ContinuousClock.now
    await withTaskGroup(of: Void.self) { group in
        for _ in 0..<100 {
            group.addTask {
                while ContinuousClock.now < deadline {
                    let submitted = ContinuousClock.now
                    guard let (record, _) = try? await engine.submit(NewExecution(workflow: "single", input: [:]), context: setup.context()) else { continue }
                    samples.latencies.withLock { $0.append(Bench.millis(ContinuousClock.now - submitted)) }
                    let id = record.id.rawValue
                    engine.notifier.watch(id)
                    while true {
                        let generation = engine.notifier.generation(of: id)
                        if (try? await store.status(id, in: scope).isTerminal) == true { break }
                        _ = await engine.notifier.wait(for: id, after: generation, timeout: .seconds(10))
                    }
                    engine.notifier.unwatch(id)
                    samples.done.withLock { $0 += 1 }
                }
            }
        }
    }
    let latencies = samples.latencies.withLock { $0 }
    return (Double(samples.done.withLock { $0 }) / (Bench.millis(ContinuousClock.now - began) / 1000),
            Bench.percentile(latencies, 0.5), Bench.percentile(latencies, 0.99))
}

_ = await load()  // warm up
let idle = await load()
say(String(format: "idle:         %5.0f executions/s, submit p50 %.2f ms, p99 %.2f ms", idle.perSecond, idle.p50, idle.p99))

// The pass: executions kept 90 days (the defaults), so every old one is due.
var settings = Retention.Settings()
settings.site = .defaults
// As the daemon runs it: each execution archived before it is removed.
settings.archive = ExecutionArchive(directory: setup.directory + "/archive")
let retention = Retention(database: database, audit: setup.audit, settings: settings, now: Bench.wallNow, logger: quietLogger)
let passStarted = ContinuousClock.now
let pass = Task { await retention.pass() }
let during = await load()
say(String(format: "during pass:  %5.0f executions/s, submit p50 %.2f ms, p99 %.2f ms (%.0f %% of idle; the pass goes on)", during.perSecond,
             during.p50, during.p99, during.perSecond / idle.perSecond * 100))
let record = await pass.value
let passSeconds = Bench.millis(ContinuousClock.now - passStarted) / 1000
say(String(format: "pass: %d executions (%d step rows) removed, %d payloads, %.0f MB given back, in %.1f s%@", record.executionsRemoved,
             record.executionsRemoved * stepCount, record.payloadsRemoved, Double(record.pagesFreed * 4096) / 1e6, passSeconds,
             record.error.map { " (error: \($0))" } ?? ""))
if passSeconds > seconds {
    say("note: the pass outlasted the measured load (\(String(format: "%.1f", passSeconds)) s > \(seconds) s); raise --seconds to cover it")
}
try await database.checkpoint()
let after = fileBytes()
say(String(format: "file: %.0f MB → %.0f MB (%.0f %% smaller)", Double(before) / 1e6, Double(after) / 1e6, (1 - Double(after) / Double(before)) * 100))
say(String(format: "throughput during the pass: %.0f %% of idle (target ≥ 80 %%); submit p99 %.2f ms (target ≤ 20 ms)",
             during.perSecond / idle.perSecond * 100, during.p99))
await engine.stop()
await database.writer.stop()
setup.remove()
exit(0)
