// API benchmark against a real agentd (release build):
//   - time from exec to GET /readyz = 200 over the Unix socket (target <= 300 ms)
//   - the daemon's RSS when idle (target <= 50 MB)
//   - GET /api/v1/orgs/{id} at a fixed 1,000 requests/s for 10 s over the Unix socket, open loop:
//     latency is measured from each request's scheduled start, so a stall counts against
//     every request it delays (no coordinated omission). Target p99 <= 2 ms.
// Usage: api-bench --agentd PATH [--rate N] [--seconds S]
import AsyncHTTPClient
import Client
import Foundation

func argument(_ name: String) -> String? {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else { return nil }
    return CommandLine.arguments[index + 1]
}

let agentdPath = argument("--agentd") ?? ".build/release/agentd"
let rate = argument("--rate").flatMap(Int.init) ?? 1000
let seconds = argument("--seconds").flatMap(Int.init) ?? 10

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func rssMegabytes(pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return -1 }
    return kilobytes / 1024
}

let directory = NSTemporaryDirectory() + "agentd-apibench-" + String(UUID().uuidString.prefix(8))
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let socketPath = directory + "/.agentd/agentd.sock"

let process = Process()
process.executableURL = URL(fileURLWithPath: agentdPath)
process.arguments = ["serve", "--dev", "--listen", "127.0.0.1:0", "--socket", socketPath, "--database", directory + "/.agentd/agentd.db"]
process.currentDirectoryURL = URL(fileURLWithPath: directory)
process.standardError = FileHandle.nullDevice
let client = AgentClient(endpoint: .socket(socketPath))

let execAt = ContinuousClock.now
try process.run()
var readyAfter: Duration?
while ContinuousClock.now - execAt < .seconds(10) {
    if FileManager.default.fileExists(atPath: socketPath),
       let response = try? await client.send(.GET, "/readyz"), response.status == 200 {
        readyAfter = ContinuousClock.now - execAt
        break
    }
    try await Task.sleep(for: .milliseconds(1))
}
guard let readyAfter else { print("agentd did not become ready"); process.terminate(); exit(1) }

let org = try await client.call(.POST, "/api/v1/orgs", json: ["name": "bench"]).json?["id"] as? String ?? "bench"
try await Task.sleep(for: .seconds(1))
let idleRSS = rssMegabytes(pid: process.processIdentifier)

// Warm up connections, then run the fixed-rate load.
for _ in 0..<200 { _ = try await client.call(.GET, "/api/v1/orgs/\(org)") }
let total = rate * seconds
let interval = Duration.nanoseconds(1_000_000_000 / Int64(rate))
let start = ContinuousClock.now + .milliseconds(50)
let results = await withTaskGroup(of: (Double, Bool, Double).self) { group in
    for index in 0..<total {
        let scheduled = start + interval * index
        group.addTask {
            try? await Task.sleep(until: scheduled, clock: .continuous)
            let lateness = milliseconds(ContinuousClock.now - scheduled)
            let ok = (try? await client.send(.GET, "/api/v1/orgs/\(org)"))?.status == 200
            return (milliseconds(ContinuousClock.now - scheduled), ok, lateness)
        }
    }
    var collected: [(Double, Bool, Double)] = []
    collected.reserveCapacity(total)
    for await result in group { collected.append(result) }
    return collected
}
let latencies = results.map(\.0).sorted()
let lateness = results.map(\.2).sorted()
let failures = results.filter { !$0.1 }.count
func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
let loadedRSS = rssMegabytes(pid: process.processIdentifier)
// The daemon's own view: its latency histogram for this route, from /metrics.
let metricsText = (try? await AgentClient(endpoint: .socket(socketPath)).send(.GET, "/metrics"))
    .map { String(decoding: $0.body, as: UTF8.self) } ?? ""
let serverP99 = histogramQuantile(0.99, metrics: metricsText,
    series: #"agentd_http_request_duration_seconds_bucket{method="GET",route="/api/v1/orgs/{org}""#)
kill(process.processIdentifier, SIGTERM)
process.waitUntilExit()

print("api benchmark: agentd \(agentdPath), Unix socket")
print(String(format: "exec -> /readyz 200:  %.1f ms   (target <= 300 ms)", milliseconds(readyAfter)))
print(String(format: "RSS idle:             %.1f MB   (target <= 50 MB)", idleRSS))
print(String(format: "GET /api/v1/orgs/{id} at %d req/s for %d s: %d requests, %d failed", rate, seconds, total, failures))
print(String(format: "latency from scheduled start: p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms   (target p99 <= 2 ms)",
             percentile(0.5), percentile(0.9), percentile(0.99), latencies.last ?? 0))
print(String(format: "load generator's own timer lateness: p50 %.3f ms  p99 %.3f ms (included above)",
             lateness[lateness.count / 2], lateness[min(lateness.count - 1, Int(Double(lateness.count) * 0.99))]))
let serverP50 = histogramQuantile(0.5, metrics: metricsText,
    series: #"agentd_http_request_duration_seconds_bucket{method="GET",route="/api/v1/orgs/{org}""#)
print("server-side (daemon's histogram, bucket upper bounds): p50 \(serverP50.map { String(format: "<= %.2f ms", $0 * 1000) } ?? "n/a")"
    + ", p99 \(serverP99.map { String(format: "<= %.2f ms", $0 * 1000) } ?? "n/a")")
print(String(format: "RSS after load:       %.1f MB; exit status %d", loadedRSS, process.terminationStatus))

/// The upper bound of the histogram bucket holding quantile `q` (Prometheus text format).
func histogramQuantile(_ q: Double, metrics: String, series: String) -> Double? {
    var buckets: [(Double, Double)] = []
    for line in metrics.split(separator: "\n") where line.hasPrefix(series) {
        guard let leRange = line.range(of: #"le=""#) else { continue }
        let rest = line[leRange.upperBound...]
        guard let close = rest.firstIndex(of: "\""), let count = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
        let bound = rest[..<close] == "+Inf" ? Double.infinity : Double(rest[..<close]) ?? .infinity
        buckets.append((bound, count))
    }
    buckets.sort { $0.0 < $1.0 }
    guard let total = buckets.last?.1, total > 0 else { return nil }
    return buckets.first { $0.1 >= q * total }?.0
}
