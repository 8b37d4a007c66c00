// Engine benchmark (issue: durable execution), at synchronous=FULL on a real SQLite file,
// the engine in process (no HTTP in front), http steps against a loopback server.
//   - 40-step sequential transform workflow, submit → durable success. Target ≤ 40 ms.
//   - 40-step sequential http workflow (each step a claimed, fenced job). Target ≤ 80 ms.
//   - 400 light steps fanned out over 10 workers. Target ≤ 0.5 s.
//   - single-step executions/s, 100 concurrent submitters, sustained. Target ≥ 3,000/s.
//   - dispatch latency commit → step start, p50/p99. Target p99 ≤ 2 ms.
//   - `--observability [seconds]`: throughput and the 40-step chain with metrics and tracing off,
//     then on (a Prometheus registry; spans to an OTLP collector on loopback), alternating, in
//     the same run. Target: on costs ≤ 5 %.
// Usage: engine-bench [seconds for the throughput run, default 30] | engine-bench --observability [seconds per phase, default 8]
import BenchSupport
import Core
import Engine
import Foundation
import Logging
import Metrics
import OTel
import Prometheus
import Security
import Storage
import Synchronization
import Tracing

// `engine-bench --peers`: only the shapes `make bench-peers` compares, as JSON lines.
let peersMode = CommandLine.arguments.contains("--peers")
let observabilityMode = CommandLine.arguments.contains("--observability")
let throughputSeconds = CommandLine.arguments.dropFirst().compactMap(Double.init).first ?? (observabilityMode ? 8 : 30)

let millis = Bench.millis
let percentile = Bench.percentile

// A loopback HTTP server: the test suite's upstream.
let (upstream, port) = try Bench.fixture("upstream.py")
defer { upstream.terminate() }

let setup = try await Bench.setUp("engine-bench")
defer { setup.remove() }
let database = setup.database, audit = setup.audit, scope = setup.scope
let wallNow = Bench.wallNow
func context() -> ChangeContext { setup.context() }

func chain(_ name: String, steps: Int, node: (Int) -> JSONValue) -> JSONValue {
    var nodes: [String: JSONValue] = [:], edges: [JSONValue] = []
    for index in 0..<steps {
        nodes["s\(index)"] = node(index)
        if index > 0 { edges.append(.string("s\(index - 1) -> s\(index)")) }
    }
    return ["workflow": .string(name), "nodes": .object(nodes), "edges": .array(edges)]
}
var fan: [String: JSONValue] = ["root": ["kind": "transform", "config": ["output": 1]]]
var fanEdges: [JSONValue] = []
for index in 0..<400 {
    fan["leaf\(index)"] = ["kind": "transform", "config": ["output": .integer(index)]]
    fanEdges.append(.string("root -> leaf\(index)"))
}
let documents: [JSONValue] = [
    chain("seq-transform", steps: 40) { _ in ["kind": "transform", "config": ["output": "{{ input }}"]] },
    chain("seq-http", steps: 40) { _ in ["kind": "http", "config": ["url": .string("http://127.0.0.1:\(port)/ok")]] },
    ["workflow": "fan", "nodes": .object(fan), "edges": .array(fanEdges)],
    ["workflow": "single", "nodes": ["only": ["kind": "transform", "config": ["output": 1]]]],
]
let definitions = DefinitionStore(database: database, audit: audit)
_ = try await definitions.apply(documents.map { DefinitionStore.Input(document: try DefinitionDocument.parse($0)) }, message: nil, deployTo: .dev,
                                context: context())

// The upstream is on loopback, which the egress policy refuses unless allowed (as the test
// daemons allow it).
let loopbackEgress = EgressSettings(site: try EgressRules.parse(allow: ["127.0.0.1/32"], deny: []))
var logger = Logger(label: "bench")
logger.logLevel = .critical
let store = ExecutionStore(database: database, audit: audit, instance: "bench")
// The shapes run on 10 workers (the fan-out target names 10); throughput on the default pool.
let engine10 = Engine(store: store, settings: Engine.Settings(workers: 10).with(egress: loopbackEgress), now: wallNow, logger: logger)
let engine = engine10
try await engine.start()

