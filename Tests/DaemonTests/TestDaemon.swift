import Client
import Foundation
import Testing

/// The real `agentd` binary, started on a temp directory, a temp socket and a free TCP port.
///
/// `start` returns once the daemon logged `msg=ready` (both listeners up, the engine recovered); the TCP port is read
/// from its `listening` log line. `stop` sends SIGTERM and returns the exit status.
final class TestDaemon: @unchecked Sendable {
    let directory: String
    let socketPath: String
    let databasePath: String
    let process: Process
    let log: LogCollector
    private(set) var tcpPort = 0

    /// The clients of this daemon. Every response they receive is checked against the OpenAPI
    /// document (Contract/OpenAPIContract.swift); a mismatch is an issue of the running test.
    var socket: AgentClient { Self.checked(AgentClient(endpoint: .socket(socketPath))) }
    var tcp: AgentClient { Self.checked(AgentClient(endpoint: .url("http://127.0.0.1:\(tcpPort)"))) }

    private static func checked(_ client: AgentClient) -> AgentClient {
        var client = client
        client.onResponse = ContractDocument.observer
        return client
    }

    /// The directory holding the built products (agentd, agentctl): the test bundle's own.
    static var binaries: String {
        if let dir = ProcessInfo.processInfo.environment["AGENTD_TEST_BIN_DIR"] { return dir }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    }

    static func makeDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "agentd-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    init(directory: String? = nil, arguments: [String] = [], environment: [String: String] = [:]) throws {
        self.directory = try directory ?? Self.makeDirectory()
        socketPath = self.directory + "/.agentd/agentd.sock"
        databasePath = self.directory + "/.agentd/agentd.db"
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaries + "/agentd")
        process.arguments = ["serve", "--dev", "--listen", "127.0.0.1:0", "--socket", socketPath,
                             "--database", databasePath] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: self.directory)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AGENTD_") }
        // The suite's fake upstreams listen on 127.0.0.1, which the egress policy denies by
        // default: every test daemon allows it, explicitly (and so narrows egress to it). A
        // test about the default passes AGENTD_EGRESS_ALLOW = "".
        env["AGENTD_EGRESS_ALLOW"] = "127.0.0.1/32"
        env.merge(environment) { _, new in new }
        process.environment = env
        log = LogCollector()
        process.standardError = log.pipe
        process.standardOutput = FileHandle.nullDevice
    }

    /// Starts a daemon and waits until it is ready.
    static func start(directory: String? = nil, arguments: [String] = [],
                      environment: [String: String] = [:]) async throws -> TestDaemon {
        let daemon = try TestDaemon(directory: directory, arguments: arguments, environment: environment)
        try daemon.process.run()
        guard let ready = try await daemon.log.waitFor(timeout: .seconds(30), { $0.contains("msg=ready") || $0.contains("level=critical") }),
              ready.contains("msg=ready") else {
            daemon.process.terminate()
            throw TestFailure("agentd did not become ready:\n\(daemon.log.text)")
        }
        guard let line = daemon.log.lines.first(where: { $0.contains("transport=tcp") }),
              let address = LogCollector.field("address", in: line),
              let port = address.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw TestFailure("no TCP address in the log:\n\(daemon.log.text)")
        }
        daemon.tcpPort = port
        // Before the test's own requests, so a test counting requests (metrics) is not disturbed.
        await ContractDocument.shared.load(socketPath: daemon.socketPath)
        return daemon
    }

    /// Runs `body` against a fresh daemon, then stops it and expects a clean exit.
    static func run(arguments: [String] = [], environment: [String: String] = [:], _ body: (TestDaemon) async throws -> Void) async throws {
        let daemon = try await start(arguments: arguments, environment: environment)
        do {
            try await body(daemon)
        } catch {
            _ = try? await daemon.stop()
            throw error
        }
        let status = try await daemon.stop()
        #expect(status == 0, "agentd exited with \(status):\n\(daemon.log.text)")
        try? FileManager.default.removeItem(atPath: daemon.directory)
    }

    /// Sends SIGTERM and waits for the process to exit; returns its exit status.
    func stop(timeout: Duration = .seconds(30)) async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        return try await waitForExit(timeout: timeout)
    }

    /// A test that failed before it stopped its daemon must not leave it running beside the
    /// rest of the suite (a held upstream call, a hung wait): it is killed with its handle.
    deinit {
        let pid = process.processIdentifier
        if pid > 0, ChildExit.isRunning(pid) { kill(pid, SIGKILL) }
    }

    /// Waits for the process to exit (`ChildExit.wait`); fails with its log after `timeout`.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        guard let status = try await ChildExit.wait(for: process, timeout: timeout) else {
            let state = ChildExit.describe(process.processIdentifier)
            process.terminate()
            throw TestFailure("agentd did not exit in time (\(state)):\n\(log.text)")
        }
        return status
    }
}

