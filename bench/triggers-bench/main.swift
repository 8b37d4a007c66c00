// Triggers benchmark (issue 16), on real SQLite files at synchronous=FULL and a real agentd:
//   - 10,000 active schedules (five zones; 2 % every minute, the rest hourly at a random minute)
//     fired by the engine's own timer over two minute boundaries: lateness of each fired slot
//     (planned instant → the timer's pass, and → the execution finished), target p99 ≤ 20 ms;
//     the process's CPU per minute of wall time, while slots fire and while none is due.
//   - a restart with 10,000 schedules overdue by an hour, under skip, latest and all (cap 3):
//     time until every slot is settled, executions per policy, and that no slot fired twice.
//   - webhook deliveries over TCP to a real agentd (signature checked, execution created):
//     deliveries/s with 32 concurrent senders, latency p50/p99; targets ≥ 3,000/s, p99 ≤ 5 ms.
// Usage: triggers-bench [--agentd PATH] [--seconds S (webhook run, default 10)] [--skip-minutes] [--skip-restart]
import AsyncHTTPClient
import BenchSupport
import Client
import Core
import Engine
import Foundation
import GRDB
import Logging
import NIOCore
import AgentSecurity
import Storage
import Synchronization

func argument(_ name: String) -> String? {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else { return nil }
    return CommandLine.arguments[index + 1]
}
let agentdPath = argument("--agentd") ?? ".build/release/agentd"
let webhookSeconds = argument("--seconds").flatMap(Double.init) ?? 10
let skipMinutes = CommandLine.arguments.contains("--skip-minutes")
let skipRestart = CommandLine.arguments.contains("--skip-restart")
let percentile = Bench.percentile
var logger = Logger(label: "bench")
logger.logLevel = .critical

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let single: JSONValue = ["workflow": "tick", "nodes": ["only": ["kind": "transform", "config": ["output": 1]]]]
let zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]

/// Creates `count` schedules, `spec(i)` each, 500 writer units at a time.
func createSchedules(_ store: ScheduleStore, count: Int, context: @escaping @Sendable () -> ChangeContext,
                     spec: @escaping @Sendable (Int) throws -> ScheduleSpec) async throws {
    for start in stride(from: 0, to: count, by: 500) {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in start..<min(count, start + 500) {
                group.addTask {
                    _ = try await store.create(NewSchedule(name: "s-\(index)", workflow: "tick", spec: try spec(index)), context: context())
                }
            }
            try await group.waitForAll()
        }
    }
}

// MARK: - 10,000 schedules on the timer

if !skipMinutes {
    let setup = try await Bench.setUp("triggers-bench")
    defer { setup.remove() }
    _ = try await DefinitionStore(database: setup.database, audit: setup.audit).apply(
        [DefinitionStore.Input(document: try DefinitionDocument.parse(single))], message: nil, deployTo: .dev, context: setup.context())
    let schedules = ScheduleStore(database: setup.database, audit: setup.audit)
    let creating = ContinuousClock.now
    try await createSchedules(schedules, count: 10_000, context: { setup.context() }) { index in
        let cron = index % 50 == 0 ? "* * * * *" : "\(Int.random(in: 0..<60)) * * * *"
        return try ScheduleSpec(when: .recurring(cron), zone: zones[index % zones.count])
    }
    print(String(format: "created 10,000 schedules in %.1f s", Double((ContinuousClock.now - creating).components.seconds)))
    let store = ExecutionStore(database: setup.database, audit: setup.audit, instance: "bench")
    let engine = Engine(store: store, now: Bench.wallNow, logger: logger)
    try await engine.start()

    // Two minute boundaries: the CPU of the quiet part of the minute between them, and of the whole.
    func untilSecond(_ second: Int) async throws {
        let now = Date().timeIntervalSince1970
        let target = (floor(now / 60) + (now.truncatingRemainder(dividingBy: 60) >= Double(second) ? 1 : 0)) * 60 + Double(second)
        try await Task.sleep(for: .milliseconds(Int((target - now) * 1000)))
    }
    try await untilSecond(50)
    _ = engine.takeScheduleLateness()
    let started = Bench.wallNow()
    let wholeCPU = cpuSeconds(), wholeWall = ContinuousClock.now
    try await untilSecond(10)          // the first boundary has fired
    let quietCPU = cpuSeconds(), quietWall = ContinuousClock.now
    try await untilSecond(55)          // no slot is due between :10 and :55
    let quietUsed = cpuSeconds() - quietCPU, quietSpan = ContinuousClock.now - quietWall
    try await untilSecond(10)          // the second boundary has fired
    let wholeUsed = cpuSeconds() - wholeCPU, wholeSpan = ContinuousClock.now - wholeWall
    let committedLate = engine.takeScheduleLateness().map(Double.init)
    await engine.stop()

    let rows: [(planned: Int64, at: Int64, finished: Int64?)] = try await setup.database.read { db in
        try Row.fetchAll(db, sql: """
            SELECT f.planned_at, f.at, e.finished_at FROM schedule_fire f JOIN execution e ON e.id = f.execution_id
            WHERE f.outcome = 'fired' AND f.planned_at >= ?
            """, arguments: [started.millisecondsSinceEpoch]).map { ($0["planned_at"], $0["at"], $0["finished_at"]) }
    }
    let passLate = rows.map { Double($0.at - $0.planned) }
    let doneLate = rows.compactMap { row in row.finished.map { Double($0 - row.planned) } }
    let perMinute = { (used: Double, span: Duration) in used / (Double(span.components.seconds) + Double(span.components.attoseconds) / 1e18) * 60 }
    print(String(format: "10,000 schedules, %d slots fired over two minute boundaries", rows.count))
    print(String(format: "  lateness planned → timer pass   p50 %.1f ms  p99 %.1f ms  max %.1f ms",
                 percentile(passLate, 0.5), percentile(passLate, 0.99), passLate.max() ?? 0))
    print(String(format: "  lateness planned → execution committed p50 %.1f ms  p99 %.1f ms  max %.1f ms (target p99 ≤ 20 ms)",
                 percentile(committedLate, 0.5), percentile(committedLate, 0.99), committedLate.max() ?? 0))
    print(String(format: "  lateness planned → execution done p50 %.1f ms  p99 %.1f ms  max %.1f ms",
                 percentile(doneLate, 0.5), percentile(doneLate, 0.99), doneLate.max() ?? 0))
    print(String(format: "  CPU per minute of wall time: %.2f s while slots fire, %.3f s while none is due",
                 perMinute(wholeUsed, wholeSpan), perMinute(quietUsed, quietSpan)))
}

