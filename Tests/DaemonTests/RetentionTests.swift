import Client
import Foundation
import Testing

/// Retention through the real daemon (docs/compliance.md#retention): due step payloads and then
/// whole executions are removed by passes, the database file gives the space back, an org's own
/// period wins over the site's, a file made before retention is converted at start, and the
/// routes refuse what they must.
@Suite(.serialized) struct RetentionTests {
    static let workflow = """
        workflow: bulky
        nodes:
          copy: {kind: transform, config: {output: "{{ input.blob }}"}}
        """

    /// Starts `count` executions, each with ~100 KB of input that its one step copies to its output.
    static func bulky(_ client: AgentClient, count: Int) async throws -> [String] {
        let blob = String(repeating: "retention-payload-", count: 5_600)  // 100,800 bytes
        var ids: [String] = []
        for _ in 0..<count {
            let id = try await Run.start(client, "bulky", input: ["blob": blob])
            #expect(try await Run.finish(client, id)["status"] as? String == "succeeded")
            ids.append(id)
        }
        return ids
    }

    static func fileSize(_ daemon: TestDaemon) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: daemon.databasePath)[.size]) as? NSNumber)?.int64Value ?? 0
    }

    /// Waits until `GET path` answers 404 (the execution is gone).
    static func waitGone(_ client: AgentClient, _ ids: [String]) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        for id in ids {
            while try await client.send(.GET, "/api/v1/executions/\(id)").status != 404 {
                guard ContinuousClock.now < deadline else { Issue.record("\(id) was not removed"); return }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    static func status(_ daemon: TestDaemon) async throws -> [String: Any] {
        try await daemon.socket.call(.GET, "/api/v1/status").json?["retention"] as? [String: Any] ?? [:]
    }

    /// Three starts on one file: the executions are made; then their payloads are due; then
    /// the executions themselves. (Restarts, not short periods on one daemon: on a loaded
    /// machine the first executions would be due before the last were made.)
    @Test func payloadsThenExecutionsGoAndTheFileShrinks() async throws {
        let first = try await TestDaemon.start()
        try await Run.apply(first.socket, Self.workflow)
        let ids = try await Self.bulky(first.socket, count: 30)
        #expect(try await first.stop() == 0)
        let before = Self.fileSize(first)

        // Payloads kept 1 s: the step's output goes; its status and the execution stay.
        let second = try await TestDaemon.start(directory: first.directory, environment: [
            "AGENTD_RETENTION_EXECUTIONS": "1h", "AGENTD_RETENTION_STEP_PAYLOADS": "1s", "AGENTD_RETENTION_PASS_MS": "200"])
        let deadline = ContinuousClock.now + .seconds(30)
        var execution: [String: Any] = [:]
        func outputGone() -> Bool { Run.step(execution, "copy")["output"] == nil || Run.step(execution, "copy")["output"] is NSNull }
        while ContinuousClock.now < deadline {
            execution = try await second.socket.call(.GET, "/api/v1/executions/\(ids.last!)").json ?? [:]
            if outputGone() { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(outputGone(), "\(Run.step(execution, "copy"))")
        #expect(execution["status"] as? String == "succeeded" && Run.step(execution, "copy")["status"] as? String == "succeeded")
        #expect(try await Self.status(second)["executions"] as? String == "1h")
        #expect(try await second.stop() == 0)

        // Executions kept 1 s: they go, and the space they held is given back to the file system.
        let third = try await TestDaemon.start(directory: first.directory, environment: [
            "AGENTD_RETENTION_EXECUTIONS": "1s", "AGENTD_RETENTION_STEP_PAYLOADS": "1s", "AGENTD_RETENTION_PASS_MS": "200"])
        let admin = third.socket
        try await Self.waitGone(admin, ids)
        let retention = try await Self.status(third)
        #expect(retention["incremental_vacuum"] as? Bool == true && retention["due_executions"] as? Int == 0, "\(retention)")
        let last = retention["last_pass"] as? [String: Any] ?? [:]
        #expect(last["error"] == nil || last["error"] is NSNull)
        // Removal is audited, as the system's act.
        let audit = try await admin.call(.GET, "/api/v1/audit?action=retention.removed").json?["items"] as? [[String: Any]] ?? []
        let removedExecutions = audit.compactMap { ($0["details"] as? [String: String])?["executions"] }.compactMap(Int.init).reduce(0, +)
        let removedPayloads = audit.compactMap { ($0["details"] as? [String: String])?["step_payloads"] }.compactMap(Int.init).reduce(0, +)
        #expect(removedExecutions == ids.count && removedPayloads == ids.count && audit.allSatisfy { $0["actor"] as? String == "system" }, "\(audit)")
        let metrics = String(decoding: try await admin.send(.GET, "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("agentd_retention_removed_total{kind=\"executions\"} \(ids.count)"))
        #expect(try await third.stop() == 0)

        // ~200 KB an execution (its input and its step's output) went; the file keeps at most a fifth of it.
        let after = Self.fileSize(first), removed = Int64(ids.count) * 200_000
        #expect(before - after >= removed * 8 / 10, "the file went from \(before) to \(after) bytes after \(removed) were removed")
        try? FileManager.default.removeItem(atPath: first.directory)
    }

    /// An org that keeps its executions for ever keeps them while the site's period removes the
    /// default org's; retention starts after a restart from what the rows say.
    @Test func anOrgsOwnPeriodWinsAndAPassAfterARestartTakesWhatIsDue() async throws {
        let daemon = try await TestDaemon.start()
        let admin = daemon.socket
        try await Run.apply(admin, Self.workflow)
        _ = try await admin.call(.POST, "/api/v1/orgs", json: ["name": "keeper"])
        let kept = try await admin.call(.PUT, "/api/v1/orgs/keeper/retention", json: ["executions": "forever", "step_payloads": "forever"]).json ?? [:]
        #expect((kept["executions"] as? [String: Any])?["source"] as? String == "org")
        let keeperKey = try await IdentityTests.keyFor(daemon, login: "keeper-dev", role: "developer", org: "keeper")
        let keeper = IdentityTests.tcp(daemon, key: keeperKey)
        try await Run.apply(keeper, Self.workflow)
        let keeperIDs = try await Self.bulky(keeper, count: 2)
        let defaultIDs = try await Self.bulky(admin, count: 3)
        #expect(try await daemon.stop() == 0)

        // The same file, now with a site period of 1 s.
        let again = try await TestDaemon.start(directory: daemon.directory, environment: ["AGENTD_RETENTION_EXECUTIONS": "1s",
                                                                                          "AGENTD_RETENTION_STEP_PAYLOADS": "1s",
                                                                                          "AGENTD_RETENTION_PASS_MS": "200"])
        try await Self.waitGone(again.socket, defaultIDs)
        let keeperAgain = IdentityTests.tcp(again, key: keeperKey)
        for id in keeperIDs {
            let execution = try await keeperAgain.call(.GET, "/api/v1/executions/\(id)").json ?? [:]
            #expect(execution["status"] as? String == "succeeded" && Run.step(execution, "copy")["output"] is String, "the keeper org's execution stays whole")
        }
        let shown = try await again.socket.call(.GET, "/api/v1/orgs/keeper/retention").json ?? [:]
        #expect((shown["executions"] as? [String: Any])?["period"] as? String == "forever")
        #expect((shown["audit"] as? [String: Any])?["source"] as? String == "site")
        #expect(try await again.stop() == 0)
        try? FileManager.default.removeItem(atPath: daemon.directory)
    }

    /// A file made before retention (auto_vacuum off) is rewritten at start to give space back.
    @Test func aFileFromBeforeRetentionIsConvertedAtStart() async throws {
        let daemon = try await TestDaemon.start()
        #expect(try await daemon.stop() == 0)
        // Turn incremental vacuum off, as every file made before this release has it.
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("PRAGMA auto_vacuum = NONE"); db.execute("VACUUM")
            print(db.execute("PRAGMA auto_vacuum").fetchone()[0])
            """, daemon.databasePath]
        let output = Pipe()
        python.standardOutput = output
        try python.run()
        python.waitUntilExit()
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "0")

        let again = try await TestDaemon.start(directory: daemon.directory)
        #expect(again.log.text.contains("database rewritten to give freed space back"), "\(again.log.text)")
        #expect(try await Self.status(again)["incremental_vacuum"] as? Bool == true)
        #expect(try await again.stop() == 0)

        // Too large to rewrite at start (a limit of 0 MiB): it starts all the same and says why.
        let python2 = Process()
        python2.executableURL = python.executableURL
        python2.arguments = python.arguments
        python2.standardOutput = FileHandle.nullDevice
        try python2.run()
        python2.waitUntilExit()
        let big = try await TestDaemon.start(directory: daemon.directory, environment: ["AGENTD_RETENTION_CONVERT_MAX_MB": "0"])
        let retention = try await Self.status(big)
        #expect(retention["incremental_vacuum"] as? Bool == false)
        #expect((retention["vacuum"] as? String)?.contains("convert_max_mb") == true, "\(retention)")
        #expect(try await big.stop() == 0)
        try? FileManager.default.removeItem(atPath: daemon.directory)
    }

    @Test func theRetentionRoutesRefuseWhatTheyMust() async throws {
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            func put(_ client: AgentClient, _ org: String, _ body: String) async throws -> ClientResponse {
                try await client.send(.PUT, "/api/v1/orgs/\(org)/retention", body: Data(body.utf8), headers: [("Content-Type", "application/json")])
            }
            for (body, field) in [(#"{"executions":"12x"}"#, "executions"), (#"{"executions":"1h"}"#, "executions"),
                                  (#"{"step_payloads":"1s"}"#, "step_payloads"),
                                  (#"{"executions":"60d","step_payloads":"90d"}"#, "step_payloads")] {
                let refused = try await put(admin, "default", body)
                #expect(refused.status == 422, "\(body): \(refused.status)")
                let errors = refused.json?["errors"] as? [[String: Any]] ?? []
                #expect(errors.contains { $0["field"] as? String == field }, "\(body): \(refused.json ?? [:])")
            }
            #expect(try await put(admin, "default", #"{"executions":"365d","surprise":1}"#).status == 400)
            #expect(try await put(admin, "default", #"{"executions":"365d""#).status == 400)
            let huge = "{\"executions\":\"" + String(repeating: "9", count: 2_000_000) + "d\"}"
            #expect(try await put(admin, "default", huge).status == 413)
            // Nothing was written by any of them.
            let unchanged = try await admin.call(.GET, "/api/v1/orgs/default/retention").json ?? [:]
            #expect((unchanged["executions"] as? [String: Any])?["source"] as? String == "site")

            // A developer reads but may not set; another org's is not found.
            let developer = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "ret-dev", role: "developer", org: "ret-a"))
            #expect(try await developer.send(.GET, "/api/v1/orgs/ret-a/retention").status == 200)
            #expect(try await put(developer, "ret-a", #"{"executions":"365d"}"#).status == 403)
            let otherAdmin = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "ret-admin", role: "admin", org: "ret-b"))
            #expect(try await otherAdmin.send(.GET, "/api/v1/orgs/ret-a/retention").status == 404)
            #expect(try await put(otherAdmin, "ret-a", #"{"executions":"365d"}"#).status == 404)
            // Its own admin may, and it is audited.
            let set = try await put(otherAdmin, "ret-b", #"{"executions":"2y","step_payloads":"60d"}"#)
            #expect(set.status == 200 && (set.json?["executions"] as? [String: Any])?["period"] as? String == "2y", "\(set.json ?? [:])")
            let audit = try await admin.call(.GET, "/api/v1/audit?action=retention.changed&org=ret-b").json?["items"] as? [[String: Any]] ?? []
            #expect(audit.count == 1 && (audit.first?["details"] as? [String: String])?["executions"] == "2y", "\(audit)")
        }
    }
}