/// Submits and waits until the execution is durably finished (its last transaction committed).
func runOnce(_ engine: Engine, _ workflow: String) async throws -> (Duration, String) {
    let clock = ContinuousClock()
    let start = clock.now
    let (record, _) = try await engine.submit(NewExecution(workflow: workflow, input: [:]), context: context())
    let id = record.id.rawValue
    engine.notifier.watch(id)
    defer { engine.notifier.unwatch(id) }
    while true {
        let generation = engine.notifier.generation(of: id)
        let status = try await store.status(id, in: scope)
        if status.isTerminal { return (clock.now - start, status.rawValue) }
        _ = await engine.notifier.wait(for: id, after: generation, timeout: .seconds(10))
    }
}

if peersMode {
    // seq40: the 40-step transform chain; drain2000: 2,000 single-step executions at once, 2 workers.
    var chainSamples: [Double] = []
    _ = try await runOnce(engine, "seq-transform")
    for _ in 0..<5 { chainSamples.append(millis(try await runOnce(engine, "seq-transform").0)) }
    print("{\"peer\": \"agentd\", \"shape\": \"seq40\", \"ms\": \(chainSamples)}")
    await engine.stop()
    let two = Engine(store: store, settings: Engine.Settings(workers: 2).with(egress: loopbackEgress), now: wallNow, logger: logger)
    try await two.start()
    var drainSamples: [Double] = []
    for _ in 0..<2 {
        let began = ContinuousClock.now
        var ids: [String] = []
        for _ in 0..<2000 { ids.append(try await two.submit(NewExecution(workflow: "single", input: [:]), context: context()).0.id.rawValue) }
        for id in ids {
            two.notifier.watch(id)
            while true {
                let generation = two.notifier.generation(of: id)
                if try await store.status(id, in: scope).isTerminal { break }
                _ = await two.notifier.wait(for: id, after: generation, timeout: .seconds(10))
            }
            two.notifier.unwatch(id)
        }
        drainSamples.append(millis(ContinuousClock.now - began))
    }
    print("{\"peer\": \"agentd\", \"shape\": \"drain2000\", \"ms\": \(drainSamples)}")
    await two.stop()
    await database.writer.stop()
    upstream.terminate()
    exit(0)
}

/// Executions done, counted from many tasks.
final class Tally: Sendable { let count = Mutex(0) }

if observabilityMode {
    // Spans go to a collector on loopback, as in a site's setup; the tracer is the task's own
    // (withTracer), so the phases without it run with none.
    let (collector, collectorPort) = try Bench.fixture("otlpcollector.py", environment: ["OTLP_COUNT_ONLY": "1"])
    var configuration = OTel.Configuration.default
    configuration.serviceName = "engine-bench"
    configuration.diagnosticLogger = .custom(logger)
    configuration.logs.enabled = false
    configuration.metrics.enabled = false
    configuration.traces.otlpExporter.protocol = .httpProtobuf
    configuration.traces.otlpExporter.endpoint = "http://127.0.0.1:\(collectorPort)/v1/traces"
    configuration.traces.batchSpanProcessor.scheduleDelay = .milliseconds(200)
    let backend = try OTel.makeTracingBackend(configuration: configuration)
    let exporter = Task { try await backend.service.run() }
    // As a busy site would run it: a tenth of the traces kept.
    configuration.traces.sampler = .parentBasedTraceIDRatio(ratio: 0.1)!
    let sampled = try OTel.makeTracingBackend(configuration: configuration)
    let sampledExporter = Task { try await sampled.service.run() }
    await engine10.stop()

    /// Executions per second (100 submitters, single-step) and the 40-step chain's p50, on a
    /// fresh engine, with or without metrics (a Prometheus registry) and tracing.
    func phase(metrics recorded: Bool, tracing: Bool, tenth: Bool = false) async throws -> (perSecond: Double, chain: Double) {
        func measure() async throws -> (Double, Double) {
            let metrics: any MetricsFactory = recorded ? PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()) : NOOPMetricsHandler.instance
            let pool = Engine(store: store, settings: Engine.Settings().with(egress: loopbackEgress), now: wallNow, logger: logger, metrics: metrics)
            try await pool.start()
            var chain: [Double] = []
            for _ in 0..<10 { chain.append(millis(try await runOnce(pool, "seq-transform").0)) }
            let done = Tally()
            let deadline = ContinuousClock.now + .milliseconds(Int(throughputSeconds * 1000))
            let began = ContinuousClock.now
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        while ContinuousClock.now < deadline {
                            if let (_, status) = try? await runOnce(pool, "single"), status == "succeeded" { done.count.withLock { $0 += 1 } }
                        }
                    }
                }
            }
            let rate = Double(done.count.withLock { $0 }) / (millis(ContinuousClock.now - began) / 1000)
            await pool.stop()
            return (rate, percentile(chain, 0.5))
        }
        guard tracing else { return try await measure() }
        return tenth ? try await withTracer(sampled.factory) { try await measure() } : try await withTracer(backend.factory) { try await measure() }
    }
    _ = try await phase(metrics: false, tracing: false)  // warm up
    let modes: [(String, Bool, Bool)] = [("off", false, false), ("metrics", true, false), ("tracing", false, true), ("both", true, true),
                                         ("both-10%", true, true)]
    var results: [String: [(Double, Double)]] = [:]
    // Interleaved, so the machine's drift spreads over every mode.
    for _ in 0..<2 {
        for (name, metrics, tracing) in modes {
            results[name, default: []].append(try await phase(metrics: metrics, tracing: tracing, tenth: name.hasSuffix("10%")))
        }
    }
    func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
    let offRate = mean(results["off"]!.map(\.0)), offChain = mean(results["off"]!.map(\.1))
    for (name, _, _) in modes {
        let rate = mean(results[name]!.map(\.0)), chain = mean(results[name]!.map(\.1))
        print(String(format: "%-8@ %5.0f executions/s (phases %@), 40-step chain p50 %.1f ms; cost vs off: throughput %+.1f %%, chain %+.1f %%",
                     name as NSString, rate, results[name]!.map { String(format: "%.0f", $0.0) }.joined(separator: ", ") as NSString, chain,
                     (1 - rate / offRate) * 100, (chain / offChain - 1) * 100))
    }
    print("target: metrics and tracing on cost ≤ 5 %")
    exporter.cancel()
    sampledExporter.cancel()
    collector.terminate()
    await database.writer.stop()
    upstream.terminate()
    exit(0)
}