extension TestDaemon {
    /// Sends `GET path` over the socket as uid/gid 65534 (nobody), from a child process, and
    /// returns the raw HTTP response. Opens the socket to others first: the test is about what
    /// the daemon decides, not about file permissions.
    func getAsNobody(_ path: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        chmod(directory, 0o755)
        chmod(directory + "/.agentd", 0o755)
        chmod(socketPath, 0o666)
        let script = """
            import os, socket, sys
            os.setgid(65534); os.setuid(65534)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            s.sendall(("GET " + sys.argv[2] + " HTTP/1.1\\r\\nHost: agentd\\r\\nConnection: close\\r\\n\\r\\n").encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            sys.stdout.write(data.decode())
            """
        return try await runProgram("/usr/bin/env", ["python3", "-c", script, socketPath, path])
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Collects a process's stderr lines as they arrive and lets tests wait for one.
final class LogCollector: @unchecked Sendable {
    let pipe = Pipe()
    private let lock = NSLock()
    private var buffer = ""
    private var collected: [String] = []

    init() {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { handle.readabilityHandler = nil; return }
            self.lock.lock()
            self.buffer += String(decoding: data, as: UTF8.self)
            while let newline = self.buffer.firstIndex(of: "\n") {
                self.collected.append(String(self.buffer[..<newline]))
                self.buffer = String(self.buffer[self.buffer.index(after: newline)...])
            }
            self.lock.unlock()
        }
    }

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }

    var text: String { lines.joined(separator: "\n") }

    /// Polls (with a deadline) until a line matches; returns it, or nil on timeout.
    func waitFor(timeout: Duration = .seconds(10), _ match: (String) -> Bool) async throws -> String? {
        let deadline = ContinuousClock.now + timeout
        repeat {
            if let line = lines.first(where: match) { return line }
            try await Task.sleep(for: .milliseconds(5))
        } while ContinuousClock.now < deadline
        return lines.first(where: match)
    }

    /// The value of `key=value` (or `key="value"`) in a logfmt line.
    static func field(_ key: String, in line: String) -> String? {
        guard let range = line.range(of: " \(key)=") else { return nil }
        let rest = line[range.upperBound...]
        if rest.hasPrefix("\"") {
            return rest.dropFirst().split(separator: "\"", maxSplits: 1).first.map(String.init)
        }
        return rest.split(separator: " ", maxSplits: 1).first.map(String.init)
    }
}

/// Runs a program to completion, returning its exit status, stdout and stderr; with `input`,
/// that is its standard input (otherwise /dev/null).
///
/// Nothing here blocks a thread or waits for Foundation's notice of the exit: the three streams
/// are files, and the exit is read from the kernel on a poll with a deadline. Corelibs
/// Foundation learns of a child's exit from a socket that children spawned meanwhile inherit
/// (swift-corelibs-foundation#4795), so `waitUntilExit`, or a pipe's end of file, can wait for as
/// long as some other test's daemon lives; one such wait on the tests' pool (a thread per core)
/// stalled a whole CI run until it was cut off at 90 minutes.
func runProgram(_ path: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:],
                directory: String? = nil, timeout: Duration = .seconds(120)) async throws -> (status: Int32, stdout: String, stderr: String) {
    let files = NSTemporaryDirectory() + "agentd-program-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: files) }
    let (inPath, outPath, errPath) = (files + "/in", files + "/out", files + "/err")
    for file in [inPath, outPath, errPath] { _ = FileManager.default.createFile(atPath: file, contents: nil) }
    try Data((input ?? "").utf8).write(to: URL(fileURLWithPath: inPath))

    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AGENTD_") && !$0.key.hasPrefix("AGENTCTL_") }
    env.merge(environment) { _, new in new }
    process.environment = env
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.standardInput = input == nil ? FileHandle.nullDevice : FileHandle(forReadingAtPath: inPath)
    process.standardOutput = FileHandle(forWritingAtPath: outPath)
    process.standardError = FileHandle(forWritingAtPath: errPath)
    try process.run()
    func read(_ file: String) -> String { String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self) }
    guard let status = try await ChildExit.wait(for: process, timeout: timeout) else {
        process.terminate()
        throw TestFailure("\(path) \(arguments.joined(separator: " ")) did not exit within \(timeout) (\(ChildExit.describe(process.processIdentifier)))"
                          + "\nstdout: \(read(outPath))\nstderr: \(read(errPath))")
    }
    return (status, read(outPath), read(errPath))
}
