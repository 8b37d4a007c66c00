import Client
import Foundation
import Testing

/// The activity feed: budget alerts and failed executions, newest first, to those who may see
/// them (`GET /api/v1/activity`, `agentctl activity`).
@Suite(.serialized) struct ActivityTests {
    @Test func alertsAndFailuresShowNewestFirstToThoseWhoMaySeeThem() async throws {
        let server = try await Upstream(script: "modelserver.py")
        let upstream = try await Upstream()
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            for team in ["red", "blue"] { _ = try await admin.call(.POST, "/api/v1/teams", json: ["name": team]) }
            // An operator of team red (costs.view), and a viewer in no team (no costs.view).
            let red = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "rae", role: "operator"))
            _ = try await admin.call(.PUT, "/api/v1/teams/red/members/rae", json: [:])
            let viewer = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "vic", role: "viewer"))
            let foreign = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "olga", role: "admin", org: "other"))

            // One call of team blue costs more than the org's budget and blue's: it crosses 50,
            // 75, 90 and 100 % of both at once (overage allowed, so the step is not refused).
            try await LLMTests.model(admin, "pricey", server, input: "1000", output: "1000")
            for team in [nil, "blue"] as [String?] {
                var budget: [String: Any] = ["limit": "0.01", "allow_overage": true]
                budget["team"] = team
                _ = try await admin.call(.PUT, "/api/v1/budgets", json: budget)
            }
            var documents = "workflow: spender\nteam: blue\nnodes:\n  ask: {kind: llm, config: {model: pricey, prompt: \"hello there\"}}\n"
            for (name, team) in [("breaks", nil), ("red-breaks", "red"), ("blue-breaks", "blue")] as [(String, String?)] {
                documents += "---\nworkflow: \(name)\n" + (team.map { "team: \($0)\n" } ?? "")
                    + "nodes:\n  call: {kind: http, config: {url: \"\(upstream.base)/status?code=404\"}}\n"
            }
            try await Run.apply(admin, documents)
            let spender = try await Run.start(admin, "spender")
            #expect(try await Run.finish(admin, spender)["status"] as? String == "succeeded")
            var failed: [String: String] = [:]
            for name in ["breaks", "red-breaks", "blue-breaks"] {
                let id = try await Run.start(admin, name)
                #expect(try await Run.finish(admin, id)["status"] as? String == "failed")
                failed[name] = id
            }

            // A raised limit does not rewrite what the alerts said.
            _ = try await admin.call(.PUT, "/api/v1/budgets", json: ["limit": "100", "allow_overage": true])

            // The admin sees everything, newest first: the three failures, then the eight alerts.
            let all = try await Self.items(admin, "/api/v1/activity")
            #expect(all.count == 11, "\(all)")
            let times = all.compactMap { $0["at"] as? String }
            #expect(times.count == 11 && times == times.sorted(by: >), "\(times)")
            #expect(all.prefix(3).compactMap { $0["execution"] as? String } == [failed["blue-breaks"], failed["red-breaks"], failed["breaks"]])
            let alerts = all.filter { $0["kind"] as? String == "budget.alert" }
            #expect(Set(alerts.map { "\($0["budget"] ?? "") \($0["threshold"] ?? "")" })
                    == Set(["org", "team blue"].flatMap { budget in [50, 75, 90, 100].map { "\(budget) \($0)" } }))
            #expect(alerts.allSatisfy { $0["execution"] as? String == spender && $0["limit_micros"] as? Int == 10_000 }, "\(alerts)")
            let redFailure = all.first { $0["execution"] as? String == failed["red-breaks"] } ?? [:]
            #expect(redFailure["workflow"] as? String == "red-breaks" && redFailure["kind"] as? String == "execution.failed")
            #expect(redFailure["summary"] as? String == "red-breaks failed at call: client_error: HTTP 404", "\(redFailure)")
            #expect(((redFailure["error"] as? [String: Any])?["node"] as? String) == "call")

            // Pages of one, four of them sharing a millisecond, give the same items once each.
            var paged: [[String: Any]] = []
            var cursor: String?
            repeat {
                let page = try await admin.call(.GET, "/api/v1/activity?limit=1" + (cursor.map { "&cursor=\($0)" } ?? "")).json ?? [:]
                paged += page["items"] as? [[String: Any]] ?? []
                cursor = page["next_cursor"] as? String
            } while cursor != nil && paged.count <= 11
            #expect(paged.map(Self.identity) == all.map(Self.identity))

            #expect(try await Self.items(admin, "/api/v1/activity?kind=execution.failed").count == 3)
            #expect(try await Self.items(admin, "/api/v1/activity?since=2099-01-01T00:00:00Z").isEmpty)

            // Team red's operator: the org budget's alerts, without the blue execution that
            // crossed it; failures of no team and of red; nothing of blue's.
            let redView = try await Self.items(red, "/api/v1/activity")
            #expect(Set(redView.compactMap { $0["execution"] as? String }) == [failed["breaks"]!, failed["red-breaks"]!], "\(redView)")
            let redAlerts = redView.filter { $0["kind"] as? String == "budget.alert" }
            #expect(redAlerts.count == 4 && redAlerts.allSatisfy { $0["budget"] as? String == "org" && $0["execution"] is NSNull }, "\(redAlerts)")
            #expect(redAlerts.allSatisfy { ($0["summary"] as? String)?.contains("execution") == false }, "\(redAlerts)")
            #expect(redView.count == 6)
            // A viewer has no costs.view: no alerts; and no team: only the failure of no team.
            let viewerView = try await Self.items(viewer, "/api/v1/activity")
            #expect(viewerView.compactMap { $0["execution"] as? String } == [failed["breaks"]!], "\(viewerView)")
            #expect(try await Self.items(foreign, "/api/v1/activity").isEmpty, "another org's admin sees nothing of this org")
            // The same rule as the executions list (one TeamVisibility serves both).
            let redListed = try await Self.items(red, "/api/v1/executions").compactMap { $0["id"] as? String }
            #expect(Set(redListed) == [failed["breaks"]!, failed["red-breaks"]!], "\(redListed)")
            #expect(try await Self.items(viewer, "/api/v1/executions").compactMap { $0["id"] as? String } == [failed["breaks"]!])

            // Bad input says what is wrong.
            for (query, code) in [("since=yesterday", "invalid_parameter"), ("kind=crash", "invalid_parameter"), ("limit=0", "invalid_parameter"),
                                  ("cursor=bm9wZQ", "invalid_cursor"), ("cursor=\(Self.foreignCursor)", "invalid_cursor")] {
                let response = try await admin.send(.GET, "/api/v1/activity?\(query)")
                #expect(response.status == 400 && response.json?["code"] as? String == code, "\(query): \(String(decoding: response.body, as: UTF8.self))")
            }

            // agentctl, as a person reads it.
            let table = try await runProgram(AgentctlTests.agentctl, ["activity", "--socket", daemon.socketPath])
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout.contains("budget org passed 100 % ($") && table.stdout.contains(" of $0.01) with execution \(spender)"), "\(table.stdout)")
            #expect(table.stdout.contains("red-breaks failed at call"), "\(table.stdout)")
            let everything = try await runProgram(AgentctlTests.agentctl, ["activity", "--limit", "2", "--all", "--output", "json", "--socket", daemon.socketPath])
            let listed = try JSONSerialization.jsonObject(with: Data(everything.stdout.utf8)) as? [String: Any] ?? [:]
            #expect((listed["items"] as? [[String: Any]])?.map(Self.identity) == all.map(Self.identity) && listed["next_cursor"] == nil, "\(everything)")
            let first = try await runProgram(AgentctlTests.agentctl, ["activity", "--limit", "2", "--socket", daemon.socketPath])
            #expect(first.stdout.split(separator: "\n").count == 3 && first.stderr.contains("more items"), "\(first)")
            let bad = try await runProgram(AgentctlTests.agentctl, ["activity", "--kind", "crash", "--socket", daemon.socketPath])
            #expect(bad.status == 1 && bad.stderr.contains("kind"), "\(bad.status) \(bad.stderr)")
        }
    }

    /// A cursor of another listing (executions), refused here.
    static let foreignCursor = Data("v1:executions:x".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")

    static func items(_ client: AgentClient, _ path: String) async throws -> [[String: Any]] {
        let response = try await client.send(.GET, path)
        guard response.status == 200 else { throw TestFailure("\(path): \(response.status) \(String(decoding: response.body, as: UTF8.self))") }
        return response.json?["items"] as? [[String: Any]] ?? []
    }

    static func identity(_ item: [String: Any]) -> String {
        "\(item["kind"] ?? "")/\(item["execution"] ?? "")/\(item["budget"] ?? "")/\(item["threshold"] ?? "")"
    }
}
