import Core
import Foundation
import AgentSecurity
import Storage

/// What the engine and llm benchmarks share: timing arithmetic, the test suite's loopback
/// fixtures, and a fresh database with one org.
public enum Bench {
    public static func millis(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
    }

    public static func percentile(_ samples: [Double], _ q: Double) -> Double {
        let sorted = samples.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
    }

    /// User and system CPU time this process has used, in seconds.
    public static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    public static func wallNow() -> Instant { Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)) }

    /// Starts one of the test suite's Python fixtures (`upstream.py`, `modelserver.py`) on
    /// loopback; it exits when this process does (its stdin closes). Returns it and its port.
    public static func fixture(_ name: String, environment: [String: String] = [:], file: String = #filePath) throws -> (Process, port: Int) {
        let server = Process()
        if !environment.isEmpty { server.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/DaemonTests/Fixtures/\(name)").path
        server.arguments = ["python3", script]
        let output = Pipe()
        server.standardOutput = output
        server.standardInput = Pipe()
        try server.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 10 { line.append(first) }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else { throw CocoaError(.fileReadCorruptFile) }
        return (server, port)
    }

    /// A database at synchronous=FULL in a new temporary directory, its writer started, with
    /// one org; the scope of that org's admin.
    public struct Setup: Sendable {
        public let directory: String
        public let database: AgentDatabase
        public let audit: AuditLog
        public let scope: Scope

        public func context() -> ChangeContext { ChangeContext(scope: scope, actor: "bench", requestID: nil, now: Bench.wallNow()) }

        public func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    public static func setUp(_ name: String) async throws -> Setup {
        _ = ChainDigest.prepare()
        let directory = NSTemporaryDirectory() + "agentd-\(name)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = try AgentDatabase(options: DatabaseOptions(path: directory + "/agentd.db", synchronous: .full), now: wallNow())
        database.writer.start()
        let audit = AuditLog(database: database, digest: ChainDigest.sha256)
        let installation = Scope(orgID: OrgID.generate(at: wallNow()), reach: .installation, roles: [.admin])
        let org = try await OrgStore(database: database, audit: audit).create(
            name: "bench", displayName: nil, context: ChangeContext(scope: installation, actor: "bench", requestID: nil, now: wallNow()))
        return Setup(directory: directory, database: database, audit: audit, scope: Scope(orgID: org.id, reach: .org, roles: [.admin]))
    }
}
