import Client
import Foundation
import Testing

/// Promotion between environments and their diff, against the real daemon with agentctl: only
/// the version deployed in `from`, only once it ran there, recorded with that run; refusals for
/// an untested version, a bad environment and another org.
@Suite(.serialized) struct PromotionTests {
    static let agentctl = TestDaemon.binaries + "/agentctl"

    func agentctl(_ daemon: TestDaemon, key: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runProgram(Self.agentctl, arguments + ["--url", "http://127.0.0.1:\(daemon.tcpPort)"], environment: ["AGENTCTL_API_KEY": key])
    }

    /// Runs `w` in `environment` and waits until it succeeded.
    func ran(_ client: AgentClient, in environment: String) async throws {
        let id = try #require(try await client.call(.POST, "/api/v1/executions", json: ["workflow": "wf", "environment": environment]).json?["id"] as? String)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await client.call(.GET, "/api/v1/executions/\(id)").json?["status"] as? String == "succeeded" { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("\(id) did not succeed in \(environment)")
    }

    func deployed(_ client: AgentClient, _ environment: String) async throws -> Int? {
        ((try await client.call(.GET, "/api/v1/workflows/wf").json?["deployments"] as? [String: Any])?[environment] as? [String: Any])?["version"] as? Int
    }

    @Test func onlyAVersionThatRanIsPromoted_andEnvironmentsShowWhatDiffers() async throws {
        try await TestDaemon.run { daemon in
            let key = try await IdentityTests.keyFor(daemon, login: "dev", role: "developer", org: "acme")
            let client = IdentityTests.tcp(daemon, key: key)
            try await Run.apply(client, "workflow: wf\nnodes:\n  a: {kind: transform, config: {output: 1}}\n")     // 1, in dev
            let untested = try await agentctl(daemon, key: key, ["promote", "wf", "--from", "dev", "--to", "staging"])
            #expect(untested.status != 0 && untested.stderr.contains("has not run successfully in dev"), "\(untested)")
            #expect(try await deployed(client, "staging") == nil)

            try await ran(client, in: "dev")
            let promoted = try await agentctl(daemon, key: key, ["promote", "wf", "--from", "dev", "--to", "staging"])
            #expect(promoted.status == 0 && promoted.stdout.contains("wf version 1 is deployed in staging"), "\(promoted)")
            #expect(try await deployed(client, "staging") == 1)
            let again = try await agentctl(daemon, key: key, ["promote", "wf", "--from", "dev", "--to", "staging"])
            #expect(again.status == 0 && again.stdout.contains("runs version 1 already"), "\(again)")

            // dev moves on; staging → prod needs a run in staging first.
            try await Run.apply(client, "workflow: wf\nnodes:\n  a: {kind: transform, config: {output: 2}}\n")     // 2, in dev
            _ = try await client.call(.PUT, "/api/v1/secrets", json: ["environment": "dev", "path": "db/pass", "value": "only-in-dev"])
            let diff = try await agentctl(daemon, key: key, ["envs", "diff", "dev", "staging"])
            #expect(diff.status == 0 && diff.stdout.contains("wf ") && diff.stdout.contains("secret db/pass: only in dev"), "\(diff)")
            let rows = try await client.call(.GET, "/api/v1/environments/diff?from=dev&to=staging").json?["workflows"] as? [[String: Any]] ?? []
            #expect(rows.count == 1 && rows[0]["from_version"] as? Int == 2 && rows[0]["to_version"] as? Int == 1)
            #expect(try await client.send(.POST, "/api/v1/workflows/wf/promote", body: Data(#"{"from":"staging","to":"prod"}"#.utf8),
                                          headers: [("Content-Type", "application/json")]).status == 409)
            try await ran(client, in: "staging")
            let toProd = try await client.call(.POST, "/api/v1/workflows/wf/promote", json: ["from": "staging", "to": "prod"]).json ?? [:]
            #expect(toProd["version"] as? Int == 1 && toProd["promoted"] as? Bool == true && toProd["replaced"] is NSNull)
            let history = try await client.call(.GET, "/api/v1/workflows/wf/promotions").json?["items"] as? [[String: Any]] ?? []
            #expect(history.map { "\($0["from"] ?? "")→\($0["to"] ?? "")" } == ["staging→prod", "dev→staging"])
            #expect(history.allSatisfy { ($0["evidence"] as? String)?.hasPrefix("ex_") == true })
            let audit = try await daemon.socket.call(.GET, "/api/v1/audit?action=workflow.promoted&limit=10").json?["items"] as? [Any] ?? []
            #expect(audit.count == 2)

            // Refused: an unknown environment, the same one twice, another org's workflow.
            func post(_ client: AgentClient, _ body: String) async throws -> ClientResponse {
                try await client.send(.POST, "/api/v1/workflows/wf/promote", body: Data(body.utf8), headers: [("Content-Type", "application/json")])
            }
            #expect(try await post(client, #"{"from":"dev","to":"Q"}"#).status == 422)
            #expect(try await post(client, #"{"from":"dev","to":"qa"}"#).status == 404)
            #expect(try await post(client, #"{"from":"dev","to":"dev"}"#).status == 422)
            #expect(try await client.send(.GET, "/api/v1/environments/diff?from=dev").status == 422)
            let foreign = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "gus", role: "admin", org: "globex"))
            #expect(try await post(foreign, #"{"from":"dev","to":"staging"}"#).status == 404)
            #expect((try await foreign.call(.GET, "/api/v1/environments/diff?from=dev&to=staging").json?["workflows"] as? [Any])?.isEmpty == true)
        }
    }
}
