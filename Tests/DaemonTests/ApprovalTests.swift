import Client
import Foundation
import Testing

/// Approval steps against the real daemon over TCP and the socket, and agentctl: a quorum of two
/// across a kill -9, the requester refused, another org's admin told nothing, bad bodies
/// refused with their problem, an expiry that comes due while agentd is down (under each
/// on_expiry), and delegation.
@Suite(.serialized) struct ApprovalTests {
    static let agentctl = TestDaemon.binaries + "/agentctl"

    static let refund = """
        workflow: refund
        nodes:
          review:
            kind: approval
            config:
              approvers: ["role:operator"]
              quorum: 2
              message: "Refund {{ input.amount }} EUR?"
          pay: {kind: transform, input: {decision: "{{ nodes.review.output.decision }}", by: "{{ nodes.review.output.decisions }}"}, config: {output: "{{ input }}"}}
        edges: ["review -> pay"]
        """

    func agentctl(_ daemon: TestDaemon, key: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runProgram(Self.agentctl, arguments + ["--url", "http://127.0.0.1:\(daemon.tcpPort)"], environment: ["AGENTCTL_API_KEY": key])
    }

    /// The pending request of `execution`, as `client` lists it, once it is open.
    func request(of execution: String, _ client: AgentClient) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let items = try await client.call(.GET, "/api/v1/approvals?status=pending").json?["items"] as? [[String: Any]] ?? []
            if let found = items.first(where: { $0["execution_id"] as? String == execution }) { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("no approval request opened for \(execution)")
    }

