import Client
import Foundation
import Testing

/// Schedules against the real daemon: the timer fires them on its own, each slot once, with its
/// history, audit and metrics; across a real restart each catch-up policy does what
/// docs/triggers.md says with the slots missed while agentd was down.
@Suite struct ScheduleTests {
    static let agentctl = TestDaemon.binaries + "/agentctl"
    static let workflow = "workflow: tick\nnodes:\n  a: {kind: transform, config: {output: {seen: \"{{ input.n }}\"}}}\n"

    func agentctl(_ daemon: TestDaemon, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runProgram(Self.agentctl, arguments + ["--socket", daemon.socketPath])
    }

    /// The schedule's history, oldest slot first.
    static func history(_ client: AgentClient, _ schedule: String) async throws -> [[String: Any]] {
        let page = try await client.call(.GET, "/api/v1/schedules/\(schedule)/history?limit=200").json ?? [:]
        return (page["items"] as? [[String: Any]] ?? []).reversed()
    }

    /// Polls the history until `done` holds (or the deadline passes), returning the last read.
    static func history(_ client: AgentClient, _ schedule: String, within: Duration = .seconds(20),
                        until done: ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + within
        var items = try await history(client, schedule)
        while !done(items), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            items = try await history(client, schedule)
        }
        return items
    }

    static func instant(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }

    @Test func aScheduleFiresOnItsOwnEachSlotOnceWithItsHistoryAuditAndMetrics() async throws {
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, Self.workflow)
            let created = try await agentctl(daemon, ["schedules", "create", "ticker", "--workflow", "tick", "--cron", "every 1s",
                                                      "--input", #"{"n": 7}"#, "--overlap", "allow"])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout.contains("every 1s") && created.stdout.contains("active"), "\(created.stdout)")

            let items = try await Self.history(daemon.socket, "ticker") { items in
                items.filter { $0["outcome"] as? String == "fired" }.count >= 3
            }
            let fired = items.filter { $0["outcome"] as? String == "fired" }
            #expect(fired.count >= 3, "history: \(items)\n\(daemon.log.text)")
            let planned = items.compactMap { $0["planned_at"] as? String }
            #expect(Set(planned).count == planned.count, "a slot appears twice: \(planned)")
            for slot in fired {
                // Fired by the timer close to its planned instant, not a poll interval later.
                if let at = Self.instant(slot["at"]), let plan = Self.instant(slot["planned_at"]) {
                    #expect(at.timeIntervalSince(plan) >= 0 && at.timeIntervalSince(plan) < 1.0, "\(slot)")
                }
                let id = try #require(slot["execution_id"] as? String)
                let execution = try await daemon.socket.call(.GET, "/api/v1/executions/\(id)").json ?? [:]
                #expect(execution["trigger"] as? String == "schedule")
                #expect((execution["created_by"] as? String ?? "").hasPrefix("schedule:sch_"), "\(execution)")
                #expect((execution["input"] as? [String: Any])?["n"] as? Int == 7)
            }

            let shown = try await agentctl(daemon, ["schedules", "history", "ticker"])
            #expect(shown.status == 0 && shown.stdout.contains("fired") && shown.stdout.contains("ex_"), "\(shown.stdout)\(shown.stderr)")
            let preview = try await agentctl(daemon, ["schedules", "preview", "ticker", "--next", "3"])
            #expect(preview.status == 0, "\(preview.stderr)")
            #expect(preview.stdout.split(separator: "\n").count == 4, "a header and three slots:\n\(preview.stdout)")

            // Paused, it fires nothing; deleted, it is gone; both audited.
            #expect(try await agentctl(daemon, ["schedules", "pause", "ticker"]).stdout.contains("paused"))
            let paused = try await Self.history(daemon.socket, "ticker").count
            let metrics = String(decoding: try await daemon.tcp.call(.GET, "/metrics").body, as: UTF8.self)
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("agentd_schedule_fires_total ") }
            #expect(line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { $0 >= 3 } == true, "\(line ?? "no line")")
            #expect(try await agentctl(daemon, ["schedules", "delete", "ticker"]).status == 0)
            let gone = try await agentctl(daemon, ["schedules", "get", "ticker"])
            #expect(gone.status != 0 && gone.stderr.contains("No schedule `ticker`"), "\(gone.stderr)")
            #expect(paused >= 3)
            let audit = try await daemon.socket.call(.GET, "/api/v1/audit?limit=200").json?["items"] as? [[String: Any]] ?? []
            let actions = audit.compactMap { $0["action"] as? String }
            for action in ["schedule.created", "schedule.updated", "schedule.deleted"] {
                #expect(actions.contains(action), "\(actions)")
            }
            let started = audit.filter { $0["action"] as? String == "execution.started" }
            #expect(started.count >= 3 && started.allSatisfy { ($0["actor"] as? String ?? "").hasPrefix("schedule:sch_") }, "\(started)")
        }
    }

    /// agentd is stopped for a few seconds while three every-second schedules run; after the
    /// restart each policy handles the slots it missed, and no slot fires twice.
    @Test func afterARestartEachCatchUpPolicyHandlesTheMissedSlots() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A slot more than a second late is missed (the default grace is a minute).
        let environment = ["AGENTD_ENGINE_SCHEDULE_GRACE_MS": "1000"]
        let first = try await TestDaemon.start(directory: directory, environment: environment)
        try await Run.apply(first.socket, Self.workflow)
        for (name, policy) in [("skipper", ["--catch-up", "skip"]), ("latest", ["--catch-up", "latest"]),
                               ("all", ["--catch-up", "all", "--catch-up-window", "1h", "--catch-up-cap", "2"])] {
            let created = try await agentctl(first, ["schedules", "create", name, "--workflow", "tick", "--cron", "every 1s"] + policy)
            #expect(created.status == 0, "\(created.stderr)")
        }
        _ = try await Self.history(first.socket, "skipper") { $0.contains { $0["outcome"] as? String == "fired" } }
        #expect(try await first.stop() == 0)
        let stopped = Date()
        // The outage: real time must pass for slots to be missed.
        try await Task.sleep(for: .seconds(5))
        let restarted = Date()
        let second = try await TestDaemon.start(directory: directory, environment: environment)
        for name in ["skipper", "latest", "all"] {
            // Until the first slot after the restart has fired.
            let items = try await Self.history(second.socket, name) { items in
                items.contains { Self.instant($0["planned_at"]).map { $0 > restarted } == true && $0["outcome"] as? String == "fired" }
            }
            let planned = items.compactMap { $0["planned_at"] as? String }
            #expect(Set(planned).count == planned.count, "\(name): a slot appears twice: \(planned)")
            // The slots of the outage, well clear of its edges.
            let outage = items.filter { slot in
                guard let at = Self.instant(slot["planned_at"]) else { return false }
                return at > stopped.addingTimeInterval(1) && at < restarted.addingTimeInterval(-1.5)
            }
            #expect(outage.count >= 2, "\(name): \(items)")
            let fired = outage.filter { $0["outcome"] as? String == "fired" }
            let skipped = outage.filter { $0["outcome"] as? String == "skipped" }
            switch name {
            case "skipper":
                #expect(fired.isEmpty, "skip fired a missed slot: \(outage)")
                #expect(skipped.allSatisfy { $0["reason"] as? String == "missed" }, "\(outage)")
            case "latest":
                #expect(fired.count <= 1, "latest fired \(fired.count) missed slots: \(outage)")
                #expect(skipped.count >= outage.count - 1 && skipped.allSatisfy { $0["reason"] as? String == "missed" }, "\(outage)")
            default:
                #expect(fired.count <= 2, "all with cap 2 fired \(fired.count): \(outage)")
                #expect(skipped.allSatisfy { $0["reason"] as? String == "over_cap" }, "\(outage)")
            }
            for slot in items where slot["outcome"] as? String == "fired" {
                #expect(slot["execution_id"] is String, "\(name): \(slot)")
            }
        }
        // Executions started: exactly one per fired slot (counted once nothing fires any more).
        for name in ["skipper", "latest", "all"] {
            _ = try await second.socket.call(.POST, "/api/v1/schedules/\(name)/pause", json: [:])
        }
        var fires = 0
        for name in ["skipper", "latest", "all"] {
            fires += try await Self.history(second.socket, name).filter { $0["outcome"] as? String == "fired" }.count
        }
        let executions = try await second.socket.call(.GET, "/api/v1/executions?limit=200").json?["items"] as? [[String: Any]] ?? []
        #expect(executions.filter { $0["trigger"] as? String == "schedule" }.count == fires)
        #expect(try await second.stop() == 0)
    }
}
