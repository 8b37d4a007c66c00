// Search benchmark (issue 20): GET /api/v1/search over 1,000,000 executions and 10,000
// workflows. A real agentd (release build) on its own SQLite file; the history is written
// straight into that file beside the running daemon, each execution inserted running and then
// ended, so the triggers that index a live end index these (the time it takes is printed).
//
// The text is made to look like a site's: workflows named from a few domains, with a
// description, tags and a document; each execution's input names a customer, an invoice and
// a note of 4-8 words drawn from a vocabulary of 2,000 with a Zipf-like skew; 4 % fail with
// one of a few dozen error messages, 1 % are cancelled; five teams own 80 % of the workflows.
//
// Then two callers search, sequentially, over the Unix socket (the org's administrator by uid:
// sees everything) and over TCP (a developer of one team: the team filter in the index): each
// query 200 times, two words and a filter. Client-side time to the whole answer, which bounds
// the server's from above. Target: p99 <= 30 ms.
// Usage: search-bench [--agentd PATH] [--executions N (default 1000000)] [--workflows N (default 10000)] [--requests N (default 200)]
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
let workflowCount = argument("--workflows").flatMap(Int.init) ?? 10_000
let requests = argument("--requests").flatMap(Int.init) ?? 200
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}
func percentile(_ sorted: [Double], _ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }

let directory = NSTemporaryDirectory() + "agentd-searchbench-" + String(UUID().uuidString.prefix(8))
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let socketPath = directory + "/.agentd/agentd.sock", databasePath = directory + "/.agentd/agentd.db"

let process = Process()
process.executableURL = URL(fileURLWithPath: agentdPath)
process.arguments = ["serve", "--dev", "--listen", "127.0.0.1:0", "--socket", socketPath, "--database", databasePath]
process.currentDirectoryURL = URL(fileURLWithPath: directory)
// Every ended execution indexed (`all`, not the default `failed`): the largest index to search.
process.environment = ProcessInfo.processInfo.environment.merging(["AGENTD_SEARCH_EXECUTIONS": "all",
                                                                   "AGENTD_LIMITS_USER_PER_HOUR": "1000000", "AGENTD_LIMITS_KEY_PER_HOUR": "1000000",
                                                                   "AGENTD_LIMITS_ORG_PER_HOUR": "1000000"]) { _, new in new }
let errors = Pipe()
process.standardError = errors
try process.run()
defer {
    process.terminate()
    process.waitUntilExit()
}
func fail(_ message: String) -> Never {
    process.terminate()
    process.waitUntilExit()
    fatalError(message)
}
let socket = AgentClient(endpoint: .socket(socketPath))
let started = ContinuousClock.now
while ContinuousClock.now - started < .seconds(20) {
    if FileManager.default.fileExists(atPath: socketPath), let response = try? await socket.send(.GET, "/readyz"), response.status == 200 { break }
    try await Task.sleep(for: .milliseconds(20))
}
// The TCP port agentd chose, from its log.
var tcpPort: Int?
var logged = ""
while tcpPort == nil, ContinuousClock.now - started < .seconds(20) {
    logged += String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
    if let line = logged.split(separator: "\n").first(where: { $0.contains("transport=tcp") }),
       let match = line.firstMatch(of: /address=[^ ]*:(\d+)/) { tcpPort = Int(match.1) }
}
guard let tcpPort else { fail("agentd did not say its TCP port: \(logged.suffix(500))") }
// Keep reading its log so it never blocks on a full pipe.
errors.fileHandleForReading.readabilityHandler = { _ = $0.availableData }

let teams = ["payments", "billing", "support", "logistics", "hr"]
for team in teams { _ = try await socket.call(.POST, "/api/v1/teams", json: ["name": team]) }
_ = try await socket.call(.POST, "/api/v1/users", json: ["login": "dev", "role": "developer"])
_ = try await socket.call(.PUT, "/api/v1/teams/payments/members/dev", json: [:])
let key = try await socket.call(.POST, "/api/v1/api-keys", json: ["name": "bench", "user": "dev"]).json?["token"] as? String ?? ""
var member = AgentClient(endpoint: .url("http://127.0.0.1:\(tcpPort)"))
member.bearerToken = key
_ = try await socket.call(.POST, "/api/v1/apply", json: ["document": "workflow: seed\nnodes:\n  only: {kind: transform, config: {output: 1}}\n"])

