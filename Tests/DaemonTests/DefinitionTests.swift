import Client
import Foundation
import Testing

/// Agents and workflows through the real daemon and the real agentctl.
@Suite(.serialized) struct DefinitionTests {
    static var agentctl: String { TestDaemon.binaries + "/agentctl" }

    static var example: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            return try String(contentsOf: root.appendingPathComponent("docs/examples/support-triage.yaml"), encoding: .utf8)
        }
    }

    func ctl(_ daemon: TestDaemon, _ arguments: [String], stdin: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runProgram(Self.agentctl, arguments + ["--socket", daemon.socketPath])
    }

    func write(_ text: String, _ name: String, in directory: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func applyHistoryDiffRollbackExportAndGraphThroughAgentctl() async throws {
        try await TestDaemon.run { daemon in
            let directory = try TestDaemon.makeDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let file = try write(try Self.example, "support-triage.yaml", in: directory)

            let first = try await ctl(daemon, ["apply", "-f", file, "-m", "first cut"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("agent fetch-ticket: created as version 1"))
            #expect(first.stdout.contains("workflow support-triage: created as version 1, deployed to dev"), "\(first.stdout)")

            let again = try await ctl(daemon, ["apply", "-f", file])
            #expect(again.status == 0)
            #expect(again.stdout.contains("workflow support-triage: unchanged (identical to version 1)"), "\(again.stdout)")

            // An edit: a new node and edge, a changed retry. Version 2 with its message.
            let edited = try Self.example
                .replacingOccurrences(of: "retry: {max_attempts: 3, initial_backoff_ms: 500}", with: "retry: {max_attempts: 5, initial_backoff_ms: 500}")
                .replacingOccurrences(of: "  - classify -> page\n", with: "  - classify -> page\n  - classify -> archive\n")
                .replacingOccurrences(of: "edges:\n", with: "  archive:\n    kind: transform\n    config:\n      output: {archived: true}\nedges:\n")
            let second = try await ctl(daemon, ["apply", "-f", try write(edited, "v2.yaml", in: directory), "-m", "archive everything"])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stdout.contains("workflow support-triage: now version 2, deployed to dev"), "\(second.stdout)")

            let history = try await ctl(daemon, ["workflows", "history", "support-triage"])
            #expect(history.stdout.contains("archive everything") && history.stdout.contains("first cut"), "\(history.stdout)")

            let diff = try await ctl(daemon, ["workflows", "diff", "support-triage", "1", "2"])
            #expect(diff.status == 0, "\(diff.stderr)")
            #expect(diff.stdout.contains("+ node archive"), "\(diff.stdout)")
            #expect(diff.stdout.contains("+ edge classify -> archive"))
            #expect(diff.stdout.contains("~ node fetch"))
            #expect(diff.stdout.contains("retry.max_attempts: 3 -> 5"), "\(diff.stdout)")
            let diffJSON = try await ctl(daemon, ["workflows", "diff", "support-triage", "1", "2", "--output", "json"])
            let diffObject = try JSONSerialization.jsonObject(with: Data(diffJSON.stdout.utf8)) as? [String: Any]
            #expect(diffObject?["nodes_added"] as? [String] == ["archive"])
            #expect(diffObject?["edges_removed"] as? [String] == [])

            // Export is YAML that applies as a no-op.
            let export = try await ctl(daemon, ["workflows", "export", "support-triage"])
            #expect(export.status == 0)
            #expect(export.stdout.hasPrefix("workflow: support-triage\n"), "\(export.stdout)")
            let reapplied = try await ctl(daemon, ["apply", "-f", try write(export.stdout, "export.yaml", in: directory)])
            #expect(reapplied.stdout.contains("unchanged (identical to version 2)"), "\(reapplied.stdout)\n\(reapplied.stderr)\n\(export.stdout)")
            let agentExport = try await ctl(daemon, ["agents", "export", "classify"])
            let agentAgain = try await ctl(daemon, ["apply", "-f", try write(agentExport.stdout, "agent.yaml", in: directory)])
            #expect(agentAgain.stdout.contains("agent classify: unchanged"), "\(agentAgain.stdout)\n\(agentExport.stdout)")

            // Rollback makes version 3 equal to version 1; history stays linear.
            let rollback = try await ctl(daemon, ["workflows", "rollback", "support-triage", "1"])
            #expect(rollback.stdout.contains("now version 3 (= version 1), deployed to dev"), "\(rollback.stdout)\(rollback.stderr)")
            let same = try await ctl(daemon, ["workflows", "diff", "support-triage", "1", "3"])
            #expect(same.stdout.contains("identical"), "\(same.stdout)")
            let version3 = try await daemon.socket.call(.GET, "/api/v1/workflows/support-triage/versions/3").json
            #expect(version3?["parent_version"] as? Int == 2)
            #expect(version3?["message"] as? String == "rollback to version 1")

            // Deploy version 2 to staging; dev keeps version 3.
            let deploy = try await ctl(daemon, ["workflows", "deploy", "support-triage", "--version", "2", "--env", "staging"])
            #expect(deploy.stdout.contains("dev=v3 staging=v2"), "\(deploy.stdout)\(deploy.stderr)")
            let staged = try await ctl(daemon, ["workflows", "export", "support-triage", "--env", "staging"])
            #expect(staged.stdout.contains("archive:"))

            // Pictures of the DAG.
            let svg = try await ctl(daemon, ["workflows", "graph", "support-triage", "--format", "svg"])
            #expect(svg.stdout.hasPrefix("<svg"), "\(svg.stdout.prefix(100))")
            for node in ["fetch", "classify", "page"] { #expect(svg.stdout.contains("data-node=\"\(node)\"")) }
            #expect(svg.stdout.contains("data-from=\"fetch\" data-to=\"classify\""))
            let dot = try await ctl(daemon, ["workflows", "graph", "support-triage", "--format", "dot", "--version", "2"])
            #expect(dot.stdout.contains("\"classify\" -> \"archive\";"), "\(dot.stdout)")

            let agents = try await ctl(daemon, ["agents", "list"])
            #expect(agents.stdout.contains("fetch-ticket") && agents.stdout.contains("classify"))
            let kinds = try await ctl(daemon, ["agents", "kinds"])
            for kind in ["llm", "http", "transform", "exec", "approval", "workflow", "delay", "router"] {
                #expect(kinds.stdout.contains("\(kind): "), "missing \(kind)")
            }
            let workflows = try await ctl(daemon, ["workflows", "list"])
            #expect(workflows.stdout.contains("support-triage") && workflows.stdout.contains("dev=v3 staging=v2"), "\(workflows.stdout)")

            // Every change is audited.
            let audit = try await daemon.socket.call(.GET, "/api/v1/audit?limit=200").json?["items"] as? [[String: Any]] ?? []
            let actions = audit.compactMap { $0["action"] as? String }
            #expect(actions.filter { $0 == "workflow.version_created" }.count == 3)
            #expect(actions.contains("workflow.deployed") && actions.contains("agent.version_created"))
        }
    }

    @Test func validatePrintsEveryProblemWithItsLocationAndStoresNothing() async throws {
        try await TestDaemon.run { daemon in
            let directory = try TestDaemon.makeDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let broken = """
                workflow: broken
                nodes:
                  fetch:
                    kind: transform
                    config: {output: {x: 1}}
                  classify:
                    kind: transform
                    input:
                      text: "{{ nodes.fetch2.output }}"
                    config: {output: {y: 2}}
                    timout_ms: 5
                edges:
                  - fetch -> classify
                  - classify -> nowhere
                """
            let result = try await ctl(daemon, ["validate", "-f", try write(broken, "broken.yaml", in: directory)])
            #expect(result.status == 1)
            #expect(result.stderr.contains("definition_invalid"), "\(result.stderr)")
            #expect(result.stderr.contains("nodes.classify.input.text: 1:4: unknown reference nodes.fetch2 — did you mean nodes.fetch?"),
                    "\(result.stderr)")
            #expect(result.stderr.contains("nodes.classify.timout_ms: unknown field — did you mean 'timeout_ms'?"), "\(result.stderr)")
            let list = try await daemon.socket.call(.GET, "/api/v1/workflows").json?["items"] as? [Any]
            #expect(list?.isEmpty == true)

            let good = try await ctl(daemon, ["validate", "-f", try write(try Self.example, "good.yaml", in: directory)])
            #expect(good.status == 0, "\(good.stderr)")
            #expect(good.stdout.contains("workflow support-triage: valid, would be version 1"))
            #expect((try await daemon.socket.call(.GET, "/api/v1/agents").json?["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: [
        ("workflow: x\nnodes: {a: [1,\n", 400, "yaml_malformed", "line 3, column 1"),
        ("workflow: cyc\nnodes:\n  a: {kind: transform, config: {output: 1}}\n  b: {kind: transform, config: {output: 2}}\nedges: [a -> b, b -> a]\n",
         422, "definition_invalid", "cycle: a -> b -> a"),
        ("workflow: dangle\nnodes:\n  a: {kind: transform, config: {output: 1}}\nedges: [a -> ghost]\n", 422, "definition_invalid", "unknown node 'ghost'"),
        ("workflow: tpl\nnodes:\n  a: {kind: transform, config: {output: \"{{ input.x + }}\"}}\n", 422, "definition_invalid", "nodes.a.config.output"),
        ("agent: k\nkind: lmm\nconfig: {}\n", 422, "definition_invalid", "did you mean 'llm'"),
        ("agent: leaky\nkind: http\nconfig: {url: \"https://x.internal\", headers: {Authorization: \"Bearer abcdefghijklmnopqrstuvwxyz\"}}\n",
         422, "definition_invalid", "agentctl secrets set"),
        ("workflow: uses-missing\nnodes:\n  a: {agent: nobody}\n", 404, "not_found", "nobody"),
        ("- just\n- a list\n", 422, "definition_invalid", "agent: NAME"),
    ])
    func badDefinitionsAreRefusedWithTheirCodeAndNothingIsStored(_ document: String, _ status: Int, _ code: String, _ fragment: String) async throws {
        try await TestDaemon.run { daemon in
            let response = try await daemon.socket.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": document]))
            #expect(response.status == status, "\(String(decoding: response.body, as: UTF8.self))")
            #expect(response.json?["code"] as? String == code)
            let text = String(decoding: response.body, as: UTF8.self)
            #expect(text.contains(fragment), "\(text)")
            for listing in ["/api/v1/agents", "/api/v1/workflows"] {
                #expect((try await daemon.socket.call(.GET, listing).json?["items"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test func oversizedFilesAndAllOrNothingApplies() async throws {
        try await TestDaemon.run { daemon in
            let huge = "workflow: big\ndescription: \"" + String(repeating: "x", count: 600 * 1024) + "\"\n"
            let large = try await daemon.socket.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": huge]))
            #expect(large.status == 413)
            #expect(large.json?["code"] as? String == "document_too_large")

            // A valid agent and an invalid workflow in one file: neither is stored.
            let mixed = "agent: fine\nkind: transform\nconfig: {output: 1}\n---\nworkflow: bad\nnodes:\n  a: {agent: fine, when: \"no braces\"}\n"
            let refused = try await daemon.socket.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": mixed]))
            #expect(refused.status == 422)
            let errors = refused.json?["errors"] as? [[String: Any]] ?? []
            #expect(errors.first?["field"] as? String == "documents[1].nodes.a.when", "\(errors)")
            #expect((errors.first?["message"] as? String)?.contains("(line 7)") == true, "\(errors)")
            #expect((try await daemon.socket.call(.GET, "/api/v1/agents").json?["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func teamsSeeTheirOwnAgentsAndOnlyPublishedOnesOfOthers() async throws {
        try await TestDaemon.run { daemon in
            for team in ["red", "blue"] { _ = try await daemon.socket.call(.POST, "/api/v1/teams", json: ["name": team]) }
            let redKey = try await IdentityTests.keyFor(daemon, login: "rita", role: "developer")
            let blueKey = try await IdentityTests.keyFor(daemon, login: "bob", role: "developer")
            _ = try await daemon.socket.call(.PUT, "/api/v1/teams/red/members/rita", json: [:])
            _ = try await daemon.socket.call(.PUT, "/api/v1/teams/blue/members/bob", json: [:])
            let red = IdentityTests.tcp(daemon, key: redKey), blue = IdentityTests.tcp(daemon, key: blueKey)

            let agent = "agent: red-only\nkind: transform\nteam: red\nconfig: {output: {ok: true}}\n"
            let created = try await red.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": agent]))
            #expect(created.status == 200, "\(String(decoding: created.body, as: UTF8.self))")
            #expect(try await blue.send(.GET, "/api/v1/agents/red-only").status == 404)
            let blueList = try await blue.call(.GET, "/api/v1/agents").json?["items"] as? [Any]
            #expect(blueList?.isEmpty == true)

            let usesRed = "workflow: blue-flow\nteam: blue\nnodes:\n  a: {agent: red-only}\n"
            let refused = try await blue.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": usesRed]))
            #expect(refused.status == 404, "\(String(decoding: refused.body, as: UTF8.self))")
            #expect(refused.json?["code"] as? String == "not_found")
            // blue cannot even name a team it is not in.
            let wrongTeam = "agent: sneaky\nkind: transform\nteam: red\nconfig: {output: 1}\n"
            #expect(try await blue.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": wrongTeam])).status == 404)

            _ = try await red.call(.POST, "/api/v1/agents/red-only/publish", json: [:])
            #expect(try await blue.send(.GET, "/api/v1/agents/red-only").status == 200)
            let accepted = try await blue.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": usesRed]))
            #expect(accepted.status == 200, "\(String(decoding: accepted.body, as: UTF8.self))")
            let pins = try await blue.call(.GET, "/api/v1/workflows/blue-flow/versions/1").json?["agents"] as? [String: [String: Any]]
            #expect(pins?["a"]?["version"] as? Int == 1)
            // blue may use it but not change or delete it.
            #expect(try await blue.send(.DELETE, "/api/v1/agents/red-only").status == 404)
            // In use: red cannot delete it either, and the team cannot be deleted while it owns agents.
            let inUse = try await red.send(.DELETE, "/api/v1/agents/red-only")
            #expect(inUse.status == 409)
            // It says why without naming blue's workflow to red.
            let detail = inUse.json?["detail"] as? String ?? ""
            #expect(detail.contains("1 of other teams") && !detail.contains("blue-flow"), "\(detail)")
            let team = try await daemon.socket.send(.DELETE, "/api/v1/teams/red")
            #expect(team.status == 409, "\(String(decoding: team.body, as: UTF8.self))")
        }
    }

    @Test func permissionsAndThePlanQuotaAreEnforced() async throws {
        try await TestDaemon.run { daemon in
            let viewer = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "vic", role: "viewer"))
            let doc = "agent: a1\nkind: transform\nconfig: {output: 1}\n"
            let denied = try await viewer.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": doc]))
            #expect(denied.status == 403)
            #expect((denied.json?["detail"] as? String)?.contains("agents.create") == true)
            let audit = try await daemon.socket.call(.GET, "/api/v1/audit?action=permission.denied").json?["items"] as? [[String: Any]] ?? []
            #expect(audit.contains { ($0["details"] as? [String: String])?["route"] == "POST /api/v1/apply" }, "\(audit)")
            #expect(try await viewer.send(.GET, "/api/v1/workflows").status == 200)

            _ = try await daemon.socket.call(.PUT, "/api/v1/orgs/default/plan", json: ["plan": "free"])
            for index in 1...5 {
                let flow = "workflow: flow-\(index)\nnodes:\n  a: {kind: transform, config: {output: \(index)}}\n"
                _ = try await daemon.socket.call(.POST, "/api/v1/apply", json: ["document": flow])
            }
            let sixth = "workflow: flow-6\nnodes:\n  a: {kind: transform, config: {output: 6}}\n"
            let over = try await daemon.socket.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": sixth]))
            #expect(over.status == 403)
            #expect(over.json?["code"] as? String == "quota_exceeded")
            // A new version of an existing workflow is not a new workflow.
            let edit = "workflow: flow-1\nnodes:\n  a: {kind: transform, config: {output: 100}}\n"
            #expect(try await daemon.socket.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": edit])).status == 200)
            let quota = try await daemon.socket.call(.GET, "/api/v1/orgs/default/quota").json?["quotas"] as? [String: [String: Any]]
            #expect(quota?["workflows"]?["used"] as? Int == 5)
        }
    }
}

/// The review's cases: who may change what, and the answers that must not leak.
@Suite(.serialized) struct DefinitionAccessTests {
    static func apply(_ client: AgentClient, _ document: String, deploy: String? = nil) async throws -> ClientResponse {
        var body: [String: Any] = ["document": document]
        if let deploy { body["deploy"] = deploy }
        return try await client.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: body))
    }

    @Test func creatingIsNotEditingAndDeployingBeyondDevNeedsEdit() async throws {
        try await TestDaemon.run { daemon in
            let key = try await IdentityTests.keyFor(daemon, login: "cree", role: "developer", scopes: ["workflows.create", "workflows.view"])
            let creator = IdentityTests.tcp(daemon, key: key)
            let v1 = "workflow: made\nnodes:\n  a: {kind: transform, config: {output: 1}}\n"
            let created = try await Self.apply(creator, v1)
            #expect(created.status == 200, "\(String(decoding: created.body, as: UTF8.self))")
            let edited = try await Self.apply(creator, v1.replacingOccurrences(of: "output: 1", with: "output: 2"))
            #expect(edited.status == 403)
            #expect((edited.json?["detail"] as? String)?.contains("workflows.edit") == true)
            let promoted = try await Self.apply(creator, "workflow: other\nnodes:\n  a: {kind: transform, config: {output: 1}}\n", deploy: "prod")
            #expect(promoted.status == 403)
            let versions = try await daemon.socket.call(.GET, "/api/v1/workflows/made/versions").json?["items"] as? [Any]
            #expect(versions?.count == 1)
            #expect(try await daemon.socket.send(.GET, "/api/v1/workflows/other").status == 404)

            // An unchanged file with an explicit --deploy promotes the newest version.
            let promotion = try await Self.apply(daemon.socket, v1, deploy: "staging")
            #expect(promotion.status == 200)
            let result = (promotion.json?["results"] as? [[String: Any]])?.first
            #expect(result?["changed"] as? Bool == false)
            #expect(result?["deployed_to"] as? String == "staging")
        }
    }

    @Test func ownersCannotBeChangedByDevelopersAndNamesOfOtherTeamsAreTaken() async throws {
        try await TestDaemon.run { daemon in
            for team in ["red", "blue"] { _ = try await daemon.socket.call(.POST, "/api/v1/teams", json: ["name": team]) }
            let blue = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "bea", role: "developer"))
            _ = try await daemon.socket.call(.PUT, "/api/v1/teams/blue/members/bea", json: [:])
            _ = try await daemon.socket.call(.POST, "/api/v1/apply", json: ["document": "agent: shared\nkind: transform\nconfig: {output: 1}\n"])
            _ = try await daemon.socket.call(.POST, "/api/v1/apply", json: ["document": "agent: reds\nkind: transform\nteam: red\nconfig: {output: 1}\n"])

            let takeover = try await Self.apply(blue, "agent: shared\nkind: transform\nteam: blue\nconfig: {output: 2}\n")
            #expect(takeover.status == 409, "\(String(decoding: takeover.body, as: UTF8.self))")
            #expect((takeover.json?["detail"] as? String)?.contains("org admin") == true)
            let taken = try await Self.apply(blue, "agent: reds\nkind: transform\nteam: blue\nconfig: {output: 1}\n")
            #expect(taken.status == 409)
            #expect(taken.json?["code"] as? String == "already_exists")
            // An org admin may move it.
            #expect(try await Self.apply(daemon.socket, "agent: shared\nkind: transform\nteam: blue\nconfig: {output: 2}\n").status == 200)
        }
    }

    @Test func othersSeeOnlyPublishedVersionsAndAWithdrawnOneIsGone() async throws {
        try await TestDaemon.run { daemon in
            for team in ["red", "blue"] { _ = try await daemon.socket.call(.POST, "/api/v1/teams", json: ["name": team]) }
            let red = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "rae", role: "developer"))
            let blue = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "ben", role: "developer"))
            _ = try await daemon.socket.call(.PUT, "/api/v1/teams/red/members/rae", json: [:])
            _ = try await daemon.socket.call(.PUT, "/api/v1/teams/blue/members/ben", json: [:])
            _ = try await Self.apply(red, "agent: tool\nkind: transform\nteam: red\ndescription: first\nconfig: {output: 1}\n")
            _ = try await red.call(.POST, "/api/v1/agents/tool/publish", json: [:])
            _ = try await Self.apply(red, "agent: tool\nkind: transform\nteam: red\ndescription: secret plans\ntags: [internal]\nconfig: {output: 2}\n")

            let seen = try await blue.call(.GET, "/api/v1/agents/tool").json
            #expect(seen?["latest_version"] as? Int == 1)
            #expect(seen?["description"] as? String == "first")
            #expect(!String(describing: seen ?? [:]).contains("secret plans"))
            #expect(try await blue.send(.GET, "/api/v1/agents/tool/versions/2").status == 404)

            // Red rolls back to version 1 (a new version 3) and withdraws the publication.
            let rollback = try await red.call(.POST, "/api/v1/agents/tool/rollback", json: ["version": 1]).json
            #expect(rollback?["version"] as? Int == 3)
            let diff = try await red.call(.GET, "/api/v1/agents/tool/diff?from=1&to=3").json
            #expect((diff?["changes"] as? [Any])?.isEmpty == true)
            _ = try await red.call(.POST, "/api/v1/agents/tool/publish", json: ["version": 1, "published": false])
            #expect(try await blue.send(.GET, "/api/v1/agents/tool").status == 404)
        }
    }

    @Test func aMissingAgentAmongOtherProblemsIsListedWithTheRest() async throws {
        try await TestDaemon.run { daemon in
            let document = "workflow: mixed\nnodes:\n  a: {agent: ghost}\n  b: {kind: transform, config: {output: 1}}\nedges: [a -> c]\n"
            let response = try await Self.apply(daemon.socket, document)
            #expect(response.status == 422)
            let fields = (response.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(fields.contains("nodes.a.agent") && fields.contains("edges[0]"), "\(fields)")
        }
    }

    @Test func theAgentQuotaCountsNewAgentsOnly() async throws {
        try await TestDaemon.run { daemon in
            _ = try await daemon.socket.call(.PUT, "/api/v1/orgs/default/plan", json: ["plan": "free", "overrides": ["agents": 2]])
            for name in ["one", "two"] {
                #expect(try await Self.apply(daemon.socket, "agent: \(name)\nkind: transform\nconfig: {output: 1}\n").status == 200)
            }
            let third = try await Self.apply(daemon.socket, "agent: three\nkind: transform\nconfig: {output: 1}\n")
            #expect(third.status == 403)
            #expect(third.json?["code"] as? String == "quota_exceeded")
            #expect(try await Self.apply(daemon.socket, "agent: two\nkind: transform\nconfig: {output: 2}\n").status == 200)
        }
    }
}
