import Client
import Foundation
import Testing

/// `agentctl top` and `GET /api/v1/overview` against the real daemon: counts now and in the last
/// hour, step times, spend and errors for those who may see them, through the caller's teams.
@Suite(.serialized) struct OverviewTests {
    @Test func theOverviewCountsWhatTheCallerMaySee() async throws {
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            _ = try await admin.call(.POST, "/api/v1/teams", json: ["name": "red"])
            let redKey = try await IdentityTests.keyFor(daemon, login: "rae", role: "developer")
            _ = try await admin.call(.PUT, "/api/v1/teams/red/members/rae", json: [:])
            let red = IdentityTests.tcp(daemon, key: redKey)
            let viewer = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "vic", role: "viewer"))
            try await Run.apply(admin, """
                workflow: ok
                nodes:
                  a: {kind: transform, config: {output: 1}}
                ---
                workflow: bad
                nodes:
                  a: {kind: transform, config: {output: "{{ 1 / 0 }}"}}
                ---
                workflow: waits
                nodes:
                  w: {kind: delay, config: {duration_ms: 600000}}
                """)
            try await Run.apply(red, "workflow: reds\nteam: red\nnodes:\n  a: {kind: transform, config: {output: \"{{ 1 / 0 }}\"}}\n")
            for workflow in ["ok", "ok", "bad"] { _ = try await Run.finish(admin, try await Run.start(admin, workflow)) }
            _ = try await Run.finish(red, try await Run.start(red, "reds"))
            let waiting = try await Run.start(admin, "waits")
            let deadline = ContinuousClock.now + .seconds(30)
            var overview: [String: Any] = [:]
            while ContinuousClock.now < deadline {
                overview = try await admin.call(.GET, "/api/v1/overview").json ?? [:]
                if (overview["executions"] as? [String: Any])?["waiting"] as? Int == 1 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let hour = overview["last_hour"] as? [String: Any] ?? [:]
            #expect(hour["succeeded"] as? Int == 2 && hour["failed"] as? Int == 2, "\(overview)")
            #expect(abs((overview["failure_rate_last_hour"] as? Double ?? 0) - 0.5) < 0.001)
            #expect(((overview["steps_5m"] as? [String: Any])?["count"] as? Int ?? 0) >= 4)
            // Both failures are one group: the same node and message, in two workflows.
            let errors = overview["recent_errors"] as? [[String: Any]] ?? []
            #expect(overview["cost_today"] as? String == "0.00" && errors.count == 1 && errors.first?["count"] as? Int == 2, "\(overview)")

            // Through the teams: a member of no team sees no red execution; red's member sees it.
            let asViewer = try await viewer.call(.GET, "/api/v1/overview").json ?? [:]
            #expect((asViewer["last_hour"] as? [String: Any])?["failed"] as? Int == 1, "\(asViewer)")
            #expect(asViewer["cost_today"] is NSNull && asViewer["recent_errors"] is NSNull, "needs costs.view and errors.view: \(asViewer)")
            #expect((try await red.call(.GET, "/api/v1/overview").json?["last_hour"] as? [String: Any])?["failed"] as? Int == 2)
            let guest = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "gil", role: "guest"))
            #expect(try await guest.send(.GET, "/api/v1/overview").status == 403)

            let top = try await runProgram(TestDaemon.binaries + "/agentctl", ["top", "--once", "--socket", daemon.socketPath])
            #expect(top.status == 0 && top.stdout.contains("succeeded 2   failed 2") && top.stdout.contains("waiting 1")
                    && top.stdout.contains("errors in the last hour"), "\(top)")
            #expect(try await runProgram(TestDaemon.binaries + "/agentctl", ["top", "--interval", "0", "--socket", daemon.socketPath]).status != 0)
            _ = try await admin.call(.POST, "/api/v1/executions/\(waiting)/cancel", json: [:])
        }
    }
}