// MARK: - A restart with 10,000 schedules an hour overdue, per catch-up policy

for (name, policy) in [("skip", CatchUpPolicy.skip), ("latest", .latest), ("all, cap 3", .all(windowMs: 6 * 3_600_000, cap: 3))] where !skipRestart {
    let setup = try await Bench.setUp("triggers-bench-restart")
    defer { setup.remove() }
    _ = try await DefinitionStore(database: setup.database, audit: setup.audit).apply(
        [DefinitionStore.Input(document: try DefinitionDocument.parse(single))], message: nil, deployTo: .dev, context: setup.context())
    // Created an hour ago (the clock below starts an hour later): every */15 slot since is missed.
    let hourAgo = Bench.wallNow().adding(milliseconds: -3_600_000)
    try await createSchedules(ScheduleStore(database: setup.database, audit: setup.audit), count: 10_000, context: {
        ChangeContext(scope: setup.scope, actor: "bench", requestID: nil, now: hourAgo)
    }) { index in try ScheduleSpec(when: .recurring("*/15 * * * *"), zone: zones[index % zones.count], catchUp: policy) }
    let store = ExecutionStore(database: setup.database, audit: setup.audit, instance: "bench")
    let engine = Engine(store: store, now: Bench.wallNow, logger: logger)
    let begin = ContinuousClock.now
    try await engine.start()
    while let next = try await store.nextScheduleDue(), next <= Bench.wallNow().millisecondsSinceEpoch {
        try await Task.sleep(for: .milliseconds(5))
    }
    let settled = ContinuousClock.now - begin
    await engine.stop()
    let (fired, skipped, executions, twice) = try await setup.database.read { db in
        (try Int.fetchOne(db, sql: "SELECT count(*) FROM schedule_fire WHERE outcome = 'fired'") ?? 0,
         try Int.fetchOne(db, sql: "SELECT count(*) FROM schedule_fire WHERE outcome = 'skipped'") ?? 0,
         try Int.fetchOne(db, sql: "SELECT count(*) FROM execution WHERE trigger = 'schedule'") ?? 0,
         try Int.fetchOne(db, sql: "SELECT count(*) FROM (SELECT execution_id FROM schedule_fire WHERE execution_id IS NOT NULL GROUP BY schedule_id, planned_at HAVING count(*) > 1)") ?? 0)
    }
    print(String(format: "restart, 10,000 schedules an hour overdue, %@: settled in %.2f s; %d fired (%d executions), %d skipped, %d fired twice",
                 name, Bench.millis(settled) / 1000, fired, executions, skipped, twice))
}

// MARK: - Webhook deliveries over TCP

