import Client
import Foundation
import Testing

/// Branches of a workflow and their merge into main, against the real daemon with agentctl: a
/// branch leaves main's deployments alone, a clean merge makes a version with two parents, a
/// conflict is listed by path with nothing written and settled by a resolution, and bad or
/// foreign requests are refused.
@Suite(.serialized) struct BranchMergeTests {
    static let agentctl = TestDaemon.binaries + "/agentctl"

    static func triage(a: Int, b: Int, c: Bool = false) -> String {
        "workflow: triage\nnodes:\n  a: {kind: transform, config: {output: \(a)}}\n  b: {kind: transform, config: {output: \(b)}}\n"
            + (c ? "  c: {kind: transform, config: {output: 3}}\nedges: [a -> b, b -> c]\n" : "edges: [a -> b]\n")
    }

    func agentctl(_ daemon: TestDaemon, key: String, _ arguments: [String], stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        var arguments = arguments
        if let stdin {
            let file = daemon.directory + "/doc-\(UUID().uuidString).yaml"
            try stdin.write(toFile: file, atomically: true, encoding: .utf8)
            arguments += ["-f", file]
        }
        return try await runProgram(Self.agentctl, arguments + ["--url", "http://127.0.0.1:\(daemon.tcpPort)"], environment: ["AGENTCTL_API_KEY": key])
    }

    func versions(_ client: AgentClient) async throws -> [[String: Any]] {
        try await client.call(.GET, "/api/v1/workflows/triage/versions?limit=200").json?["items"] as? [[String: Any]] ?? []
    }

