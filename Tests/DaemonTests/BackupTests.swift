import Client
import Foundation
import Synchronization
import Testing

/// Online backups while executions run, their checks, and restoring one with agentd stopped.
@Suite(.serialized) struct BackupTests {
    @Test func aBackupDuringWritesIsConsistentAndRestoresWithItsAuditChain() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try await TestDaemon.start(directory: directory)
        let admin = daemon.socket
        try await Run.apply(admin, "workflow: busy\nnodes:\n  a: {kind: transform, config: {output: 1}}\n  b: {kind: transform, config: {output: 2}}\nedges: [a -> b]\n")

        // A write load: executions started and run while the backup is taken.
        let stop = Mutex(false)
        let startedCount = Mutex(0)
        let load = Task {
            while !stop.withLock({ $0 }) {
                _ = try? await Run.start(admin, "busy")
                startedCount.withLock { $0 += 1 }
            }
            return startedCount.withLock { $0 }
        }
        // Some executions committed before the backup (a loaded machine may take a while for the first).
        let deadline = ContinuousClock.now + .seconds(30)
        while startedCount.withLock({ $0 }) < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let backup = try await admin.call(.POST, "/api/v1/system/backup", json: ["file": "during-load.db"]).json ?? [:]
        try await Task.sleep(for: .milliseconds(300))
        stop.withLock { $0 = true }
        let started = await load.value
        let file = try #require(backup["file"] as? String)
        #expect(file == directory + "/.agentd/backups/during-load.db")
        #expect(backup["integrity"] as? String == "ok" && backup["audit_chain"] as? String == "ok")
        let inBackup = try #require(backup["executions"] as? Int)
        #expect(inBackup > 0 && inBackup < started, "the backup is a moment of the load: \(inBackup) of \(started)")
        let summed = try await runProgram("/usr/bin/sha256sum", [file]).stdout.split(separator: " ").first.map(String.init)
        #expect(backup["sha256"] as? String == summed)
        #expect((backup["bytes"] as? Int ?? 0) == ((try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? -1))

        // Refused: the same file again, outside the directory, a hidden name, an org admin, bad JSON.
        func post(_ client: AgentClient, _ body: String) async throws -> ClientResponse {
            try await client.send(.POST, "/api/v1/system/backup", body: Data(body.utf8), headers: [("Content-Type", "application/json")])
        }
        #expect(try await post(admin, #"{"file":"during-load.db"}"#).json?["code"] as? String == "already_exists")
        for escape in ["../escape.db", "/etc/agentd-escape.db", ".hidden.db", "\(directory)/.agentd/agentd.db"] {
            let refused = try await post(admin, "{\"file\":\"\(escape)\"}")
            #expect(refused.status == 422 || refused.status == 409, "\(escape): \(refused.status)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/.agentd/escape.db"))
        #expect(try await post(admin, #"{"file":"#).json?["code"] as? String == "malformed_json")
        let orgAdmin = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "boss", role: "admin"))
        #expect(try await post(orgAdmin, #"{"file":"mine.db"}"#).status == 403)

        // Restoring while agentd runs is refused.
        let agentctl = TestDaemon.binaries + "/agentctl"
        let database = directory + "/.agentd/agentd.db"
        let running = try await runProgram(agentctl, ["restore", file, "--dev", "--database", database], directory: directory)
        #expect(running.status == 1 && running.stderr.contains("stop it first"), "\(running.stderr)")
        #expect(try await daemon.stop() == 0)

        // Not a database: refused, nothing replaced.
        try Data("not sqlite at all".utf8).write(to: URL(fileURLWithPath: directory + "/junk.db"))
        let junk = try await runProgram(agentctl, ["restore", directory + "/junk.db", "--dev", "--database", database], directory: directory)
        #expect(junk.status == 1 && junk.stderr.contains("not an agentd database"), "\(junk.stderr)")

        let restored = try await runProgram(agentctl, ["restore", file, "--dev", "--database", database], directory: directory)
        #expect(restored.status == 0 && restored.stdout.contains("restored") && restored.stdout.contains("kept as"), "\(restored.stdout) \(restored.stderr)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory + "/.agentd").filter { $0.hasPrefix("agentd.db.before-restore-") }
        #expect(!kept.isEmpty)

        let again = try await TestDaemon.start(directory: directory)
        var count = 0
        var cursor: String?
        repeat {
            let page = try await again.socket.call(.GET, "/api/v1/executions?limit=200" + (cursor.map { "&cursor=\($0)" } ?? "")).json ?? [:]
            count += (page["items"] as? [Any])?.count ?? 0
            cursor = page["next_cursor"] as? String
        } while cursor != nil
        #expect(count == inBackup, "the restored database has the backup's executions")
        let verified = try await again.socket.call(.GET, "/api/v1/audit/verify").json ?? [:]
        #expect(verified["ok"] as? Bool == true && (verified["checked"] as? Int ?? 0) > 0, "\(verified)")
        #expect(try await again.stop() == 0)
    }
}