// The vocabulary: a few hundred real words a site's payloads hold, then made-up ones, drawn
// with a Zipf-like skew (the k-th word about 1/k as often as the first).
let common = """
    invoice payment refund customer ledger account order shipment delivery supplier contract approval review escalation ticket
    priority urgent monthly quarterly annual report summary total balance amount currency transfer wire card charge dispute
    chargeback credit debit tax vat receipt purchase vendor employee payroll salary bonus leave request onboarding offboarding
    access reset password login session device laptop network outage incident upstream downstream service latency retry
    timeout error failure warning notice reminder deadline schedule calendar meeting agenda minutes note comment feedback
    survey rating complaint compliance audit policy risk control exception threshold limit budget forecast plan target region
    north south east west central warehouse stock inventory item product catalogue price discount promotion campaign lead
    opportunity renewal cancellation subscription plan tier upgrade downgrade migration import export sync batch nightly
    """.split(whereSeparator: \.isWhitespace).map(String.init)
let vocabulary = common + (0..<(2000 - common.count)).map { "term\($0)" }
let weights = (1...vocabulary.count).map { 1.0 / Double($0) }
let cumulative = weights.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1) }
var random = SystemRandomNumberGenerator()
func word() -> String {
    var generator = SystemRandomNumberGenerator()  // stateless: one per call costs nothing
    let target = Double.random(in: 0..<cumulative.last!, using: &generator)
    var low = 0, high = cumulative.count - 1
    while low < high {
        let middle = (low + high) / 2
        if cumulative[middle] < target { low = middle + 1 } else { high = middle }
    }
    return vocabulary[low]
}
func words(_ range: ClosedRange<Int>) -> String { (0..<Int.random(in: range)).map { _ in word() }.joined(separator: " ") }
let failures = ["upstream timeout after 30 s", "HTTP 502 from the ledger service", "HTTP 429 too many requests", "connection refused by the payment gateway",
                "the model answered no valid JSON", "budget exceeded for the team", "approval rejected by the reviewer", "invalid invoice number",
                "customer record not found", "TLS handshake failed with the supplier portal", "the export file is too large", "deadline passed"]

let database = try DatabasePool(path: databasePath, configuration: {
    var configuration = Configuration()
    configuration.busyMode = .timeout(30)
    return configuration
}())
let orgID = try await database.read { db in try String.fetchOne(db, sql: "SELECT org_id FROM workflow WHERE name = 'seed'")! }
let teamIDs = try await database.read { db in try String.fetchAll(db, sql: "SELECT id FROM team ORDER BY name") }
let now = Int64(Date().timeIntervalSince1970 * 1000)

// The workflows, each with a version, tags and (half of them) a deployment.
let domains = ["invoice", "payment", "refund", "support", "ticket", "payroll", "ledger", "shipment", "onboarding", "audit"]
let tagNames = ["billing", "finance", "ops", "support", "hr", "nightly", "critical", "pilot"]
var workflows: [(id: String, name: String, team: String?)] = []
let loading = ContinuousClock.now
for batch in stride(from: 0, to: workflowCount, by: 1000) {
    var rows: [(String, String, String?, String, String, [String])] = []
    for index in batch..<min(workflowCount, batch + 1000) {
        let id = WorkflowID.generate(at: Instant(millisecondsSinceEpoch: now), using: &random).rawValue
        let name = "\(domains[index % domains.count])-\(word())-\(index)"
        let team: String? = index % 5 == 4 ? nil : teamIDs[index % teamIDs.count]
        let document = "workflow: \(name)\ndescription: \(words(4...8))\nnodes:\n  fetch: {kind: http, config: {url: \"https://\(word()).corp.local/\(word())\"}}\n"
            + "  ask: {kind: llm, config: {model: local, prompt: \"\(words(8...16))\"}}\nedges: [\"fetch -> ask\"]\n"
        rows.append((id, name, team, words(4...8), document, [tagNames[index % tagNames.count], tagNames[(index / 8) % tagNames.count]]))
        workflows.append((id, name, team))
    }
    let prepared = rows
    try await database.write { db in
        for (id, name, team, description, document, tags) in prepared {
            try db.execute(sql: """
                INSERT INTO workflow (id, org_id, team_id, name, description, latest_version, created_at, created_by, updated_at, updated_by)
                VALUES (?, ?, ?, ?, ?, 1, ?, 'bench', ?, 'bench')
                """, arguments: [id, orgID, team, name, description, now, now])
            try db.execute(sql: "INSERT INTO workflow_version (workflow_id, version, document, pins, content_hash, created_at, created_by) VALUES (?, 1, ?, '{}', 'h', ?, 'bench')",
                           arguments: [id, document, now])
            for tag in Set(tags) { try db.execute(sql: "INSERT INTO definition_tag (org_id, owner_id, tag) VALUES (?, ?, ?)", arguments: [orgID, id, tag]) }
        }
    }
}
say(String(format: "workflows: %d written (and indexed) in %.1f s", workflowCount, milliseconds(ContinuousClock.now - loading) / 1000))

