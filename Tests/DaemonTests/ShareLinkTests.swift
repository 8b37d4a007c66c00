import Client
import Foundation
import Testing

/// Share links through the real daemon: made by those who may open the target, opened
/// without a login until they expire or are revoked, each opening audited, showing nothing
/// but the one thing (`/api/v1/share-links`, `/api/v1/shared/{token}`, `agentctl share`).
@Suite(.serialized) struct ShareLinkTests {
    func problem(_ response: ClientResponse) -> String {
        (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["code"] as? String ?? "(\(response.status))"
    }

    @Test func aLinkOpensOneThingUntilItExpiresOrIsRevoked() async throws {
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            for team in ["red", "blue"] { _ = try await admin.call(.POST, "/api/v1/teams", json: ["name": team]) }
            let rae = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "rae", role: "developer"))
            let vic = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "vic", role: "viewer"))
            let blue = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "bea", role: "developer"))
            _ = try await admin.call(.PUT, "/api/v1/teams/red/members/rae", json: [:])
            _ = try await admin.call(.PUT, "/api/v1/teams/blue/members/bea", json: [:])
            try await Run.apply(admin, "workflow: red-flow\nteam: red\nnodes:\n  only: {kind: transform, config: {output: \"{{ input }}\"}}\n")
            let execution = try await Run.start(admin, "red-flow", input: ["note": "quarterly numbers"])
            #expect(try await Run.finish(admin, execution)["status"] as? String == "succeeded")

            // Made by someone who may open it and holds share.links; the token once, not stored.
            let made = try await rae.send(.POST, "/api/v1/share-links", body: Data(#"{"on": "execution/\#(execution)", "expires_in": "2d"}"#.utf8),
                                          headers: [("Content-Type", "application/json")])
            #expect(made.status == 201 && made.header("Cache-Control") == "no-store")
            let link = made.json ?? [:]
            let token = try #require(link["token"] as? String)
            #expect(token.hasPrefix("agl_") && (link["url"] as? String)?.hasSuffix("/ui/shared/\(token)") == true, "\(link)")
            #expect(problem(try await vic.send(.POST, "/api/v1/share-links", body: Data(#"{"on": "execution/\#(execution)"}"#.utf8),
                                               headers: [("Content-Type", "application/json")])) == "permission_denied")
            #expect(problem(try await blue.send(.POST, "/api/v1/share-links", body: Data(#"{"on": "execution/\#(execution)"}"#.utf8),
                                                headers: [("Content-Type", "application/json")])) == "not_found")
            for (body, code) in [(#"{"on": "execution/\#(execution)", "expires_in": "90d"}"#, "validation_failed"),
                                 (#"{"on": "pizza/x"}"#, "invalid_parameter"), (#"{"on": "workflow/nope"}"#, "not_found")] {
                let response = try await rae.send(.POST, "/api/v1/share-links", body: Data(body.utf8), headers: [("Content-Type", "application/json")])
                #expect(problem(response) == code, "\(body): \(response.status) \(problem(response))")
            }

            // Opened without a login: the execution, and nothing that names a person.
            let anonymous = daemon.tcp
            let opened = try await anonymous.send(.GET, "/api/v1/shared/\(token)")
            #expect(opened.status == 200, "\(String(decoding: opened.body, as: UTF8.self))")
            let shown = opened.json?["execution"] as? [String: Any] ?? [:]
            #expect(shown["id"] as? String == execution && ((shown["output"] as? [String: Any])?["only"] as? [String: Any])?["note"] as? String == "quarterly numbers",
                    "\(shown)")
            #expect(shown["created_by"] == nil && shown["workflow_id"] == nil && shown["org_id"] == nil, "\(shown.keys.sorted())")
            let page = try await SSOBrowser().get("http://127.0.0.1:\(daemon.tcpPort)/ui/shared/\(token)")
            #expect(page.status == 200 && page.body.contains("quarterly numbers") && !page.body.contains("id=\"nav\""), "\(page.status)")
            // A wrong secret, a made-up token: not found, the same answer.
            let wrong = String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")
            #expect(try await anonymous.send(.GET, "/api/v1/shared/\(wrong)").status == 404)
            #expect(try await anonymous.send(.GET, "/api/v1/shared/agl_nothing").status == 404)
            let listed = try await rae.call(.GET, "/api/v1/share-links").json?["items"] as? [[String: Any]] ?? []
            #expect(listed.first?["uses"] as? Int == 2 && listed.first?["state"] as? String == "open" && listed.first?["token"] == nil, "\(listed)")
            #expect((try await blue.call(.GET, "/api/v1/share-links").json?["items"] as? [[String: Any]] ?? []).isEmpty)

            // Revoked: 410 from then on.
            #expect(problem(try await blue.send(.DELETE, "/api/v1/share-links/\(link["id"] as? String ?? "")")) == "not_found")
            _ = try await rae.call(.DELETE, "/api/v1/share-links/\(link["id"] as? String ?? "")")
            let revoked = try await anonymous.send(.GET, "/api/v1/shared/\(token)")
            #expect(revoked.status == 410 && problem(revoked) == "link_revoked")

            // Expired: a link of two seconds, opened once in time and then after.
            let short = try await rae.call(.POST, "/api/v1/share-links", json: ["on": "workflow/red-flow", "expires_in": "2s"]).json ?? [:]
            let shortToken = try #require(short["token"] as? String)
            let workflow = try await anonymous.send(.GET, "/api/v1/shared/\(shortToken)")
            #expect((workflow.json?["workflow"] as? [String: Any])?["name"] as? String == "red-flow", "\(workflow.status)")
            var expired = workflow
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, expired.status == 200 {
                try await Task.sleep(for: .milliseconds(100))
                expired = try await anonymous.send(.GET, "/api/v1/shared/\(shortToken)")
            }
            #expect(expired.status == 410 && problem(expired) == "link_expired")

            // Every opening is in the audit, by the link.
            let audit = try await admin.call(.GET, "/api/v1/audit?action=share.link_used&limit=50").json?["items"] as? [[String: Any]] ?? []
            #expect(audit.count >= 3 && audit.allSatisfy { ($0["actor"] as? String)?.hasPrefix("link:agl_") == true }, "\(audit)")

            // agentctl.
            let socket = ["--socket", daemon.socketPath]
            let cli = try await runProgram(AgentctlTests.agentctl, ["share", "link", "execution/\(execution)", "--expires", "1d"] + socket)
            #expect(cli.status == 0 && cli.stdout.contains("/ui/shared/agl_") && cli.stderr.contains("shown only now"), "\(cli)")
            let links = try await runProgram(AgentctlTests.agentctl, ["share", "links"] + socket)
            #expect(links.stdout.contains("revoked") && links.stdout.contains("expired") && links.stdout.contains("open"), "\(links)")
        }
    }
}