let directory = NSTemporaryDirectory() + "agentd-triggers-bench-" + String(UUID().uuidString.prefix(8))
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let socketPath = directory + "/.agentd/agentd.sock"
let process = Process()
process.executableURL = URL(fileURLWithPath: agentdPath)
process.arguments = ["serve", "--dev", "--listen", "127.0.0.1:0", "--socket", socketPath, "--database", directory + "/.agentd/agentd.db"]
process.currentDirectoryURL = URL(fileURLWithPath: directory)
process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AGENTD_") }.merging(["AGENTD_LOG_FORMAT": "logfmt"]) { $1 }
let output = Pipe()
process.standardError = output
process.standardOutput = FileHandle.nullDevice
try process.run()
defer { process.terminate() }
let port: Int = try {
    var seen = ""
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
        let chunk = output.fileHandleForReading.availableData
        seen += String(decoding: chunk, as: UTF8.self)
        if let line = seen.split(separator: "\n").first(where: { $0.contains("transport=tcp") }),
           let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
           let port = address.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: CharacterSet(charactersIn: "\""))) }) {
            return port
        }
    }
    throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "agentd did not start:\n\(seen)"])
}()
// Drain agentd's log so it never blocks on a full pipe.
Thread.detachNewThread { while !output.fileHandleForReading.availableData.isEmpty {} }
let admin = AgentClient(endpoint: .socket(socketPath))
_ = try await admin.call(.POST, "/api/v1/apply", json: ["document": "workflow: ingest\nnodes:\n  a: {kind: transform, config: {output: 1}}\n"])
let hook = try await admin.call(.POST, "/api/v1/webhooks", json: ["name": "bench", "workflow": "ingest", "secret_path": "hooks/bench",
                                                                  "rate_per_minute": 1_000_000]).json ?? [:]
let key = Array((hook["secret"] as? String ?? "").utf8)

let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(connectionPool: .init(idleTimeout: .seconds(60),
                                                                                                       concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))

/// What the senders of one run count.
final class Tally: Sendable {
    let accepted = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
    let samples = Mutex<[Double]>([])
}

/// `senders` loops posting what `request(sender, sequence)` makes for `seconds`: accepted per
/// second (status 202 or 201) and latency percentiles.
func load(_ label: String, senders: Int = 32, client: HTTPClient, seconds: Double,
          _ request: @escaping @Sendable (Int, Int) -> HTTPClientRequest) async throws {
    let tally = Tally()
    let end = ContinuousClock.now + .seconds(seconds)
    let runStart = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for sender in 0..<senders {
            group.addTask {
                var local: [Double] = []
                var sequence = 0
                while ContinuousClock.now < end {
                    sequence += 1
                    let sent = ContinuousClock.now
                    let response = try await client.execute(request(sender, sequence), timeout: .seconds(30))
                    _ = try await response.body.collect(upTo: 1 << 16)
                    local.append(Bench.millis(ContinuousClock.now - sent))
                    if [201, 202].contains(response.status.code) {
                        tally.accepted.add(1, ordering: .relaxed)
                    } else {
                        tally.refused.add(1, ordering: .relaxed)
                    }
                }
                let measured = local
                tally.samples.withLock { $0 += measured }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = Bench.millis(ContinuousClock.now - runStart) / 1000
    let latencies = tally.samples.withLock { $0 }
    let accepted = tally.accepted.load(ordering: .relaxed)
    print(String(format: "%@, %d senders, %.0f s: %.0f accepted/s (%d accepted, %d refused); latency p50 %.2f ms  p99 %.2f ms",
                 label, senders, elapsed, Double(accepted) / elapsed, accepted, tally.refused.load(ordering: .relaxed),
                 percentile(latencies, 0.5), percentile(latencies, 0.99)))
}

let encodedSocket = socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? socketPath
let hookPath = hook["url"] as? String ?? ""
func signed(_ base: String, _ run: String) -> @Sendable (Int, Int) -> HTTPClientRequest {
    let url = base + hookPath, key = key
    return { sender, sequence in
        let body = Array("{\"order\": \(sender * 1_000_000 + sequence)}".utf8)
        let t = Int64(Date().timeIntervalSince1970)
        let mac = WebhookSigner.mac(key: key, message: WebhookSignature.message(timestamp: t, body: body))
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Agentd-Signature", value: WebhookSignature.header(timestamp: t, mac: mac))
        request.headers.add(name: "Agentd-Delivery", value: "\(run)-\(sender)-\(sequence)")
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }
}
print("webhook deliveries (targets over TCP: ≥ 3,000/s, p99 ≤ 5 ms), and in the same run POST /api/v1/executions as the baseline:")
try await load("  webhook over TCP, signature checked", client: client, seconds: webhookSeconds, signed("http://127.0.0.1:\(port)", "tcp"))
for senders in [4, 8, 16] {
    try await load("  webhook over TCP, signature checked", senders: senders, client: client, seconds: webhookSeconds,
                   signed("http://127.0.0.1:\(port)", "tcp\(senders)"))
}
try await load("  webhook over the Unix socket", client: client, seconds: webhookSeconds, signed("http+unix://\(encodedSocket)", "unix"))
try await load("  POST /api/v1/executions over the Unix socket (no signature)", client: client, seconds: webhookSeconds) { sender, sequence in
    var request = HTTPClientRequest(url: "http+unix://\(encodedSocket)/api/v1/executions")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: "{\"workflow\": \"ingest\", \"input\": {\"order\": \(sender * 1_000_000 + sequence)}}"))
    return request
}
try await client.shutdown().get()
