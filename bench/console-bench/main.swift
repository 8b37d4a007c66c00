// Console benchmark (issue 23): the dashboard page with 1,000,000 executions in history.
// A real agentd (release build) on its own SQLite file; the history is written straight into
// that file (each execution inserted running, then ended by an UPDATE, so the same trigger that
// counts a live end into `execution_hour` counts these), spread over the last 30 days with 3 %
// failed and 1 % cancelled. Then, signed in through the console's form, GET /ui/dashboard over
// the Unix socket, sequentially: the time to the whole page, which bounds the server's time
// from above. Also: the page's weight with its stylesheet and script. Targets: p99 <= 10 ms,
// weight <= 100 KB.
// Usage: console-bench [--agentd PATH] [--executions N (default 1000000)] [--requests N (default 1000)]
import AsyncHTTPClient
import Client
import Core
import Foundation
import GRDB

func argument(_ name: String) -> String? {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else { return nil }
    return CommandLine.arguments[index + 1]
}
let agentdPath = argument("--agentd") ?? ".build/release/agentd"
let executionCount = argument("--executions").flatMap(Int.init) ?? 1_000_000
let requests = argument("--requests").flatMap(Int.init) ?? 1000
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}
func percentile(_ sorted: [Double], _ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }

let directory = NSTemporaryDirectory() + "agentd-consolebench-" + String(UUID().uuidString.prefix(8))
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let socketPath = directory + "/.agentd/agentd.sock", databasePath = directory + "/.agentd/agentd.db"

let process = Process()
process.executableURL = URL(fileURLWithPath: agentdPath)
process.arguments = ["serve", "--dev", "--listen", "127.0.0.1:0", "--socket", socketPath, "--database", databasePath]
process.currentDirectoryURL = URL(fileURLWithPath: directory)
// One person asks for the page over a thousand times: above the default hourly limit per user.
process.environment = ProcessInfo.processInfo.environment.merging(["AGENTD_LIMITS_USER_PER_HOUR": "1000000",
                                                                   "AGENTD_LIMITS_ORG_PER_HOUR": "1000000"]) { _, new in new }
process.standardError = FileHandle.nullDevice
try process.run()
defer {
    process.terminate()
    process.waitUntilExit()
}
/// Stops agentd before failing (a fatal error would skip the `defer` and leave it running).
func fail(_ message: String) -> Never {
    process.terminate()
    process.waitUntilExit()
    fatalError(message)
}
// Redirects not followed: the sign-in's 303 carries the session cookie.
let socket = AgentClient(endpoint: .socket(socketPath), http: {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}())
let started = ContinuousClock.now
while ContinuousClock.now - started < .seconds(20) {
    if FileManager.default.fileExists(atPath: socketPath), let response = try? await socket.send(.GET, "/readyz"), response.status == 200 { break }
    try await Task.sleep(for: .milliseconds(20))
}

func json(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object) }
let headers = [("Content-Type", "application/json")]
_ = try await socket.send(.POST, "/api/v1/users", body: try json(["login": "dana", "role": "admin"]), headers: headers)
_ = try await socket.send(.PUT, "/api/v1/users/dana/password", body: try json(["password": "console bench secret"]), headers: headers)
let applied = try await socket.send(.POST, "/api/v1/apply", body: try json(["document": "workflow: nightly\nnodes:\n  only: {kind: transform, config: {output: 1}}\n"]),
                                    headers: headers)
guard applied.status == 200 else { fail("apply answered \(applied.status)") }

// The history, in batches of 10,000 per transaction beside the running daemon (WAL).
let database = try DatabasePool(path: databasePath, configuration: {
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    return configuration
}())
let (orgID, workflowID) = try await database.read { db in
    (try String.fetchOne(db, sql: "SELECT org_id FROM workflow WHERE name = 'nightly'")!, try String.fetchOne(db, sql: "SELECT id FROM workflow WHERE name = 'nightly'")!)
}
let now = Int64(Date().timeIntervalSince1970 * 1000)
let span: Int64 = 30 * 86_400_000
let loading = ContinuousClock.now
var generator = SystemRandomNumberGenerator()
for batch in stride(from: 0, to: executionCount, by: 10_000) {
    let range = batch..<min(executionCount, batch + 10_000)
    let rows = range.map { index -> (String, Int64, Int64, String) in
        let created = now - span + span * Int64(index) / Int64(executionCount)
        let took = Int64.random(in: 10...60_000, using: &generator)
        let roll = Int.random(in: 0..<100, using: &generator)
        // Real IDs: the pages parse them back.
        let id = ExecutionID.generate(at: Instant(millisecondsSinceEpoch: created), using: &generator).rawValue
        return (id, created, min(now, created + took), roll < 3 ? "failed" : roll < 4 ? "cancelled" : "succeeded")
    }
    try await database.write { db in
        let insert = try db.makeStatement(sql: """
            INSERT INTO execution (id, org_id, workflow_id, workflow_name, workflow_version, environment, status, input, trigger, steps_total, steps_done,
                                   created_by, created_at)
            VALUES (?, ?, ?, 'nightly', 1, 'dev', 'running', '{}', 'schedule', 1, 0, 'bench', ?)
            """)
        let end = try db.makeStatement(sql: "UPDATE execution SET status = ?, steps_done = 1, finished_at = ?, error = ? WHERE id = ?")
        for (id, created, finished, status) in rows {
            try insert.execute(arguments: [id, orgID, workflowID, created])
            try end.execute(arguments: [status, finished, status == "failed" ? #"{"kind":"timeout","message":"upstream took too long"}"# : nil, id])
        }
    }
}
let counted = try await database.read { db in try Int.fetchOne(db, sql: "SELECT sum(n) FROM execution_hour") ?? 0 }
say(String(format: "history: %d executions written in %.1f s; execution_hour counts %d of them in %d rows", executionCount,
           milliseconds(ContinuousClock.now - loading) / 1000, counted,
           try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM execution_hour") ?? 0 }))
try database.close()

// Signed in as a browser is: the console's form, then the session cookie.
let signIn = try await socket.send(.POST, "/ui/login", body: Data("login=dana&password=console+bench+secret".utf8),
                                   headers: [("Content-Type", "application/x-www-form-urlencoded")])
guard signIn.status == 303, let setCookie = signIn.header("Set-Cookie") else { fail("sign-in answered \(signIn.status)") }
let cookie = [("Cookie", String(setCookie.split(separator: ";")[0]))]

var page = try await socket.send(.GET, "/ui/dashboard", headers: cookie)
guard page.status == 200 else { fail("dashboard answered \(page.status)") }
let html = String(decoding: page.body, as: UTF8.self)
var weight = page.body.count
for match in html.matches(of: /(?:src|href)="(\/ui\/assets\/[^"]+)"/) {
    weight += try await socket.send(.GET, String(match.1)).body.count
}
for _ in 0..<50 { page = try await socket.send(.GET, "/ui/dashboard", headers: cookie) }
var times: [Double] = []
for _ in 0..<requests {
    let began = ContinuousClock.now
    page = try await socket.send(.GET, "/ui/dashboard", headers: cookie)
    times.append(milliseconds(ContinuousClock.now - began))
    guard page.status == 200 else { fail("dashboard answered \(page.status)") }
}
times.sort()
say(String(format: "GET /ui/dashboard x %d (Unix socket, sequential): p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 <= 10 ms)",
           requests, percentile(times, 0.5), percentile(times, 0.99), times.last ?? 0))
say(String(format: "page weight with its stylesheet and script: %.1f KB (target <= 100 KB)", Double(weight) / 1024))
