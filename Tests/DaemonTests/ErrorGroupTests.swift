import Client
import Foundation
import Testing

/// Failures grouped by fingerprint against the real daemon with agentctl: occurrences that differ
/// only in numbers are one group, another node is another; a team member counts only what their
/// teams' workflows did; another org and a viewer see nothing.
@Suite(.serialized) struct ErrorGroupTests {
    static let agentctl = TestDaemon.binaries + "/agentctl"

    @Test func failuresGroupByKindNodeAndMessage_seenThroughTheCallersTeams() async throws {
        let upstream = try await Upstream()
        // The failures all go to one upstream: a breaker opening after five would be a group of its own.
        try await TestDaemon.run(environment: ["AGENTD_ENGINE_BREAKER_FAILURES": "100"]) { daemon in
            let admin = daemon.socket
            for team in ["red", "blue"] { _ = try await admin.call(.POST, "/api/v1/teams", json: ["name": team]) }
            let redKey = try await IdentityTests.keyFor(daemon, login: "rae", role: "developer")
            let blueKey = try await IdentityTests.keyFor(daemon, login: "ben", role: "developer")
            _ = try await admin.call(.PUT, "/api/v1/teams/red/members/rae", json: [:])
            _ = try await admin.call(.PUT, "/api/v1/teams/blue/members/ben", json: [:])
            let red = IdentityTests.tcp(daemon, key: redKey), blue = IdentityTests.tcp(daemon, key: blueKey)
            let call = { (name: String, team: String?, node: String) in
                "workflow: \(name)\n" + (team.map { "team: \($0)\n" } ?? "") + "input: {type: object, properties: {code: {type: integer}}}\n"
                    + "nodes:\n  \(node): {kind: http, retry: {max_attempts: 1}, config: {method: GET, url: \"\(upstream.base)/status?code={{ input.code }}\"}}\n"
            }
            try await Run.apply(admin, call("shared", nil, "fetch"))
            try await Run.apply(red, call("reds", "red", "fetch"))
            try await Run.apply(admin, call("other", nil, "post"))
            for code in [500, 502, 503] { _ = try await Run.finish(admin, try await Run.start(admin, "shared", input: ["code": code])) }
            _ = try await Run.finish(red, try await Run.start(red, "reds", input: ["code": 504]))
            _ = try await Run.finish(admin, try await Run.start(admin, "other", input: ["code": 500]))
            _ = try await Run.finish(admin, try await Run.start(admin, "shared", input: ["code": 200]))     // succeeds: not counted

            let groups = try await admin.call(.GET, "/api/v1/errors").json?["items"] as? [[String: Any]] ?? []
            #expect(groups.count == 2, "\(groups)")
            let fetch = try #require(groups.first { $0["node"] as? String == "fetch" })
            #expect(fetch["count"] as? Int == 4 && fetch["kind"] as? String == "server_error", "\(fetch)")
            #expect(((fetch["workflows"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }.sorted() == ["reds", "shared"])
            #expect(fetch["message"] as? String == "HTTP <n>" && fetch["sample_message"] as? String == "HTTP 504", "\(fetch)")
            let fingerprint = try #require(fetch["fingerprint"] as? String)

            // Through the teams: blue sees the org's workflow only; red sees its own too.
            let asBlue = try await blue.call(.GET, "/api/v1/errors/\(fingerprint)").json ?? [:]
            #expect(asBlue["count"] as? Int == 3 && (asBlue["workflows"] as? [Any])?.count == 1, "\(asBlue)")
            #expect(try await red.call(.GET, "/api/v1/errors/\(fingerprint)").json?["count"] as? Int == 4)
            let onlyReds = try await runProgram(Self.agentctl, ["errors", "list", "--workflow", "reds", "--url", "http://127.0.0.1:\(daemon.tcpPort)"],
                                                environment: ["AGENTCTL_API_KEY": redKey])
            #expect(onlyReds.status == 0 && onlyReds.stdout.contains(fingerprint) && onlyReds.stdout.contains("server_error"), "\(onlyReds)")
            let shown = try await runProgram(Self.agentctl, ["errors", "show", fingerprint, "--url", "http://127.0.0.1:\(daemon.tcpPort)"],
                                             environment: ["AGENTCTL_API_KEY": redKey])
            #expect(shown.status == 0 && shown.stdout.contains("reds") && shown.stdout.contains("shared"), "\(shown)")

            // Filters, and what is refused.
            #expect((try await admin.call(.GET, "/api/v1/errors?kind=timeout").json?["items"] as? [Any])?.isEmpty == true)
            #expect((try await admin.call(.GET, "/api/v1/errors?since=2099-01-01").json?["items"] as? [Any])?.isEmpty == true)
            #expect(try await admin.send(.GET, "/api/v1/errors?since=yesterday").status == 400)
            #expect(try await admin.send(.GET, "/api/v1/errors?limit=0").status == 400)
            let viewer = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "vic", role: "viewer"))
            #expect(try await viewer.send(.GET, "/api/v1/errors").status == 403)
            let globex = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "gus", role: "admin", org: "globex"))
            #expect(try await globex.send(.GET, "/api/v1/errors/\(fingerprint)").status == 404)
            #expect((try await globex.call(.GET, "/api/v1/errors").json?["items"] as? [Any])?.isEmpty == true)
        }
    }
}
