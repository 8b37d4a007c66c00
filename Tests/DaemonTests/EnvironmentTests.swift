import Client
import Foundation
import Testing

/// An org's own environments and the settings of any environment, against the real daemon with
/// agentctl: a model override, a concurrency limit and egress lists that apply to executions
/// running there, protection like prod's, refusals that leave nothing half-written, and
/// another org that sees none of it.
@Suite(.serialized) struct EnvironmentTests {
    static let agentctl = TestDaemon.binaries + "/agentctl"

    func agentctl(_ daemon: TestDaemon, key: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runProgram(Self.agentctl, arguments + ["--url", "http://127.0.0.1:\(daemon.tcpPort)"], environment: ["AGENTCTL_API_KEY": key])
    }

    /// Polls until the execution's status is one of `wanted` (a delay step's execution is `waiting`).
    func status(of execution: String, _ client: AgentClient, becomes wanted: String...) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(30)
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            last = try await client.call(.GET, "/api/v1/executions/\(execution)").json ?? [:]
            if let status = last["status"] as? String, wanted.contains(status) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("\(execution) is \(last["status"] ?? "nil"), not \(wanted)")
    }

    func apply(_ client: AgentClient, _ document: String, deploy: String) async throws -> ClientResponse {
        try await client.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": document, "deploy": deploy]),
                              headers: [("Content-Type", "application/json")])
    }

    @Test func anOrgAddsAnEnvironment_whoseSettingsApplyToItsExecutions() async throws {
        let models = try await Upstream(script: "modelserver.py")
        let upstream = try await Upstream()
        try await TestDaemon.run { daemon in
            let adminKey = try await IdentityTests.keyFor(daemon, login: "ada", role: "admin", org: "acme")
            let devKey = try await IdentityTests.keyFor(daemon, login: "dev", role: "developer", org: "acme")
            let admin = IdentityTests.tcp(daemon, key: adminKey), dev = IdentityTests.tcp(daemon, key: devKey)

            // Created with agentctl; the malformed, the taken and the forbidden are refused.
            let created = try await agentctl(daemon, key: adminKey, ["envs", "create", "qa", "--description", "QA lab", "--model", "large=small",
                                                                     "--concurrency", "1"])
            #expect(created.status == 0 && created.stdout.contains("QA lab") && created.stdout.contains("large=small"), "\(created)")
            for (name, code) in [("QA", 422), ("none", 422), ("qa", 409), ("-x", 422)] {
                let refused = try await admin.send(.POST, "/api/v1/environments", body: Data(#"{"name":"\#(name)"}"#.utf8),
                                                   headers: [("Content-Type", "application/json")])
                #expect(refused.status == code, "\(name): \(refused.status)")
            }
            let badEgress = try await admin.send(.POST, "/api/v1/environments", body: Data(#"{"name":"lab","settings":{"egress":{"deny":["10.0.0.0/33"]},"colour":1}}"#.utf8),
                                                 headers: [("Content-Type", "application/json")])
            let fields = (badEgress.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(badEgress.status == 422 && fields.contains("settings.egress.deny[0]") && fields.contains("settings.colour"), "\(badEgress.json ?? [:])")
            #expect(try await dev.send(.POST, "/api/v1/environments", body: Data(#"{"name":"devs"}"#.utf8),
                                       headers: [("Content-Type", "application/json")]).status == 403)
            let names = (try await dev.call(.GET, "/api/v1/environments").json?["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names == ["dev", "staging", "prod", "qa"])

            // A deploy to an environment the org does not have is refused, and nothing of the apply is kept.
            let nowhere = try await apply(dev, "workflow: lost\nnodes:\n  a: {kind: transform, config: {output: 1}}\n", deploy: "nope")
            #expect(nowhere.status == 404 && (nowhere.json?["detail"] as? String)?.contains("agentctl envs create") == true, "\(nowhere.json ?? [:])")
            #expect(try await dev.send(.GET, "/api/v1/workflows/lost").status == 404)
            #expect(try await dev.send(.PUT, "/api/v1/secrets", body: Data(#"{"environment":"nope","path":"a/b","value":"x"}"#.utf8),
                                       headers: [("Content-Type", "application/json")]).status == 404)

            // The model override: the same workflow asks for `large`; in qa the server is asked for the small model.
            for (name, served) in [("large", "fake-large"), ("small", "fake-small")] {
                _ = try await admin.call(.POST, "/api/v1/models", json: ["name": name, "base_url": models.base + "/v1", "model": served,
                                                                        "input_price": "0", "output_price": "0"])
            }
            let asks = "workflow: asks\nnodes:\n  q: {kind: llm, config: {model: large, prompt: hello}}\n"
            #expect(try await apply(dev, asks, deploy: "qa").status == 200)
            _ = try await dev.call(.POST, "/api/v1/workflows/asks/deploy", json: ["environment": "dev"])
            for environment in ["qa", "dev"] {
                let id = try #require(try await dev.call(.POST, "/api/v1/executions", json: ["workflow": "asks", "environment": environment]).json?["id"] as? String)
                let done = try await Run.finish(dev, id)
                #expect(done["status"] as? String == "succeeded", "\(environment): \(done)")
            }
            let asked = try await LLMTests.requests(models).compactMap { $0["model"] as? String }
            #expect(asked == ["fake-small", "fake-large"], "\(asked)")

            // Concurrency 1 in qa: a second execution there waits, and starts when the first ends.
            #expect(try await apply(dev, "workflow: waits\nnodes:\n  w: {kind: delay, config: {duration_ms: 600000}}\n", deploy: "qa").status == 200)
            let first = try #require(try await dev.call(.POST, "/api/v1/executions", json: ["workflow": "waits", "environment": "qa"]).json?["id"] as? String)
            _ = try await status(of: first, dev, becomes: "running", "waiting")
            let second = try #require(try await dev.call(.POST, "/api/v1/executions", json: ["workflow": "waits", "environment": "qa"]).json?["id"] as? String)
            _ = try await status(of: second, dev, becomes: "queued")
            _ = try await dev.call(.POST, "/api/v1/executions/\(first)/cancel", json: [:])
            _ = try await status(of: second, dev, becomes: "running", "waiting")
            _ = try await dev.call(.POST, "/api/v1/executions/\(second)/cancel", json: [:])
            _ = try await status(of: second, dev, becomes: "cancelled")

            // Egress lists of qa narrow what its steps reach; dev is untouched.
            let narrowed = try await agentctl(daemon, key: adminKey, ["envs", "set", "qa", "--egress-deny", "127.0.0.1/32"])
            #expect(narrowed.status == 0 && narrowed.stdout.contains("127.0.0.1/32"), "\(narrowed)")
            let calls = "workflow: calls\nnodes:\n  c: {kind: http, config: {method: GET, url: \"\(upstream.base)/ok\"}}\n"
            #expect(try await apply(dev, calls, deploy: "qa").status == 200)
            _ = try await dev.call(.POST, "/api/v1/workflows/calls/deploy", json: ["environment": "dev"])
            let denied = try await Run.finish(dev, try #require(try await dev.call(.POST, "/api/v1/executions",
                                                                                    json: ["workflow": "calls", "environment": "qa"]).json?["id"] as? String))
            let error = Run.step(denied, "c")["error"] as? [String: Any] ?? [:]
            #expect(error["kind"] as? String == "egress_denied" && (error["message"] as? String)?.contains("environment qa's egress deny") == true, "\(denied)")
            let allowed = try await Run.finish(dev, try await Run.start(dev, "calls"))
            #expect(allowed["status"] as? String == "succeeded", "\(allowed)")

            // Its own secrets; what uses it keeps it from being deleted; the diff shows the settings.
            #expect(try await dev.call(.PUT, "/api/v1/secrets", json: ["environment": "qa", "path": "lab/token", "value": "qa-only"]).status == 200)
            let shown = try await agentctl(daemon, key: devKey, ["envs", "show", "qa"])
            #expect(shown.status == 0 && shown.stdout.contains("3 deployed workflows, 1 secrets"), "\(shown)")
            let inUse = try await agentctl(daemon, key: adminKey, ["envs", "delete", "qa"])
            #expect(inUse.status != 0 && inUse.stderr.contains("in use"), "\(inUse)")
            let diff = try await agentctl(daemon, key: adminKey, ["envs", "diff", "dev", "qa"])
            #expect(diff.status == 0 && diff.stdout.contains("setting models: none in dev, large=small in qa")
                    && diff.stdout.contains("secret lab/token: only in qa"), "\(diff)")
            #expect(try await admin.send(.DELETE, "/api/v1/environments/dev").status == 409)
            // Deployments go with a deleted environment; a deploy there again is refused.
            #expect(try await admin.call(.POST, "/api/v1/environments", json: ["name": "scratch"]).status == 201)
            #expect(try await dev.call(.POST, "/api/v1/workflows/asks/deploy", json: ["environment": "scratch"]).status == 200)
            #expect(try await admin.send(.DELETE, "/api/v1/environments/scratch").status == 204)
            let afterDelete = try await dev.call(.GET, "/api/v1/workflows/asks").json?["deployments"] as? [String: Any] ?? [:]
            #expect(afterDelete["scratch"] == nil, "\(afterDelete)")
            #expect(try await dev.send(.POST, "/api/v1/workflows/asks/deploy", body: Data(#"{"environment":"scratch"}"#.utf8),
                                       headers: [("Content-Type", "application/json")]).status == 404)

            // Another org sees none of it and may have a qa of its own.
            let globex = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "gus", role: "admin", org: "globex"))
            #expect(try await globex.send(.GET, "/api/v1/environments/qa").status == 404)
            #expect(try await globex.send(.PUT, "/api/v1/environments/qa", body: Data(#"{"description":"mine"}"#.utf8),
                                          headers: [("Content-Type", "application/json")]).status == 404)
            #expect(try await globex.call(.POST, "/api/v1/environments", json: ["name": "qa"]).status == 201)
            #expect(try await admin.call(.GET, "/api/v1/environments/qa").json?["description"] as? String == "QA lab")

            // A protected environment is held like prod: its deploys wait for the deploy.prod policy.
            #expect(try await agentctl(daemon, key: adminKey, ["envs", "create", "prod-eu", "--protected", "true"]).status == 0)
            #expect(try await admin.call(.PUT, "/api/v1/change-policies/deploy.prod", json: ["approvers": ["ada"]]).status == 200)
            let held = try await dev.call(.POST, "/api/v1/workflows/asks/deploy", json: ["environment": "prod-eu"])
            let change = try #require(held.json?["change_request"] as? [String: Any])
            #expect(held.status == 202 && change["summary"] as? String == "deploy asks version 1 to prod-eu", "\(held.json ?? [:])")
            #expect(try await admin.call(.POST, "/api/v1/changes/\(change["id"] as? String ?? "")/approve", json: [:]).json?["status"] as? String == "approved")
            let deployed = try await dev.call(.GET, "/api/v1/workflows/asks").json?["deployments"] as? [String: Any]
            #expect((deployed?["prod-eu"] as? [String: Any])?["version"] as? Int == 1)

            let audit = try await daemon.socket.call(.GET, "/api/v1/audit?limit=100").json?["items"] as? [[String: Any]] ?? []
            let actions = audit.compactMap { $0["action"] as? String }
            #expect(actions.filter { $0 == "environment.created" }.count >= 3 && actions.contains("environment.updated") && actions.contains("environment.deleted"))
        }
    }
}