    func status(of execution: String, _ client: AgentClient, becomes wanted: String) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(30)
        var execution_: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            execution_ = try await client.call(.GET, "/api/v1/executions/\(execution)").json ?? [:]
            if execution_["status"] as? String == wanted { return execution_ }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("\(execution) is \(execution_["status"] ?? "nil"), not \(wanted)")
    }

    @Test func aQuorumOfTwoAcrossAKill_theRequesterRefused_anotherOrgToldNothing() async throws {
        let directory = try TestDaemon.makeDirectory()
        var daemon = try await TestDaemon.start(directory: directory)
        let starterKey = try await IdentityTests.keyFor(daemon, login: "sam", role: "operator", org: "acme")
        let aliceKey = try await IdentityTests.keyFor(daemon, login: "alice", role: "operator", org: "acme")
        let bobKey = try await IdentityTests.keyFor(daemon, login: "bob", role: "operator", org: "acme")
        let viewerKey = try await IdentityTests.keyFor(daemon, login: "vera", role: "viewer", org: "acme")
        let foreignKey = try await IdentityTests.keyFor(daemon, login: "gus", role: "admin", org: "globex")
        let sam = IdentityTests.tcp(daemon, key: starterKey), alice = IdentityTests.tcp(daemon, key: aliceKey)
        try await Run.apply(IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "ada", role: "admin", org: "acme")), Self.refund)
        let execution = try #require(try await sam.call(.POST, "/api/v1/executions", json: ["workflow": "refund", "input": ["amount": 120]])
            .json?["id"] as? String)
        let request = try await request(of: execution, alice)
        let id = try #require(request["id"] as? String)
        #expect(request["message"] as? String == "Refund 120 EUR?" && request["quorum"] as? Int == 2)
        #expect(try await alice.call(.GET, "/api/v1/executions/\(execution)").json?["status"] as? String == "waiting")

        // What waits for alice is this; for sam, who started it, nothing.
        let mine = try await agentctl(daemon, key: aliceKey, ["approvals", "list"])
        #expect(mine.status == 0 && mine.stdout.contains(id), "\(mine)")
        #expect((try await sam.call(.GET, "/api/v1/approvals?mine=true").json?["items"] as? [Any])?.isEmpty == true)
        let selfApproval = try await sam.send(.POST, "/api/v1/approvals/\(id)/approve", body: Data("{}".utf8),
                                              headers: [("Content-Type", "application/json")])
        #expect(selfApproval.status == 403 && selfApproval.json?["code"] as? String == "self_approval", "\(selfApproval.status)")
        // A viewer lacks approvals.decide; another org's admin learns nothing of the request.
        let viewer = try await IdentityTests.tcp(daemon, key: viewerKey).send(.POST, "/api/v1/approvals/\(id)/approve")
        #expect(viewer.status == 403 && viewer.json?["code"] as? String == "permission_denied")
        let foreign = IdentityTests.tcp(daemon, key: foreignKey)
        #expect(try await foreign.send(.GET, "/api/v1/approvals/\(id)").status == 404)
        let foreignDecision = try await foreign.send(.POST, "/api/v1/approvals/\(id)/reject")
        #expect(foreignDecision.status == 404 && foreignDecision.json?["code"] as? String == "not_found")
        // Bad bodies: malformed, too long a comment, another media type; nothing is recorded.
        let malformed = try await alice.send(.POST, "/api/v1/approvals/\(id)/approve", body: Data("{".utf8), headers: [("Content-Type", "application/json")])
        #expect(malformed.status == 400 && malformed.json?["code"] as? String == "malformed_json")
        let long = try JSONSerialization.data(withJSONObject: ["comment": String(repeating: "x", count: 4001)])
        let tooLong = try await alice.send(.POST, "/api/v1/approvals/\(id)/approve", body: long, headers: [("Content-Type", "application/json")])
        #expect(tooLong.status == 422, "\(tooLong.status)")
        let form = try await alice.send(.POST, "/api/v1/approvals/\(id)/approve", body: Data("comment=x".utf8),
                                        headers: [("Content-Type", "application/x-www-form-urlencoded")])
        #expect(form.status == 415)
        #expect((try await alice.call(.GET, "/api/v1/approvals/\(id)").json?["votes"] as? [Any])?.isEmpty == true)

        // alice approves with agentctl; agentd is killed; bob's approval after the restart completes it.
        let approved = try await agentctl(daemon, key: aliceKey, ["approvals", "approve", id, "--comment", "within policy"])
        #expect(approved.status == 0 && approved.stdout.contains("1 of 2 approved"), "\(approved)")
        let twice = try await agentctl(daemon, key: aliceKey, ["approvals", "approve", id])
        #expect(twice.status != 0 && twice.stderr.contains("already"), "\(twice)")
        kill(daemon.process.processIdentifier, SIGKILL)
        _ = try await daemon.waitForExit()
        daemon = try await TestDaemon.start(directory: directory)
        let bob = IdentityTests.tcp(daemon, key: bobKey)
        let settled = try await bob.call(.POST, "/api/v1/approvals/\(id)/approve", json: ["comment": "agreed"]).json ?? [:]
        #expect(settled["status"] as? String == "approved" && settled["approvals"] as? Int == 2)
        let done = try await status(of: execution, bob, becomes: "succeeded")
        let output = try #require((done["output"] as? [String: Any])?["pay"] as? [String: Any])
        #expect(output["decision"] as? String == "approved")
        #expect((output["by"] as? [[String: Any]])?.compactMap { $0["by"] as? String } == ["alice", "bob"])
        // Each decision is in the audit trail.
        let audit = try await daemon.socket.call(.GET, "/api/v1/audit?action=approval.decided&limit=50").json?["items"] as? [[String: Any]] ?? []
        #expect(audit.filter { $0["target_id"] as? String == id }.count == 2)
        let closed = try await IdentityTests.tcp(daemon, key: aliceKey).send(.POST, "/api/v1/approvals/\(id)/reject")
        #expect(closed.status == 409 && closed.json?["code"] as? String == "approval_closed")
        _ = try await daemon.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Under each `on_expiry`: the request expires while agentd is down (kill -9) and the
    /// restarted daemon ends it as the policy says.
    @Test(arguments: [("fail", "failed", nil), ("reject", "succeeded", "rejected"), ("approve", "succeeded", "approved")] as [(String, String, String?)])
    func anExpiryThatComesDueWhileAgentdIsDownEndsTheRequestAtTheNextStart(_ onExpiry: String, _ ending: String, _ decision: String?) async throws {
        let directory = try TestDaemon.makeDirectory()
        var daemon = try await TestDaemon.start(directory: directory)
        let key = try await IdentityTests.keyFor(daemon, login: "sam", role: "operator", org: "acme")
        let sam = IdentityTests.tcp(daemon, key: key)
        try await Run.apply(IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "ada", role: "admin", org: "acme")), """
            workflow: hurry
            nodes:
              review: {kind: approval, config: {approvers: ["role:operator"], expires_after_ms: 4000, on_expiry: \(onExpiry)}}
              after: {kind: transform, input: {decision: "{{ nodes.review.output.decision }}"}, config: {output: "{{ input.decision }}"}}
            edges: ["review -> after"]
            """)
        let execution = try #require(try await sam.call(.POST, "/api/v1/executions", json: ["workflow": "hurry"]).json?["id"] as? String)
        // why 4 s: the request must still be pending when it is found and agentd killed, on a
        // loaded machine too (with 1 s a full-suite run found it already expired); the sleep then
        // takes agentd's downtime past its expiry.
        let id = try #require(try await request(of: execution, sam)["id"] as? String)
        // It opened before it was found, so it expires before `found` + 4 s.
        let found = ContinuousClock.now
        kill(daemon.process.processIdentifier, SIGKILL)
        _ = try await daemon.waitForExit()
        try await Task.sleep(until: found + .milliseconds(4500))
        daemon = try await TestDaemon.start(directory: directory)
        let ended = try await status(of: execution, IdentityTests.tcp(daemon, key: key), becomes: ending)
        if let decision {
            #expect(Run.step(ended, "after")["output"] as? String == decision, "\(ended)")
        } else {
            #expect("\(ended["error"] ?? "")".contains("expired"), "\(ended["error"] ?? "nil")")
        }
        let request = try await IdentityTests.tcp(daemon, key: key).call(.GET, "/api/v1/approvals/\(id)").json ?? [:]
        #expect(request["status"] as? String == "expired")
        _ = try await daemon.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    @Test func aDelegateDecidesForTheAbsentUntilTheDelegationEnds() async throws {
        try await TestDaemon.run { daemon in
            let starterKey = try await IdentityTests.keyFor(daemon, login: "sam", role: "developer", org: "acme")
            let aliceKey = try await IdentityTests.keyFor(daemon, login: "alice", role: "operator", org: "acme")
            let deputyKey = try await IdentityTests.keyFor(daemon, login: "dora", role: "operator", org: "acme")
            let sam = IdentityTests.tcp(daemon, key: starterKey)
            try await Run.apply(sam, "workflow: gate\nnodes:\n  review: {kind: approval, config: {approvers: [alice]}}\n")
            // The grouped form and a duration are accepted; a duration that is not one is refused at its path.
            try await Run.apply(sam, "workflow: grouped\nnodes:\n  review: {kind: approval, config: {approvers: {roles: [operator], users: [alice]}, "
                                + "quorum: 2, expires_in: 24h, on_expiry: reject, message: ok?}}\n")
            let soon = try await sam.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document":
                "workflow: soon\nnodes:\n  review: {kind: approval, config: {approvers: [alice], expires_in: soon}}\n"]),
                                          headers: [("Content-Type", "application/json")])
            #expect(soon.status == 422 && "\(soon.json?["errors"] ?? "")".contains("expires_in"), "\(soon.status)")
            let execution = try #require(try await sam.call(.POST, "/api/v1/executions", json: ["workflow": "gate"]).json?["id"] as? String)
            let alice = IdentityTests.tcp(daemon, key: aliceKey), dora = IdentityTests.tcp(daemon, key: deputyKey)
            let id = try #require(try await request(of: execution, alice)["id"] as? String)
            // The feed shows the request while it waits, and not once it is decided.
            let feed = try await alice.call(.GET, "/api/v1/activity?kind=approval.pending").json?["items"] as? [[String: Any]] ?? []
            #expect(feed.map { $0["approval"] as? String } == [id] && (feed.first?["summary"] as? String)?.contains("gate waits for approval") == true,
                    "\(feed)")
            // dora is not named: refused until alice lends her right.
            let before = try await dora.send(.POST, "/api/v1/approvals/\(id)/approve")
            #expect(before.status == 403 && before.json?["code"] as? String == "not_an_approver")
            let lent = try await agentctl(daemon, key: aliceKey, ["approvals", "delegate", "--to", "dora", "--until",
                                                                  Date(timeIntervalSinceNow: 86_400).ISO8601Format()])
            #expect(lent.status == 0 && lent.stdout.contains("dora decides for alice"), "\(lent)")
            #expect((try await dora.call(.GET, "/api/v1/approvals?mine=true").json?["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            let pastYear = try await alice.send(.PUT, "/api/v1/approvals/delegation", body: Data(#"{"to":"dora","until":"2099-01-01"}"#.utf8),
                                                headers: [("Content-Type", "application/json")])
            #expect(pastYear.status == 422)
            let decided = try await dora.call(.POST, "/api/v1/approvals/\(id)/approve", json: ["comment": "for alice"]).json ?? [:]
            #expect(decided["status"] as? String == "approved")
            #expect((decided["votes"] as? [[String: Any]])?.first?["on_behalf_of"] as? String == "alice")
            _ = try await status(of: execution, alice, becomes: "succeeded")
            #expect((try await alice.call(.GET, "/api/v1/activity?kind=approval.pending").json?["items"] as? [Any])?.isEmpty == true)
            let ended = try await agentctl(daemon, key: aliceKey, ["approvals", "undelegate"])
            #expect(ended.status == 0 && ended.stdout.contains("yours alone again"), "\(ended)")
            #expect((try await dora.call(.GET, "/api/v1/approvals/delegation").json?["items"] as? [Any])?.isEmpty == true)
        }
    }
}