var idleLatencies: [Double] = []
for (workflow, target, rounds) in [("seq-transform", 40.0, 15), ("seq-http", 80.0, 10), ("fan", 500.0, 5)] {
    _ = try await runOnce(engine, workflow)  // warm caches
    _ = engine.takeDispatchLatencies()
    var samples: [Double] = []
    for _ in 0..<rounds {
        let (elapsed, status) = try await runOnce(engine, workflow)
        precondition(status == "succeeded", "\(workflow) ended \(status)")
        samples.append(millis(elapsed))
    }
    if workflow == "seq-transform" { idleLatencies = engine.takeDispatchLatencies().map { millis($0) } }
    print(String(format: "%-14@ submit → durable success: p50 %7.1f ms   min %7.1f ms   max %7.1f ms   target ≤ %.0f ms",
                 workflow as NSString, percentile(samples, 0.5), samples.min() ?? 0, samples.max() ?? 0, target))
}
await engine10.stop()
let pool = Engine(store: store, settings: Engine.Settings().with(egress: loopbackEgress), now: wallNow, logger: logger)
try await pool.start()

// Throughput: 100 submitters, single-step executions, for `throughputSeconds`.
let finished = Mutex(0)
let deadline = ContinuousClock.now + .milliseconds(Int(throughputSeconds * 1000))
let began = ContinuousClock.now
await withTaskGroup(of: Void.self) { group in
    for _ in 0..<100 {
        group.addTask {
            while ContinuousClock.now < deadline {
                if let (_, status) = try? await runOnce(pool, "single"), status == "succeeded" { finished.withLock { $0 += 1 } }
            }
        }
    }
}
let seconds = millis(ContinuousClock.now - began) / 1000
let count = finished.withLock { $0 }
print(String(format: "single-step executions, 100 submitters, %.0f s: %d done, %.0f/s   target ≥ 3000/s", seconds, count, Double(count) / seconds))
let latencies = pool.takeDispatchLatencies().map { millis($0) }
print(String(format: "dispatch latency commit → step start, one chain at a time: p50 %.3f ms   p99 %.3f ms   (n=%d)   target p99 ≤ 2 ms",
             percentile(idleLatencies, 0.5), percentile(idleLatencies, 0.99), idleLatencies.count))
print(String(format: "dispatch latency commit → step start, during the throughput run: p50 %.3f ms   p99 %.3f ms   (n=%d)",
             percentile(latencies, 0.5), percentile(latencies, 0.99), latencies.count))
await pool.stop()
await database.writer.stop()