// The history, in batches of 10,000 per transaction.
let history = ContinuousClock.now
let span: Int64 = 30 * 86_400_000
for batch in stride(from: 0, to: executionCount, by: 10_000) {
    var rows: [(String, String, String?, String, Int64, Int64, String, String, String?, String?)] = []
    for index in batch..<min(executionCount, batch + 10_000) {
        // Busy workflows run more: the square of a uniform draw leans to the first ones.
        let workflow = workflows[Int(Double(workflows.count) * pow(Double.random(in: 0..<1, using: &random), 2))]
        let created = now - span + span * Int64(index) / Int64(executionCount)
        let id = ExecutionID.generate(at: Instant(millisecondsSinceEpoch: created), using: &random).rawValue
        let roll = Int.random(in: 0..<100, using: &random)
        let status = roll < 4 ? "failed" : roll < 5 ? "cancelled" : "succeeded"
        let input = #"{"customer": "C-\#(Int.random(in: 10_000...99_999, using: &random))", "invoice": "INV-2026-\#(Int.random(in: 1...999_999, using: &random))", "note": "\#(words(4...8))"}"#
        let output = status == "succeeded" ? #"{"answer": "\#(words(3...10))"}"# : nil
        let error = status == "failed" ? #"{"node": "fetch", "error": {"kind": "step", "message": "\#(failures.randomElement(using: &random)!)"}}"# : nil
        rows.append((id, workflow.id, workflow.team, workflow.name, created, created + Int64.random(in: 50...60_000, using: &random), status, input, output, error))
    }
    let prepared = rows
    try await database.write { db in
        let insert = try db.makeStatement(sql: """
            INSERT INTO execution (id, org_id, team_id, workflow_id, workflow_name, workflow_version, environment, status, input, trigger, steps_total,
                                   steps_done, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, 1, 'dev', 'running', ?, 'schedule', 2, 0, 'bench', ?)
            """)
        let end = try db.makeStatement(sql: "UPDATE execution SET status = ?, steps_done = 2, finished_at = ?, output = ?, error = ? WHERE id = ?")
        for (id, workflow, team, name, created, finished, status, input, output, error) in prepared {
            try insert.execute(arguments: [id, orgID, team, workflow, name, input, created])
            try end.execute(arguments: [status, min(now, finished), output, error, id])
        }
    }
}
let indexed = try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM search_doc WHERE kind = 'execution'") ?? 0 }
say(String(format: "history: %d executions written and indexed (%d in the index) in %.1f s", executionCount, indexed,
           milliseconds(ContinuousClock.now - history) / 1000))
let sizes = try await database.read { db in
    try Row.fetchAll(db, sql: "SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name IN ('execution', 'search_doc', 'sqlite_autoindex_search_doc_1') OR name LIKE '%fts%' GROUP BY name")
        .map { ($0["name"] as String, $0["bytes"] as Int64) }
}
let indexBytes = sizes.filter { $0.0 != "execution" }.map(\.1).reduce(0, +), executionBytes = sizes.first { $0.0 == "execution" }?.1 ?? 0
say(String(format: "index on disk: %.0f MB (the execution table: %.0f MB)", Double(indexBytes) / 1_048_576, Double(executionBytes) / 1_048_576))
try database.close()

let queries = ["invoice timeout status:failed", "refund customer since:7d", "ledger payment type:execution", "payroll report tag:hr",
               "upstream timeout team:payments", "\"payment gateway\" since:30d", "invoice -refund status:succeeded", "monthly total type:workflow"]
func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
var everything: [Double] = []
for (label, client) in [("org admin (socket)", socket), ("team developer (TCP, key)", member)] {
    say("\(label):")
    for query in queries {
        let path = "/api/v1/search?q=" + encode(query)
        var answer = try await client.send(.GET, path)
        guard answer.status == 200, let json = answer.json else { fail("\(query): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))") }
        for _ in 0..<5 { answer = try await client.send(.GET, path) }
        var times: [Double] = []
        for _ in 0..<requests {
            let began = ContinuousClock.now
            answer = try await client.send(.GET, path)
            times.append(milliseconds(ContinuousClock.now - began))
            guard answer.status == 200 else { fail("\(query): \(answer.status)") }
        }
        times.sort()
        everything += times
        let counts = (json["counts"] as? [String: Int] ?? [:]).filter { $0.value > 0 }.sorted { $0.key < $1.key }
            .map { "\($0.value)\(((json["more"] as? [String]) ?? []).contains($0.key) ? "+" : "") \($0.key)" }.joined(separator: ", ")
        say(String(format: "  %-34@ p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (%@)", "\"\(query)\"" as NSString, percentile(times, 0.5),
                   percentile(times, 0.99), times.last ?? 0, (counts.isEmpty ? "nothing" : counts) as NSString))
    }
}
everything.sort()
say(String(format: "all %d searches: p50 %.2f ms, p99 %.2f ms (target p99 <= 30 ms)", everything.count, percentile(everything, 0.5), percentile(everything, 0.99)))
