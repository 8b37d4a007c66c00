import Client
import Foundation
import Testing

/// Deploying to prod held for approval, against the real daemon with agentctl: the deploy and the
/// promotion open change requests instead of acting, the requester cannot approve, the last
/// approval carries the act out, a rejection does nothing, other paths to prod are refused.
@Suite(.serialized) struct ChangeRequestTests {
    static let agentctl = TestDaemon.binaries + "/agentctl"

    func agentctl(_ daemon: TestDaemon, key: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runProgram(Self.agentctl, arguments + ["--url", "http://127.0.0.1:\(daemon.tcpPort)"], environment: ["AGENTCTL_API_KEY": key])
    }

    func prod(_ client: AgentClient) async throws -> Int? {
        ((try await client.call(.GET, "/api/v1/workflows/flow").json?["deployments"] as? [String: Any])?["prod"] as? [String: Any])?["version"] as? Int
    }

    @Test func aProdDeployWaitsForApproval_andTheLastApprovalDeploys() async throws {
        try await TestDaemon.run { daemon in
            let adminKey = try await IdentityTests.keyFor(daemon, login: "ada", role: "admin", org: "acme")
            let devKey = try await IdentityTests.keyFor(daemon, login: "dev", role: "developer", org: "acme")
            let opKey = try await IdentityTests.keyFor(daemon, login: "olga", role: "operator", org: "acme")
            let dev = IdentityTests.tcp(daemon, key: devKey), operatorClient = IdentityTests.tcp(daemon, key: opKey)
            let set = try await agentctl(daemon, key: adminKey, ["changes", "policy", "set", "deploy.prod", "--approver", "role:operator",
                                                                 "--approver", "ada", "--quorum", "2"])
            #expect(set.status == 0 && set.stdout.contains("deploy.prod now needs 2 approval(s)"), "\(set)")
            try await Run.apply(dev, "workflow: flow\nnodes:\n  a: {kind: transform, config: {output: 1}}\n")

            // The deploy is held: a change request, prod untouched.
            let held = try await agentctl(daemon, key: devKey, ["workflows", "deploy", "flow", "--env", "prod"])
            #expect(held.status == 0 && held.stdout.contains("held for approval: deploy flow version 1 to prod"), "\(held)")
            #expect(try await prod(dev) == nil)
            let change = try #require((try await dev.call(.GET, "/api/v1/changes?status=pending").json?["items"] as? [[String: Any]])?.first)
            let id = try #require(change["id"] as? String)
            #expect((change["diff"] as? [String: Any])?["prod"] as? [String: Any] != nil)
            // The requester cannot approve; a viewer lacks the permission; another org does not see it.
            let selfApproval = try await dev.send(.POST, "/api/v1/changes/\(id)/approve")
            #expect(selfApproval.status == 403, "\(selfApproval.status)")
            let foreign = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "gus", role: "admin", org: "globex"))
            #expect(try await foreign.send(.GET, "/api/v1/changes/\(id)").status == 404)
            // One approval of two: nothing yet; the second deploys, in the same transaction.
            let first = try await agentctl(daemon, key: opKey, ["changes", "approve", id, "--comment", "checked"])
            #expect(first.status == 0 && first.stdout.contains("1 of 2 approved"), "\(first)")
            #expect(try await prod(dev) == nil)
            let second = try await agentctl(daemon, key: adminKey, ["changes", "approve", id])
            #expect(second.status == 0 && second.stdout.contains("approved"), "\(second)")
            #expect(try await prod(dev) == 1)
            let done = try await dev.call(.GET, "/api/v1/changes/\(id)").json ?? [:]
            #expect(done["status"] as? String == "approved" && (done["result"] as? [String: Any])?["deployed_version"] as? Int == 1)

