import Client
import Foundation
import Testing

/// SIGKILL in the middle of work, again and again; then every execution must finish, no step
/// may end twice, and nothing may stay running without an owner (DESIGN §5, crash recovery).
@Suite(.serialized) struct CrashRecoveryTests {
    static let killPoints = 20

    @Test func executionsSurviveRepeatedSIGKILL() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A 12-step chain with a timer in the middle, so kills land in every phase: queued,
        // running, waiting on a timer, completing. why 250 ms: a kill comes 1-40 ms after the
        // starts, and the chain must still be open then on a fast run too (with a 20 ms timer it
        // often was not, once the timer stopped firing up to a poll late).
        var nodes = "", edges = ""
        for index in 0..<12 {
            let kind = index == 6 ? "{kind: delay, config: {duration_ms: 250}}"
                : "{kind: transform, input: {n: \"{{ \(index == 0 ? "input.n" : "nodes.s\(index - 1).output") }}\"}, config: {output: \"{{ input.n + 1 }}\"}}"
            nodes += "  s\(index): \(kind)\n"
            if index > 0 { edges += "  - s\(index - 1) -> s\(index)\n" }
        }
        // The delay step's output is {waited_ms}; the step after it reads the one before it.
        nodes = nodes.replacingOccurrences(of: "nodes.s6.output", with: "nodes.s5.output")
        edges += "  - s5 -> s7\n"
        let document = "workflow: chain\ninput: {type: object, properties: {n: {type: integer}}}\nnodes:\n\(nodes)edges:\n\(edges)output: {n: \"{{ nodes.s11.output }}\"}\n"

        var started: [String] = []
        var recoveries = 0
        var generator = SystemRandomNumberGenerator()
        for point in 0..<Self.killPoints {
            let daemon = try await TestDaemon.start(directory: directory)
            if daemon.log.text.contains("recovered unfinished jobs") { recoveries += 1 }
            if point == 0 { try await Run.apply(daemon.socket, document) }
            for _ in 0..<3 { started.append(try await Run.start(daemon.socket, "chain", input: ["n": 0])) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 1...40, using: &generator)))
            kill(daemon.process.processIdentifier, SIGKILL)
            _ = try await daemon.waitForExit()
        }

        let daemon = try await TestDaemon.start(directory: directory)
        if daemon.log.text.contains("recovered unfinished jobs") { recoveries += 1 }
        // The kills must have landed while work was open, or this proves nothing.
        #expect(recoveries >= Self.killPoints / 2, "only \(recoveries) restarts found work to take over")
        var unfinished = started
        let deadline = ContinuousClock.now + .seconds(60)
        while !unfinished.isEmpty, ContinuousClock.now < deadline {
            unfinished = try await unfinished.asyncFilter { id in
                let status = try await daemon.socket.call(.GET, "/api/v1/executions/\(id)").json?["status"] as? String
                return status != "succeeded"
            }
            if !unfinished.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(unfinished.isEmpty, "not finished after the kills: \(unfinished.count) of \(started.count)")
        for id in started {
            let execution = try await daemon.socket.call(.GET, "/api/v1/executions/\(id)").json ?? [:]
            #expect((execution["output"] as? [String: Any])?["n"] as? Int == 11, "\(id): \(execution["output"] ?? "nil")")
            let events = try await Run.events(daemon.socket, id)
            let ends = events.filter { $0["type"] as? String == "step.succeeded" }.compactMap { $0["node"] as? String }
            #expect(ends.count == 12 && Set(ends).count == 12, "\(id): a step ended twice or not at all: \(ends)")
            #expect(events.filter { $0["type"] as? String == "execution.succeeded" }.count == 1)
        }
        let running = try await daemon.socket.call(.GET, "/api/v1/executions?status=running").json?["items"] as? [Any]
        #expect(running?.isEmpty == true)
        #expect(try await daemon.stop() == 0)
    }
}

extension Array where Element: Sendable {
    func asyncFilter(_ keep: (Element) async throws -> Bool) async rethrows -> [Element] {
        var kept: [Element] = []
        for element in self where try await keep(element) { kept.append(element) }
        return kept
    }
}

@Suite(.serialized) struct GracefulRestartTests {
    /// `systemctl restart` in the middle of a step: the step is cut short, not failed, and runs
    /// again after the restart.
    @Test func aStopLeavesRunningStepsToTheNextStart() async throws {
        let upstream = try await Upstream()
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await TestDaemon.start(directory: directory)
        try await Run.apply(first.socket, """
            workflow: long-call
            nodes:
              call: {kind: http, config: {url: "\(upstream.base)/hold?key=long", timeout_ms: 20000}}
            """)
        let id = try await Run.start(first.socket, "long-call")
        // The call is held until the stop is over: the stop always lands in the middle of it.
        try await upstream.waitForCalls("long")
        #expect(try await first.stop() == 0)
        try await upstream.release("long")

        let second = try await TestDaemon.start(directory: directory)
        let execution = try await Run.finish(second.socket, id)
        #expect(execution["status"] as? String == "succeeded", "\(execution)")
        #expect(try await upstream.calls("long") == 2)
        #expect(try await second.stop() == 0)
    }

