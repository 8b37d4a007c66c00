import Client
import Foundation
import Testing

/// Every audit event forwarded, in order and at least once, against the real daemon: to a JSON
/// lines file, and to a syslog collector over TLS that goes away (the lag and the error show in
/// `agentctl status`) and comes back (the forwarder catches up, nothing lost).
@Suite(.serialized) struct AuditForwardTests {
    /// The audit chain as the daemon exports it: seq → hash.
    func chain(_ daemon: TestDaemon) async throws -> [Int: String] {
        let response = try await daemon.socket.send(.GET, "/api/v1/audit/export")
        var hashes: [Int: String] = [:]
        for line in String(decoding: response.body, as: UTF8.self).split(separator: "\n") {
            let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            if let seq = event["seq"] as? Int, let hash = event["hash"] as? String { hashes[seq] = hash }
        }
        return hashes
    }

    /// Polls `read` until it holds every event of the chain (seq → hash), or fails at the deadline.
    func waitForAll(_ daemon: TestDaemon, _ read: () throws -> [Int: String]) async throws -> [Int: String] {
        let deadline = ContinuousClock.now + .seconds(30)
        var got: [Int: String] = [:]
        while ContinuousClock.now < deadline {
            let expected = try await chain(daemon)
            got = try read()
            if !expected.isEmpty, expected.allSatisfy({ got[$0.key] == $0.value }) { return got }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("forwarded \(got.count) of \(try await chain(daemon).count) events")
    }

    /// Stops a fixture server: it exits when its standard input closes (signals are blocked in
    /// the children of the test process), and is waited for with a deadline.
    static func stop(_ server: Upstream) async throws {
        try server.input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + .seconds(10)
        while ChildExit.isRunning(server.process.processIdentifier) {
            guard ContinuousClock.now < deadline else { throw TestFailure("the collector did not exit") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func events(_ lines: [Substring]) throws -> [(seq: Int, hash: String)] {
        try lines.map { line in
            let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return (event["seq"] as? Int ?? -1, event["hash"] as? String ?? "")
        }
    }

    @Test func everyEventReachesAJSONLinesFileInOrder() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/forwarded/audit.jsonl"
        try FileManager.default.createDirectory(atPath: directory + "/forwarded", withIntermediateDirectories: true)
        try await TestDaemon.run(environment: ["AGENTD_AUDIT_FORWARD": "jsonl:" + file]) { daemon in
            for name in ["alpha", "bravo", "charlie"] { _ = try await daemon.socket.call(.POST, "/api/v1/teams", json: ["name": name]) }
            let read = { () throws -> [Int: String] in
                let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                return Dictionary(try Self.events(text.split(separator: "\n")).map { ($0.seq, $0.hash) }) { first, _ in first }
            }
            _ = try await waitForAll(daemon, read)
            let order = try Self.events(((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n")).map(\.seq)
            #expect(order == Array(1...order.count), "in chain order, from the first event: \(order)")
            let status = try await daemon.socket.call(.GET, "/api/v1/status").json?["audit_forward"] as? [String: Any] ?? [:]
            #expect(status["target"] as? String == "jsonl:" + file && status["last_error"] == nil, "\(status)")
        }
    }

    @Test func aCollectorThatGoesAwayLosesNothing() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try await InternalCATests.makeCertificates(in: directory)
        let received = directory + "/received.log"
        var collector: Upstream? = try await Upstream(script: "syslogcollector.py", tls: (files.cert, files.key), environment: ["SYSLOG_OUT": received])
        let port = collector!.port
        let read = { () throws -> [Int: String] in
            let lines = ((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").split(separator: "\n")
            // `<110>1 TIME HOST agentd - audit - {json}`: the JSON is the rest after the sixth space.
            let messages = try lines.map { line -> Substring in
                let parts = line.split(separator: " ", maxSplits: 7)
                guard parts.count == 8, parts[0] == "<110>1", parts[3] == "agentd", parts[5] == "audit" else { throw TestFailure("not RFC 5424: \(line)") }
                return parts[7]
            }
            return Dictionary(try Self.events(messages).map { ($0.seq, $0.hash) }) { first, _ in first }
        }
        try await TestDaemon.run(environment: ["AGENTD_AUDIT_FORWARD": "syslog+tls://127.0.0.1:\(port)", "AGENTD_AUDIT_FORWARD_CA_BUNDLE": files.ca]) { daemon in
            _ = try await daemon.socket.call(.POST, "/api/v1/teams", json: ["name": "before"])
            _ = try await waitForAll(daemon, read)

            // The collector goes away; what is audited meanwhile waits, and status says so.
            try await Self.stop(try #require(collector))
            collector = nil
            for name in ["during-1", "during-2"] { _ = try await daemon.socket.call(.POST, "/api/v1/teams", json: ["name": name]) }
            let deadline = ContinuousClock.now + .seconds(30)
            var forward: [String: Any] = [:]
            while ContinuousClock.now < deadline {
                forward = try await daemon.socket.call(.GET, "/api/v1/status").json?["audit_forward"] as? [String: Any] ?? [:]
                if (forward["lag"] as? Int ?? 0) > 0, forward["last_error"] is String { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect((forward["lag"] as? Int ?? 0) >= 2 && forward["last_error"] is String, "\(forward)")
            let shown = try await runProgram(TestDaemon.binaries + "/agentctl", ["status", "--socket", daemon.socketPath])
            #expect(shown.stdout.contains("events behind") && shown.stdout.contains("forward error"), "\(shown)")

            // Back on the same port: it catches up, in order, with nothing missing.
            collector = try await Upstream(script: "syslogcollector.py", tls: (files.cert, files.key), port: port, environment: ["SYSLOG_OUT": received])
            _ = try await waitForAll(daemon, read)
            let after = try await daemon.socket.call(.GET, "/api/v1/status").json?["audit_forward"] as? [String: Any] ?? [:]
            #expect(after["last_error"] == nil && after["lag"] as? Int == 0, "\(after)")
        }
        // A collector whose certificate the configured CA did not sign is refused: nothing is sent.
        let strangerDirectory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: strangerDirectory) }
        let stranger = try await InternalCATests.makeCertificates(in: strangerDirectory)
        try? FileManager.default.removeItem(atPath: received)
        let impostor = try await Upstream(script: "syslogcollector.py", tls: (stranger.cert, stranger.key), environment: ["SYSLOG_OUT": received])
        try await TestDaemon.run(environment: ["AGENTD_AUDIT_FORWARD": "syslog+tls://127.0.0.1:\(impostor.port)", "AGENTD_AUDIT_FORWARD_CA_BUNDLE": files.ca]) { daemon in
            let deadline = ContinuousClock.now + .seconds(30)
            var forward: [String: Any] = [:]
            while ContinuousClock.now < deadline {
                forward = try await daemon.socket.call(.GET, "/api/v1/status").json?["audit_forward"] as? [String: Any] ?? [:]
                if forward["last_error"] is String { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect((forward["last_error"] as? String)?.isEmpty == false, "\(forward)")
            #expect(((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").isEmpty)
        }
    }
}