            // A rejected promotion deploys nothing; other ways to prod are refused while it is gated.
            try await Run.apply(dev, "workflow: flow\nnodes:\n  a: {kind: transform, config: {output: 2}}\n")      // 2, in dev
            let run = try #require(try await dev.call(.POST, "/api/v1/executions", json: ["workflow": "flow"]).json?["id"] as? String)
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if try await dev.call(.GET, "/api/v1/executions/\(run)").json?["status"] as? String == "succeeded" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let promotion = try await dev.call(.POST, "/api/v1/workflows/flow/promote", json: ["from": "dev", "to": "prod"])
            #expect(promotion.status == 202)
            let promotionID = try #require((promotion.json?["change_request"] as? [String: Any])?["id"] as? String)
            let rejected = try await operatorClient.call(.POST, "/api/v1/changes/\(promotionID)/reject", json: ["comment": "not this week"]).json ?? [:]
            #expect(rejected["status"] as? String == "rejected")
            #expect(try await prod(dev) == 1)
            let viaApply = try await dev.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: [
                "document": "workflow: flow\nnodes:\n  a: {kind: transform, config: {output: 3}}\n", "deploy": "prod"]),
                                              headers: [("Content-Type", "application/json")])
            #expect(viaApply.status == 409 && (viaApply.json?["detail"] as? String)?.contains("needs approval") == true)
            #expect(try await prod(dev) == 1)
            // Lifted: deploying to prod acts at once again.
            #expect(try await agentctl(daemon, key: adminKey, ["changes", "policy", "lift", "deploy.prod"]).status == 0)
            let direct = try await dev.call(.POST, "/api/v1/workflows/flow/deploy", json: ["environment": "prod", "version": 2])
            let prodNow = try await prod(dev)
            #expect(direct.status == 200 && prodNow == 2)
            let audit = try await daemon.socket.call(.GET, "/api/v1/audit?action=change.decided&limit=10").json?["items"] as? [Any] ?? []
            #expect(audit.count == 3)

            // Publishing an agent held the same way; withdrawing is not held.
            #expect(try await agentctl(daemon, key: adminKey, ["changes", "policy", "set", "agent.publish", "--approver", "role:operator"]).status == 0)
            try await Run.apply(dev, "agent: lookup\nkind: transform\nconfig: {output: 1}\n")
            let publish = try await agentctl(daemon, key: devKey, ["agents", "publish", "lookup"])
            #expect(publish.status == 0 && publish.stdout.contains("held for approval: publish agent lookup version 1"), "\(publish)")
            #expect(try await dev.call(.GET, "/api/v1/agents/lookup/versions/1").json?["published"] as? Bool == false)
            let publishID = try #require((try await dev.call(.GET, "/api/v1/changes?status=pending").json?["items"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await operatorClient.call(.POST, "/api/v1/changes/\(publishID)/approve", json: [:]).json?["status"] as? String == "approved")
            #expect(try await dev.call(.GET, "/api/v1/agents/lookup/versions/1").json?["published"] as? Bool == true)
            let withdrawn = try await agentctl(daemon, key: devKey, ["agents", "publish", "lookup", "--withdraw"])
            #expect(withdrawn.status == 0 && withdrawn.stdout.contains("withdrawn"), "\(withdrawn)")

            // A budget: setting one and lowering it act at once; raising it waits for approval.
            let admin = IdentityTests.tcp(daemon, key: adminKey)
            #expect(try await agentctl(daemon, key: adminKey, ["changes", "policy", "set", "budget.raise", "--approver", "role:operator"]).status == 0)
            #expect(try await admin.call(.PUT, "/api/v1/budgets", json: ["limit": "100"]).status == 200)
            #expect(try await admin.call(.PUT, "/api/v1/budgets", json: ["limit": "80"]).status == 200)
            let raise = try await admin.call(.PUT, "/api/v1/budgets", json: ["limit": "500"])
            #expect(raise.status == 202)
            let budget = { () async throws -> String? in
                (try await admin.call(.GET, "/api/v1/budgets").json?["items"] as? [[String: Any]])?.first?["limit"] as? String
            }
            #expect(try await budget() == "80.00")
            let raiseID = try #require((raise.json?["change_request"] as? [String: Any])?["id"] as? String)
            #expect(try await operatorClient.call(.POST, "/api/v1/changes/\(raiseID)/approve", json: [:]).json?["status"] as? String == "approved")
            #expect(try await budget() == "500.00")

            // A role change waits for approval, then takes effect for the member's key at once.
            let veraKey = try await IdentityTests.keyFor(daemon, login: "vera", role: "viewer", org: "acme")
            let vera = IdentityTests.tcp(daemon, key: veraKey)
            #expect(try await vera.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: [
                "document": "workflow: veras\nnodes:\n  a: {kind: transform, config: {output: 1}}\n"]), headers: [("Content-Type", "application/json")]).status == 403)
            #expect(try await agentctl(daemon, key: adminKey, ["changes", "policy", "set", "role.change", "--approver", "role:operator"]).status == 0)
            let promote = try await agentctl(daemon, key: adminKey, ["users", "set-role", "vera", "developer", "--org", "acme"])
            #expect(promote.status == 0 && promote.stdout.contains("held for approval: change vera's role from viewer to developer"), "\(promote)")
            let roleID = try #require((try await dev.call(.GET, "/api/v1/changes?status=pending").json?["items"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await operatorClient.call(.POST, "/api/v1/changes/\(roleID)/approve", json: [:]).json?["status"] as? String == "approved")
            #expect(try await vera.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: [
                "document": "workflow: veras\nnodes:\n  a: {kind: transform, config: {output: 1}}\n"]), headers: [("Content-Type", "application/json")]).status == 200)
        }
    }

    /// A request nobody decides in time expires, and nothing is done: a decision after
    /// `expires_at` is refused (409) and ends it as expired even before the timer looks; one left
    /// alone across a kill -9 is ended by the restarted daemon's first timer pass.
    @Test func anUndecidedRequestExpires_andALateApprovalIsRefused() async throws {
        let directory = try TestDaemon.makeDirectory()
        // A poll of a minute: within this test only a decision or a start can notice an expiry.
        let slowTimer = ["AGENTD_ENGINE_TIMER_POLL_MS": "60000"]
        var daemon = try await TestDaemon.start(directory: directory, environment: slowTimer)
        let adminKey = try await IdentityTests.keyFor(daemon, login: "ada", role: "admin", org: "acme")
        let devKey = try await IdentityTests.keyFor(daemon, login: "dev", role: "developer", org: "acme")
        let opKey = try await IdentityTests.keyFor(daemon, login: "olga", role: "operator", org: "acme")
        var dev = IdentityTests.tcp(daemon, key: devKey)
        let operatorClient = IdentityTests.tcp(daemon, key: opKey)
        let bad = try await IdentityTests.tcp(daemon, key: adminKey).send(.PUT, "/api/v1/change-policies/deploy.prod", body: try JSONSerialization.data(
            withJSONObject: ["approvers": ["role:operator"], "expires_in": "soon"]), headers: [("Content-Type", "application/json")])
        #expect(bad.status == 422 && (bad.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "expires_in", "\(bad.status) \(bad.json ?? [:])")
        let set = try await agentctl(daemon, key: adminKey, ["changes", "policy", "set", "deploy.prod", "--approver", "role:operator", "--expires-in", "1s"])
        #expect(set.status == 0 && set.stdout.contains("a request expires after 1s undecided"), "\(set)")
        try await Run.apply(dev, "workflow: flow\nnodes:\n  a: {kind: transform, config: {output: 1}}\n")

        // Decided too late: refused, and the request is expired from then on.
        let late = try await dev.call(.POST, "/api/v1/workflows/flow/deploy", json: ["environment": "prod", "version": 1])
        let lateID = try #require((late.json?["change_request"] as? [String: Any])?["id"] as? String)
        #expect((late.json?["change_request"] as? [String: Any])?["expires_at"] is String)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await dev.call(.GET, "/api/v1/changes/\(lateID)").json?["status"] as? String == "pending")
        let refused = try await operatorClient.send(.POST, "/api/v1/changes/\(lateID)/approve")
        #expect(refused.status == 409 && (refused.json?["detail"] as? String)?.contains("expired") == true, "\(refused.status) \(refused.json ?? [:])")
        #expect(try await dev.call(.GET, "/api/v1/changes/\(lateID)").json?["status"] as? String == "expired")
        #expect(try await prod(dev) == nil)

        // Left alone across a kill -9: the restarted daemon's first pass ends it.
        let left = try await dev.call(.POST, "/api/v1/workflows/flow/deploy", json: ["environment": "prod", "version": 1])
        let leftID = try #require((left.json?["change_request"] as? [String: Any])?["id"] as? String)
        kill(daemon.process.processIdentifier, SIGKILL)
        _ = try await daemon.waitForExit()
        try await Task.sleep(for: .milliseconds(1100))
        daemon = try await TestDaemon.start(directory: directory, environment: slowTimer)
        dev = IdentityTests.tcp(daemon, key: devKey)
        let deadline = ContinuousClock.now + .seconds(20)
        var status = ""
        while ContinuousClock.now < deadline {
            status = try await dev.call(.GET, "/api/v1/changes/\(leftID)").json?["status"] as? String ?? ""
            if status == "expired" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == "expired")
        #expect(try await prod(dev) == nil)
        let audit = try await daemon.socket.call(.GET, "/api/v1/audit?action=change.expired&limit=10").json?["items"] as? [[String: Any]] ?? []
        #expect(audit.count == 2 && audit.allSatisfy { ($0["details"] as? [String: Any])?["approvals"] as? String == "0 of 1" }, "\(audit)")
        #expect(try await daemon.stop() == 0)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A prod secret write held for approval: the value waits sealed (not listed, not in the
    /// request, re-wrapped by a vault rotation), the last approval makes it the next version and
    /// steps in prod use exactly it; a rejected rotation leaves the version as it was and the
    /// held value gone.
    @Test func aProdSecretWaitsSealed_andTheApprovedValueIsTheOneStepsUse() async throws {
        let upstream = try await Upstream()
        try await TestDaemon.run { daemon in
            let adminKey = try await IdentityTests.keyFor(daemon, login: "ada", role: "admin", org: "acme")
            let devKey = try await IdentityTests.keyFor(daemon, login: "dev", role: "developer", org: "acme")
            let opKey = try await IdentityTests.keyFor(daemon, login: "olga", role: "operator", org: "acme")
            let dev = IdentityTests.tcp(daemon, key: devKey), operatorClient = IdentityTests.tcp(daemon, key: opKey)
            let admin = IdentityTests.tcp(daemon, key: adminKey)
            #expect(try await agentctl(daemon, key: adminKey, ["changes", "policy", "set", "secret.prod", "--approver", "role:operator"]).status == 0)
            let value = "held-value-81f3c2"
            let held = try await runProgramWithInput(Self.agentctl, ["secrets", "set", "crm/token", "--env", "prod", "--url", "http://127.0.0.1:\(daemon.tcpPort)"],
                                                     input: value, environment: ["AGENTCTL_API_KEY": devKey])
            #expect(held.status == 0 && held.stdout.contains("held for approval: create secret prod/crm/token"), "\(held)")
            let prodSecrets = { () async throws -> [[String: Any]] in
                try await dev.call(.GET, "/api/v1/secrets?environment=prod").json?["items"] as? [[String: Any]] ?? []
            }
            #expect(try await prodSecrets().isEmpty)
            // Other environments are not held.
            #expect(try await dev.call(.PUT, "/api/v1/secrets", json: ["environment": "dev", "path": "crm/token", "value": "dev-value"]).status == 200)
            let pending = try #require((try await dev.call(.GET, "/api/v1/changes?status=pending").json?["items"] as? [[String: Any]])?.first)
            let id = try #require(pending["id"] as? String)
            let raw = String(decoding: try await admin.send(.GET, "/api/v1/changes/\(id)").body, as: UTF8.self)
            #expect(!raw.contains(value) && !raw.contains(Data(value.utf8).base64EncodedString()), "the held value leaked: \(raw)")
            #expect(raw.contains("the value is sealed, never shown"))

            // A rotation of the master key re-wraps the held value too; the check opens it.
            let checked = try await daemon.socket.call(.POST, "/api/v1/vault/check").json ?? [:]
            #expect(checked["checked"] as? Int == 2 && (checked["failed"] as? [Any])?.isEmpty == true, "\(checked)")
            let rotation = try await daemon.socket.call(.POST, "/api/v1/vault/rotate").json ?? [:]
            #expect(rotation["rewrapped"] as? Int == 2, "\(rotation)")

            // The requester may not approve; an operator's approval stores it as version 1.
            #expect(try await dev.send(.POST, "/api/v1/changes/\(id)/approve").status == 403)
            let approved = try await operatorClient.call(.POST, "/api/v1/changes/\(id)/approve", json: [:]).json ?? [:]
            #expect(approved["status"] as? String == "approved" && (approved["result"] as? [String: Any])?["version"] as? Int == 1, "\(approved)")
            #expect(try await prodSecrets().map { $0["version"] as? Int } == [1])
            let written = try await daemon.socket.call(.GET, "/api/v1/audit?action=secret.written&limit=10").json?["items"] as? [[String: Any]] ?? []
            #expect(written.contains { $0["target_id"] as? String == "prod/crm/token" && ($0["details"] as? [String: Any])?["change"] as? String == id })

            // A step in prod sends exactly the approved value.
            try await Run.apply(dev, "workflow: sends\nnodes:\n  a: {kind: http, config: {method: GET, url: \"\(upstream.base)/ok?key={{ secret('crm/token') }}\"}}\n")
            #expect(try await dev.call(.POST, "/api/v1/workflows/sends/deploy", json: ["environment": "prod", "version": 1]).status == 200)
            let run = try #require(try await dev.call(.POST, "/api/v1/executions", json: ["workflow": "sends", "environment": "prod"]).json?["id"] as? String)
            let finished = try await Run.finish(dev, run)
            #expect(finished["status"] as? String == "succeeded", "\(finished)")
            #expect(try await upstream.calls(value) == 1)

            // A rotation of the secret is held too; rejected, version 1 stays and the held value is gone.
            let rotate = try await dev.call(.PUT, "/api/v1/secrets", json: ["environment": "prod", "path": "crm/token", "value": "second-value"])
            let rotateRequest = try #require(rotate.json?["change_request"] as? [String: Any])
            #expect(rotate.status == 202 && rotateRequest["summary"] as? String == "rotate secret prod/crm/token (version 1 -> 2)", "\(rotate.json ?? [:])")
            #expect(try await daemon.socket.call(.POST, "/api/v1/vault/check").json?["checked"] as? Int == 3)
            let rejected = try await operatorClient.call(.POST, "/api/v1/changes/\(rotateRequest["id"] as? String ?? "")/reject", json: [:]).json ?? [:]
            #expect(rejected["status"] as? String == "rejected")
            #expect(try await prodSecrets().map { $0["version"] as? Int } == [1])
            #expect(try await daemon.socket.call(.POST, "/api/v1/vault/check").json?["checked"] as? Int == 2)
        }
    }
}