    @Test func hostileAnswersAndRequestsCannotCrashTheEngine() async throws {
        let upstream = try await Upstream()
        try await TestDaemon.run { daemon in
            // A Retry-After beyond reason is capped at an hour.
            try await Run.apply(daemon.socket, """
                workflow: patient
                nodes:
                  call:
                    kind: http
                    config: {url: "\(upstream.base)/limited?key=huge&fail=5&after=99999999"}
                    retry: {max_attempts: 3, initial_backoff_ms: 10}
                """)
            let patient = try await Run.start(daemon.socket, "patient")
            var delay: Int?
            let until = ContinuousClock.now + .seconds(10)
            while delay == nil, ContinuousClock.now < until {
                delay = (try await Run.events(daemon.socket, patient).first { $0["type"] as? String == "step.retrying" }?["data"] as? [String: Any])?["delay_ms"] as? Int
                if delay == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(delay == 3_600_000, "\(String(describing: delay))")
            _ = try await daemon.socket.call(.POST, "/api/v1/executions/\(patient)/cancel")

            try await Run.apply(daemon.socket, "workflow: quick\nnodes:\n  a: {kind: transform, config: {output: 1}}\n")
            let huge = try await daemon.socket.send(.POST, "/api/v1/executions",
                                                    body: Data(#"{"workflow":"quick","timeout_ms":9223372036854775807}"#.utf8))
            #expect(huge.status == 422)
            let id = try await Run.start(daemon.socket, "quick")
            _ = try await Run.finish(daemon.socket, id)
            // A workflow with unfinished executions cannot be deleted from under them.
            try await Run.apply(daemon.socket, "workflow: waits\nnodes:\n  a: {kind: delay, config: {duration_ms: 600000}}\n")
            let waiting = try await Run.start(daemon.socket, "waits")
            let refused = try await daemon.socket.send(.DELETE, "/api/v1/workflows/waits")
            #expect(refused.status == 409)
            _ = try await daemon.socket.call(.POST, "/api/v1/executions/\(waiting)/cancel")
            #expect(try await daemon.socket.send(.DELETE, "/api/v1/workflows/waits").status == 204)
        }
    }
}

@Suite(.serialized) struct LeaseExpiryTests {
    /// A running step whose lease runs out (its worker stopped heartbeating) goes back to ready
    /// under a new token and runs again; the first worker's late result is refused. The call is
    /// held by the upstream until both workers have made it, however slow the machine.
    @Test func anExpiredLeaseGivesTheStepToAnotherWorker() async throws {
        let upstream = try await Upstream()
        // The test ends the lease behind agentd's back, which no wake-up announces: the timer
        // finds it at its next look (every 10 s by default, here 200 ms), before a heartbeat
        // renews it.
        try await TestDaemon.run(environment: ["AGENTD_ENGINE_TIMER_POLL_MS": "200"]) { daemon in
            try await Run.apply(daemon.socket, """
                workflow: leased
                nodes:
                  call: {kind: http, timeout_ms: 20000, config: {url: "\(upstream.base)/hold?key=lease"}}
                """)
            let id = try await Run.start(daemon.socket, "leased")
            let deadline = ContinuousClock.now + .seconds(10)
            while try await Run.events(daemon.socket, id).first(where: { $0["type"] as? String == "step.started" }) == nil,
                  ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            // As if the worker had hung: its lease is already over.
            let expire = try await runProgram("/usr/bin/env", ["python3", "-c", """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1], timeout=10)
                n = c.execute("UPDATE job SET lease_expires_at = 1 WHERE status = 'open' AND lease_expires_at IS NOT NULL").rowcount
                c.commit()
                sys.exit(0 if n == 1 else 1)
                """, daemon.databasePath])
            #expect(expire.status == 0, "\(expire.stderr)")
            // The timer takes the job over and runs the step again while the first call still hangs.
            try await upstream.waitForCalls("lease", atLeast: 2)
            try await upstream.release("lease")
            let execution = try await Run.finish(daemon.socket, id)
            #expect(execution["status"] as? String == "succeeded", "\(execution)")
            let events = try await Run.events(daemon.socket, id)
            #expect(events.contains { $0["type"] as? String == "step.recovered" && ($0["data"] as? [String: Any])?["reason"] as? String == "its lease expired" })
            #expect(events.filter { $0["type"] as? String == "step.succeeded" }.count == 1)
            #expect(try await upstream.calls("lease") == 2)
            let metrics = String(decoding: try await daemon.tcp.send(.GET, "/metrics").body, as: UTF8.self)
            #expect(metrics.contains("agentd_lease_expiries_total 1\n"), "\(metrics.split(separator: "\n").filter { $0.contains("lease") })")
        }
    }
}
