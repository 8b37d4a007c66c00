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
        // Removal is audited, as the system's act, when the pass that removed them ends (the
        // executions are gone before it gives the pages back and records itself).
        var audit: [[String: Any]] = []
        func removed(_ key: String) -> Int { audit.compactMap { ($0["details"] as? [String: String])?[key] }.compactMap(Int.init).reduce(0, +) }
        let audited = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < audited {
            audit = try await admin.call(.GET, "/api/v1/audit?action=retention.removed").json?["items"] as? [[String: Any]] ?? []
            if removed("executions") >= ids.count { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(removed("executions") == ids.count && removed("step_payloads") == ids.count && audit.allSatisfy { $0["actor"] as? String == "system" },
                "\(audit)")
        // why only now: until the removing pass has ended and recorded itself, the last pass on
        // record can be the one the previous daemon's stop cut short ("stopped").
        let last = try await Self.status(third)["last_pass"] as? [String: Any] ?? [:]
        #expect(last["error"] == nil || last["error"] is NSNull, "\(last)")
        let metrics = String(decoding: try await admin.send(.GET, "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("agentd_retention_removed_total{kind=\"executions\"} \(ids.count)"))
        #expect(try await third.stop() == 0)

        // ~200 KB an execution (its input and its step's output) went; the file keeps at most a fifth of it.
        let after = Self.fileSize(first), removed = Int64(ids.count) * 200_000
        #expect(before - after >= removed * 8 / 10, "the file went from \(before) to \(after) bytes after \(removed) were removed")
        try? FileManager.default.removeItem(atPath: first.directory)
    }

    /// A backup taken while a pass removes executions two at a time is a consistent moment of
    /// it: intact, with a chain that verifies, holding some of the executions; the pass goes on
    /// to remove them all; the backup restores (agentd stopped) and serves what it held.
    @Test func aBackupTakenWhileAPassRemovesIsAConsistentMoment() async throws {
        let first = try await TestDaemon.start()
        try await Run.apply(first.socket, Self.workflow)
        let ids = try await Self.bulky(first.socket, count: 40)
        #expect(try await first.stop() == 0)

        let second = try await TestDaemon.start(directory: first.directory, environment: [
            "AGENTD_RETENTION_EXECUTIONS": "1s", "AGENTD_RETENTION_STEP_PAYLOADS": "1s", "AGENTD_RETENTION_PASS_MS": "200",
            "AGENTD_RETENTION_BATCH": "2", "AGENTD_RETENTION_ARCHIVE": "false"])
        // Once the pass has begun (the first execution is gone), back up.
        try await Self.waitGone(second.socket, [ids[0]])
        let backup = try await second.socket.call(.POST, "/api/v1/system/backup", json: ["file": "during-retention.db"]).json ?? [:]
        #expect(backup["integrity"] as? String == "ok" && backup["audit_chain"] as? String == "ok", "\(backup)")
        let held = try #require(backup["executions"] as? Int)
        #expect(held < ids.count, "the pass had begun: \(held)")
        try await Self.waitGone(second.socket, ids)
        #expect(try await second.stop() == 0)

        let file = try #require(backup["file"] as? String)
        let restored = try await runProgram(TestDaemon.binaries + "/agentctl", ["restore", file, "--dev", "--database", second.databasePath],
                                            directory: first.directory)
        #expect(restored.status == 0, "\(restored.stderr)")
        let third = try await TestDaemon.start(directory: first.directory)
        let listed = try await third.socket.call(.GET, "/api/v1/executions?limit=100").json?["items"] as? [[String: Any]] ?? []
        #expect(listed.count == held, "the restored database holds what the backup held")
        #expect(try await third.socket.call(.GET, "/api/v1/audit/verify").json?["ok"] as? Bool == true)
        #expect(try await third.stop() == 0)
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
        let turnOff = ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("PRAGMA auto_vacuum = NONE"); db.execute("VACUUM")
            print(db.execute("PRAGMA auto_vacuum").fetchone()[0])
            """, daemon.databasePath]
        let turnedOff = try await runProgram("/usr/bin/env", turnOff)
        #expect(turnedOff.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(turnedOff.stderr)")

        let again = try await TestDaemon.start(directory: daemon.directory)
        #expect(again.log.text.contains("database rewritten to give freed space back"), "\(again.log.text)")
        #expect(try await Self.status(again)["incremental_vacuum"] as? Bool == true)
        #expect(try await again.stop() == 0)

        // Too large to rewrite at start (a limit of 0 MiB): it starts all the same and says why.
        #expect(try await runProgram("/usr/bin/env", turnOff).status == 0)
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

extension RetentionTests {
    static func verify(_ daemon: TestDaemon) async throws -> [String: Any] {
        try await daemon.socket.call(.GET, "/api/v1/audit/verify").json ?? [:]
    }

    /// Audit events past their period go a checkpoint interval at a time and the chain still
    /// verifies from the checkpoint it was cut at; rows deleted from the start by anyone else
    /// are reported.
    @Test func oldAuditEventsGoAndTheChainStillVerifiesButADeletedStartIsFound() async throws {
        let first = try await TestDaemon.start(environment: ["AGENTD_AUDIT_CHECKPOINT_EVERY": "10"])
        for index in 0..<25 { _ = try await first.socket.call(.POST, "/api/v1/orgs", json: ["name": "audited-\(index)"]) }
        #expect(try await first.stop() == 0)

        let second = try await TestDaemon.start(directory: first.directory, environment: [
            "AGENTD_AUDIT_CHECKPOINT_EVERY": "10", "AGENTD_RETENTION_AUDIT": "1s", "AGENTD_RETENTION_PASS_MS": "200"])
        let deadline = ContinuousClock.now + .seconds(30)
        var verified: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            verified = try await Self.verify(second)
            if (verified["removed_through"] as? Int ?? 0) >= 20 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        // Passes keep running (the stop's checkpoint at 26 is the next cut): list the events
        // between two verifications that agree, so the listing and the cut belong together.
        var events: [[String: Any]] = []
        while true {
            events = try await second.socket.call(.GET, "/api/v1/audit?limit=200").json?["items"] as? [[String: Any]] ?? []
            let again = try await Self.verify(second)
            if (again["removed_through"] as? Int) == (verified["removed_through"] as? Int) || ContinuousClock.now > deadline { break }
            verified = again
        }
        let through = verified["removed_through"] as? Int ?? 0
        #expect(through >= 20, "\(verified)")
        #expect(verified["ok"] as? Bool == true, "\(verified)")
        #expect((events.first?["seq"] as? Int) == through + 1, "the oldest kept event follows the cut")
        let cuts = events.filter { $0["action"] as? String == "retention.removed" }
        #expect(cuts.contains { ($0["details"] as? [String: String])?["audit_through"] == "\(through)" }, "\(cuts)")
        #expect(try await second.stop() == 0)

        // Someone deletes the oldest kept event by hand: no checkpoint or retention record vouches for that.
        let deleted = try await runProgram("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("DELETE FROM audit_event WHERE seq <= ?", (int(sys.argv[2]),))
            """, first.databasePath, "\(through + 1)"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        let third = try await TestDaemon.start(directory: first.directory)
        let tampered = try await Self.verify(third)
        let problem = tampered["checkpoint_problem"] as? [String: Any] ?? [:]
        #expect(tampered["ok"] as? Bool == false && problem["kind"] as? String == "start_removed", "\(tampered)")
        #expect(try await third.stop() == 0)
        try? FileManager.default.removeItem(atPath: first.directory)
    }
}

extension RetentionTests {
    static var thisMonth: String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: Date())
    }

    static func lines(_ response: ClientResponse) -> [[String: Any]] {
        String(decoding: response.body, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Removed executions go to the month's archive first; an org sees its own there; a month
    /// comes back on restore and stays for its hold, whatever retention says.
    @Test func removedExecutionsAreArchivedExportedAndRestored() async throws {
        let first = try await TestDaemon.start()
        try await Run.apply(first.socket, Self.workflow)
        let siteIDs = try await Self.bulky(first.socket, count: 3)
        let bKey = try await IdentityTests.keyFor(first, login: "arch-admin", role: "admin", org: "arch-b")
        let devKey = try await IdentityTests.keyFor(first, login: "arch-dev", role: "developer", org: "arch-b")
        try await Run.apply(IdentityTests.tcp(first, key: bKey), Self.workflow)
        let bIDs = try await Self.bulky(IdentityTests.tcp(first, key: bKey), count: 1)
        #expect(try await first.stop() == 0)

        let second = try await TestDaemon.start(directory: first.directory, environment: [
            "AGENTD_RETENTION_EXECUTIONS": "1s", "AGENTD_RETENTION_STEP_PAYLOADS": "1s", "AGENTD_RETENTION_PASS_MS": "200"])
        let admin = second.socket, orgAdmin = IdentityTests.tcp(second, key: bKey), developer = IdentityTests.tcp(second, key: devKey)
        try await Self.waitGone(admin, siteIDs + bIDs)
        let month = Self.thisMonth

        let months = try await admin.call(.GET, "/api/v1/archive").json?["items"] as? [[String: Any]] ?? []
        #expect(months.count == 1 && months.first?["month"] as? String == month && months.first?["executions"] as? Int == 4, "\(months)")
        let theirs = try await orgAdmin.call(.GET, "/api/v1/archive").json?["items"] as? [[String: Any]] ?? []
        #expect(theirs.first?["executions"] as? Int == 1, "an org sees its own: \(theirs)")

        let everything = Self.lines(try await admin.call(.GET, "/api/v1/archive/\(month)"))
        #expect(Set(everything.compactMap { ($0["execution"] as? [String: Any])?["id"] as? String }) == Set(siteIDs + bIDs))
        let steps = everything.first?["steps"] as? [[String: Any]] ?? []
        #expect((steps.first?["output"] as? String)?.contains("retention-payload") == true, "the step's output is archived as stored")
        let own = Self.lines(try await orgAdmin.call(.GET, "/api/v1/archive/\(month)"))
        #expect(own.count == 1 && (own.first?["execution"] as? [String: Any])?["id"] as? String == bIDs[0])

        // Refusals: a malformed month, an empty one, a role without compliance.manage, bad bodies.
        let malformed = try await admin.send(.GET, "/api/v1/archive/2026-13")
        #expect(malformed.status == 422 && (malformed.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "month")
        let empty = try await admin.send(.GET, "/api/v1/archive/2001-01")
        #expect(empty.status == 200 && empty.body.isEmpty, "a month with nothing archived is an empty export")
        #expect(try await developer.send(.GET, "/api/v1/archive").status == 403)
        #expect(try await developer.send(.POST, "/api/v1/archive/\(month)/restore", body: Data("{}".utf8), headers: [("Content-Type", "application/json")]).status == 403)
        func restore(_ client: AgentClient, _ body: String) async throws -> ClientResponse {
            try await client.send(.POST, "/api/v1/archive/\(month)/restore", body: Data(body.utf8), headers: [("Content-Type", "application/json")])
        }
        #expect(try await restore(admin, #"{"hold":"forever"}"#).status == 422)
        #expect(try await restore(admin, #"{"hold":"30d","extra":true}"#).status == 400)
        #expect(try await restore(admin, "{\"hold\":\"" + String(repeating: "1", count: 2_000_000) + "d\"}").status == 413)
        #expect(try await admin.send(.GET, "/api/v1/executions/\(siteIDs[0])").status == 404, "nothing was restored by a refused request")

        // The org restores its own; then the site the rest. Held, they outlive the next passes.
        let mine = try await restore(orgAdmin, #"{"hold":"1d"}"#).json ?? [:]
        #expect(mine["restored"] as? Int == 1 && mine["present"] as? Int == 0, "\(mine)")
        let rest = try await restore(admin, "{}").json ?? [:]
        #expect(rest["restored"] as? Int == 3 && rest["present"] as? Int == 1, "\(rest)")
        let before = try await admin.call(.GET, "/api/v1/status").json?["retention"] as? [String: Any]
        let passed = before?["last_pass"] as? [String: Any]
        // Two more passes run (200 ms apart) and leave them.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let now = (try await admin.call(.GET, "/api/v1/status").json?["retention"] as? [String: Any])?["last_pass"] as? [String: Any]
            if now?["started_at"] as? String != passed?["started_at"] as? String { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .milliseconds(500))
        let back = try await orgAdmin.call(.GET, "/api/v1/executions/\(bIDs[0])").json ?? [:]
        #expect(back["status"] as? String == "succeeded" && Run.step(back, "copy")["status"] as? String == "succeeded", "\(back)")
        #expect(try await admin.send(.GET, "/api/v1/executions/\(siteIDs[0])").status == 200)
        let audit = try await admin.call(.GET, "/api/v1/audit?action=archive.restored").json?["items"] as? [[String: Any]] ?? []
        #expect(audit.count == 2, "\(audit)")
        #expect(try await second.stop() == 0)

        // With the archive off, its routes say how to turn it on.
        let third = try await TestDaemon.start(directory: first.directory, environment: ["AGENTD_RETENTION_ARCHIVE": "false"])
        let off = try await third.socket.send(.GET, "/api/v1/archive")
        #expect(off.status == 409 && off.json?["code"] as? String == "archive_off")
        #expect(try await third.stop() == 0)
        try? FileManager.default.removeItem(atPath: first.directory)
    }
}