    @Test func aBranchMergesIntoMain_conflictsAreListedAndSettled() async throws {
        try await TestDaemon.run { daemon in
            let key = try await IdentityTests.keyFor(daemon, login: "dev", role: "developer", org: "acme")
            let admin = IdentityTests.tcp(daemon, key: key)
            try await Run.apply(admin, Self.triage(a: 1, b: 2))                                   // version 1, deployed to dev
            let branched = try await agentctl(daemon, key: key, ["apply", "--branch", "fix"], stdin: Self.triage(a: 1, b: 20, c: true))
            #expect(branched.status == 0, "\(branched)")
            let workflow = try await admin.call(.GET, "/api/v1/workflows/triage").json ?? [:]
            #expect(workflow["latest_version"] as? Int == 1)
            #expect(((workflow["deployments"] as? [String: Any])?["dev"] as? [String: Any])?["version"] as? Int == 1)
            #expect(try await versions(admin).first { $0["version"] as? Int == 2 }?["branch"] as? String == "fix")
            try await Run.apply(admin, Self.triage(a: 10, b: 2))                                  // version 3 on main

            // A clean merge: main's change and the branch's, in a version with two parents, not deployed.
            let merged = try await agentctl(daemon, key: key, ["workflows", "merge", "triage", "fix"])
            #expect(merged.status == 0 && merged.stdout.contains("version 4 (from 3 and 2, base 1)"), "\(merged)")
            let four = try await admin.call(.GET, "/api/v1/workflows/triage/versions/4").json ?? [:]
            #expect(four["parent_version"] as? Int == 3 && four["merged_from"] as? Int == 2 && four["branch"] as? String == "main")
            let nodes = (four["definition"] as? [String: Any])?["nodes"] as? [String: [String: Any]] ?? [:]
            #expect((nodes["a"]?["config"] as? [String: Any])?["output"] as? Int == 10 && (nodes["b"]?["config"] as? [String: Any])?["output"] as? Int == 20)
            #expect(nodes["c"] != nil && (four["definition"] as? [String: Any])?["edges"] as? [String] == ["a -> b", "b -> c"])
            let dev = ((try await admin.call(.GET, "/api/v1/workflows/triage").json?["deployments"] as? [String: Any])?["dev"] as? [String: Any])?["version"]
            #expect(dev as? Int == 3)
            let again = try await admin.send(.POST, "/api/v1/workflows/triage/merge", body: Data(#"{"branch":"fix"}"#.utf8),
                                             headers: [("Content-Type", "application/json")])
            #expect(again.status == 409 && (again.json?["detail"] as? String)?.contains("merged into main already") == true)

            // Both change b's output: a conflict by path, nothing written; then settled.
            _ = try await agentctl(daemon, key: key, ["apply", "--branch", "fix"], stdin: Self.triage(a: 1, b: 5, c: true))   // 5 on fix
            try await Run.apply(admin, Self.triage(a: 10, b: 7, c: true))                                                    // 6 on main
            let before = try await versions(admin).count
            let conflict = try await agentctl(daemon, key: key, ["workflows", "merge", "triage", "fix"])
            #expect(conflict.status != 0 && conflict.stderr.contains("nodes.b.config.output: ours 7, theirs 5 (was 20)"), "\(conflict)")
            #expect(try await versions(admin).count == before)
            let settled = try await agentctl(daemon, key: key, ["workflows", "merge", "triage", "fix", "--resolve", "nodes.b.config.output=theirs"])
            #expect(settled.status == 0 && settled.stdout.contains("settled: nodes.b.config.output took theirs"), "\(settled)")
            let seven = try await admin.call(.GET, "/api/v1/workflows/triage/versions/7").json ?? [:]
            let b = ((seven["definition"] as? [String: Any])?["nodes"] as? [String: [String: Any]])?["b"]?["config"] as? [String: Any]
            #expect(b?["output"] as? Int == 5 && seven["merged_from"] as? Int == 5)
            let audit = try await daemon.socket.call(.GET, "/api/v1/audit?action=workflow.merged&limit=10").json?["items"] as? [Any] ?? []
            #expect(audit.count == 2)
        }
    }

    @Test func badBranchRequestsAreRefused_andAnotherOrgSeesNothing() async throws {
        try await TestDaemon.run { daemon in
            let key = try await IdentityTests.keyFor(daemon, login: "dev", role: "developer", org: "acme")
            let admin = IdentityTests.tcp(daemon, key: key)
            try await Run.apply(admin, Self.triage(a: 1, b: 2))
            func post(_ client: AgentClient, _ path: String, _ body: String) async throws -> ClientResponse {
                try await client.send(.POST, path, body: Data(body.utf8), headers: [("Content-Type", "application/json")])
            }
            let document = try JSONSerialization.data(withJSONObject: ["document": Self.triage(a: 1, b: 3), "branch": "Main!"])
            let badName = try await admin.send(.POST, "/api/v1/apply", body: document, headers: [("Content-Type", "application/json")])
            #expect(badName.status == 422 && "\(badName.json?["errors"] ?? "")".contains("branch"))
            let deployed = try JSONSerialization.data(withJSONObject: ["document": Self.triage(a: 1, b: 3), "branch": "x", "deploy": "prod"])
            #expect(try await admin.send(.POST, "/api/v1/apply", body: deployed, headers: [("Content-Type", "application/json")]).status == 422)
            let fresh = try JSONSerialization.data(withJSONObject: ["document": "workflow: newer\nnodes:\n  a: {kind: transform, config: {output: 1}}\n",
                                                                     "branch": "x"])
            #expect(try await admin.send(.POST, "/api/v1/apply", body: fresh, headers: [("Content-Type", "application/json")]).status == 422)
            #expect(try await post(admin, "/api/v1/workflows/triage/merge", #"{"branch":"nope"}"#).status == 404)
            #expect(try await post(admin, "/api/v1/workflows/triage/merge", #"{"branch":"x","take":"both"}"#).status == 422)
            #expect(try await post(admin, "/api/v1/workflows/triage/merge", #"{"branch":"#).json?["code"] as? String == "malformed_json")
            let foreign = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "gus", role: "admin", org: "globex"))
            #expect(try await post(foreign, "/api/v1/workflows/triage/merge", #"{"branch":"x"}"#).status == 404)
            let operatorKey = try await IdentityTests.keyFor(daemon, login: "op", role: "operator", org: "acme")
            let refused = try await post(IdentityTests.tcp(daemon, key: operatorKey), "/api/v1/workflows/triage/merge", #"{"branch":"x"}"#)
            #expect(refused.status == 403 && (refused.json?["detail"] as? String)?.contains("workflows.merge") == true)
        }
    }
}
