import Client
import Foundation
import Testing

/// Comments through the real daemon: threads, mentions of people who may (and may not) open
/// the target, edit and delete one's own, resolve, search (`/api/v1/comments`, `agentctl comments`).
@Suite(.serialized) struct CommentTests {
    func problem(_ response: ClientResponse) -> String {
        (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["code"] as? String ?? "(\(response.status))"
    }

    func post(_ client: AgentClient, _ path: String, _ body: [String: Any]) async throws -> ClientResponse {
        try await client.send(.POST, path, body: try JSONSerialization.data(withJSONObject: body), headers: [("Content-Type", "application/json")])
    }

    @Test func threadsMentionsAndResolvingFollowWhoMayOpenTheTarget() async throws {
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            for team in ["red", "blue"] { _ = try await admin.call(.POST, "/api/v1/teams", json: ["name": team]) }
            let rae = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "rae", role: "developer"))
            let ann = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "ann", role: "viewer"))
            let bob = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "bob", role: "viewer"))
            let olga = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "olga", role: "admin", org: "other"))
            for login in ["rae", "ann"] { _ = try await admin.call(.PUT, "/api/v1/teams/red/members/\(login)", json: [:]) }
            try await Run.apply(admin, "workflow: red-flow\nteam: red\nnodes:\n  fetch: {kind: transform, config: {output: 1}}\n")

            // A mention of someone who may not open it (bob: no team; olga: another org;
            // nobody: no such person) is refused, and nothing is kept.
            for login in ["bob", "olga", "nobody"] {
                let refused = try await post(rae, "/api/v1/comments", ["on": "workflow/red-flow", "body": "@\(login) have a look"])
                #expect(refused.status == 422 && problem(refused) == "mention_without_access", "\(login): \(refused.status)")
                #expect(String(decoding: refused.body, as: UTF8.self).contains(login))
            }
            let first = try await rae.call(.POST, "/api/v1/comments", json: ["on": "workflow/red-flow", "body": "@ann the timeout is too short, see bob@corp.local",
                                                                            "node": "fetch"]).json ?? [:]
            #expect(first["mentions"] as? [String] == ["ann"] && first["node"] as? String == "fetch" && first["author"] as? String == "rae", "\(first)")
            let root = try #require(first["id"] as? String)
            let reply = try await ann.call(.POST, "/api/v1/comments", json: ["on": "workflow/red-flow", "body": "raised to **60 s**", "reply_to": root]).json ?? [:]
            #expect(reply["thread"] as? String == root)
            let other = try await ann.call(.POST, "/api/v1/comments", json: ["on": "workflow/red-flow", "body": "a second thread"]).json ?? [:]
            let listed = try await rae.call(.GET, "/api/v1/comments?on=workflow/red-flow").json?["items"] as? [[String: Any]] ?? []
            #expect(listed.compactMap { $0["id"] as? String } == [root, reply["id"] as? String, other["id"] as? String].compactMap { $0 })

            // Those who may not open the workflow find no comment on it, by any way.
            #expect(problem(try await bob.send(.GET, "/api/v1/comments?on=workflow/red-flow")) == "not_found")
            #expect(problem(try await olga.send(.GET, "/api/v1/comments/\(root)")) == "not_found")
            #expect(problem(try await post(bob, "/api/v1/comments", ["on": "workflow/red-flow", "body": "hi"])) == "not_found")
            #expect(problem(try await post(bob, "/api/v1/comments/\(root)/resolve", [:])) == "not_found")

            // Only the author edits; mentions are read again.
            let notMine = try await ann.send(.PATCH, "/api/v1/comments/\(root)", body: Data(#"{"body": "changed"}"#.utf8), headers: [("Content-Type", "application/json")])
            #expect(notMine.status == 403 && problem(notMine) == "not_author")
            let edited = try await rae.call(.PATCH, "/api/v1/comments/\(root)", json: ["body": "the timeout is too short"]).json ?? [:]
            #expect(edited["edited_at"] is String && (edited["mentions"] as? [String])?.isEmpty == true, "\(edited)")

            // Resolving a reply resolves its thread.
            let resolved = try await ann.call(.POST, "/api/v1/comments/\(reply["id"] as? String ?? "")/resolve").json ?? [:]
            #expect(resolved["id"] as? String == root && resolved["resolved_by"] as? String == "ann", "\(resolved)")

            // Search finds comments as far as their target is visible.
            let found = try await admin.call(.GET, "/api/v1/search?q=timeout%20type:comment").json?["items"] as? [[String: Any]] ?? []
            #expect(found.compactMap { $0["id"] as? String } == [root] && found.first?["status"] as? String == "resolved", "\(found)")
            #expect((try await bob.call(.GET, "/api/v1/search?q=timeout").json?["items"] as? [[String: Any]] ?? []).isEmpty)
            #expect((try await admin.call(.GET, "/api/v1/search?q=timeout%20status:open").json?["items"] as? [[String: Any]] ?? []).isEmpty)

            // Bad input: each with its problem, nothing kept.
            for (body, code) in [(["on": "pizza/red-flow", "body": "x"], "invalid_parameter"), (["on": "workflow/red-flow", "body": "  "], "invalid_parameter"),
                                 (["on": "workflow/red-flow", "body": "x", "node": "no spaces"], "invalid_parameter"),
                                 (["on": "workflow/red-flow", "body": String(repeating: "x", count: 10_001)], "invalid_parameter"),
                                 (["on": "workflow/red-flow", "body": "x", "reply_to": "cmt_nope"], "not_found")] as [([String: Any], String)] {
                let response = try await post(rae, "/api/v1/comments", body)
                #expect(problem(response) == code, "\(body["on"] ?? "") \(String(describing: body["node"])): \(response.status) \(problem(response))")
            }
            #expect((try await rae.call(.GET, "/api/v1/comments?on=workflow/red-flow").json?["items"] as? [[String: Any]])?.count == 3)

            // The author deletes a thread's first comment: its replies go with it.
            #expect(try await rae.send(.DELETE, "/api/v1/comments/\(root)").status == 204)
            let left = try await rae.call(.GET, "/api/v1/comments?on=workflow/red-flow").json?["items"] as? [[String: Any]] ?? []
            #expect(left.compactMap { $0["id"] as? String } == [other["id"] as? String].compactMap { $0 })
            let audit = try await admin.call(.GET, "/api/v1/audit?limit=200").json?["items"] as? [[String: Any]] ?? []
            #expect(Set(audit.compactMap { $0["action"] as? String }).isSuperset(of: ["comment.added", "comment.edited", "comment.resolved", "comment.deleted"]))

            // agentctl, as a person uses it.
            let socket = ["--socket", daemon.socketPath]
            let added = try await runProgram(AgentctlTests.agentctl, ["comments", "add", "workflow/red-flow", "@rae nightly run is slow", "--node", "fetch"] + socket)
            #expect(added.status == 0 && added.stdout.contains("mentioning rae"), "\(added)")
            let shown = try await runProgram(AgentctlTests.agentctl, ["comments", "list", "workflow/red-flow"] + socket)
            #expect(shown.stdout.contains("nightly run is slow") && shown.stdout.contains("on step fetch"), "\(shown)")
            let refused = try await runProgram(AgentctlTests.agentctl, ["comments", "add", "workflow/red-flow", "@bob look"] + socket)
            #expect(refused.status == 1 && refused.stderr.contains("mention_without_access"), "\(refused)")

            // A removed workflow takes its comments with it.
            _ = try await admin.call(.DELETE, "/api/v1/workflows/red-flow")
            #expect(problem(try await admin.send(.GET, "/api/v1/comments/\(other["id"] as? String ?? "")")) == "not_found")
            #expect((try await admin.call(.GET, "/api/v1/search?q=nightly").json?["items"] as? [[String: Any]] ?? []).isEmpty)
        }
    }
}
