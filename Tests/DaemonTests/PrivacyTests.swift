import Client
import Foundation
import Testing

/// PII detection and masking through the real daemon (docs/compliance.md#pii-detection-and-masking):
/// org policies set over the API, what `mask`, `mask_in_prompts` and `block` do to stored
/// payloads, prompts and steps, the counts, and the log.
@Suite(.serialized) struct PrivacyTests {
    static func setPolicy(_ client: AgentClient, _ org: String, _ body: [String: Any]) async throws {
        let response = try await client.send(.PUT, "/api/v1/orgs/\(org)/privacy", body: try JSONSerialization.data(withJSONObject: body),
                                             headers: [("Content-Type", "application/json")])
        guard response.status == 200 else { throw TestFailure("privacy not set: \(response.status) \(String(decoding: response.body, as: UTF8.self))") }
    }

    /// The database file and its WAL, as bytes on disk.
    static func databaseBytes(_ daemon: TestDaemon) -> String {
        [daemon.databasePath, daemon.databasePath + "-wal"].map { path in
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }.joined()
    }

    static func counts(_ execution: [String: Any]) -> [String: Int] {
        (execution["pii_masked"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int }
    }

    @Test func maskStoresMaskedPayloadsAndCountsWhatItMasked() async throws {
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            try await Self.setPolicy(admin, "default", ["pii": "mask", "patterns": [["name": "employee_id", "regex": "EMP-[0-9]{6}"]]])
            try await Run.apply(admin, """
                workflow: masked
                nodes:
                  reply: {kind: transform, config: {output: {to: "{{ input.email }}", line: "call +44 20 {{ input.a }} {{ input.b }} now", who: "{{ input.staff }}"}}}
                """)
            // The phone number exists only once the step built it: its parts alone are nothing.
            let id = try await Run.start(admin, "masked", input: ["email": "ann.lee@example.com", "note": "card 4111 1111 1111 1111 declined",
                                                                "staff": "EMP-004211", "a": "7946", "b": "0958"])
            let execution = try await Run.finish(admin, id)
            #expect(execution["status"] as? String == "succeeded", "\(execution)")
            // Stored masked: the execution's input, the step's output, the execution's output.
            let input = execution["input"] as? [String: Any] ?? [:]
            #expect(input["a"] as? String == "7946")
            #expect(input["email"] as? String == "[email]" && input["note"] as? String == "card [payment_card] declined" && input["staff"] as? String == "[employee_id]",
                    "\(input)")
            let output = Run.step(execution, "reply")["output"] as? [String: Any] ?? [:]
            #expect(output["to"] as? String == "[email]" && output["line"] as? String == "call [phone] now" && output["who"] as? String == "[employee_id]", "\(output)")
            #expect(((execution["output"] as? [String: Any])?["reply"] as? [String: Any])?["line"] as? String == "call [phone] now")
            // Each finding counted once, where it was masked; never the values.
            #expect(Self.counts(execution) == ["email": 1, "payment_card": 1, "employee_id": 1, "phone": 1], "\(execution)")
            // Nowhere in the file: not in a row, not in the WAL.
            let bytes = Self.databaseBytes(daemon)
            #expect(!bytes.isEmpty)
            for value in ["ann.lee@example.com", "4111 1111 1111 1111", "7946 0958", "EMP-004211"] {
                #expect(!bytes.contains(value), "\(value) is in the database file")
            }
            // Counted in the metrics, custom patterns as one label.
            let metrics = String(decoding: try await daemon.tcp.send(.GET, "/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"agentd_pii_masked_total{kind="email"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"agentd_pii_masked_total{kind="custom"} 1"#))
            #expect(!metrics.contains("employee_id"))
            // And shown by agentctl.
            let shown = try await runProgram(AgentctlTests.agentctl, ["executions", "get", id, "--socket", daemon.socketPath])
            #expect(shown.status == 0 && shown.stdout.contains("email 1, employee_id 1, payment_card 1, phone 1"), "\(shown)")
        }
    }

    @Test func blockFailsTheStepOrRefusesTheStartAndNamesOnlyTheKinds() async throws {
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            try await Self.setPolicy(admin, "default", ["pii": "block", "kinds": ["email"]])
            try await Run.apply(admin, """
                workflow: leaks
                nodes:
                  leak: {kind: transform, retry: {max_attempts: 3, initial_backoff_ms: 0}, config: {output: {note: "write to bob@example.org"}}}
                ---
                workflow: sends
                nodes:
                  send: {kind: transform, input: {to: "bob@example.org"}, config: {output: "{{ input.to }}"}}
                ---
                workflow: fine
                nodes:
                  ok: {kind: transform, config: {output: {phone: "+44 20 7946 0958"}}}
                """)
            for (workflow, node, place) in [("leaks", "leak", "output"), ("sends", "send", "input")] {
                let execution = try await Run.finish(admin, try await Run.start(admin, workflow))
                #expect(execution["status"] as? String == "failed")
                let step = Run.step(execution, node)
                let error = step["error"] as? [String: Any] ?? [:]
                #expect(error["kind"] as? String == "pii_blocked", "\(step)")
                #expect((error["message"] as? String)?.contains("step's \(place) holds personal data of kind email") == true, "\(error)")
                #expect(!((error["message"] as? String) ?? "").contains("bob@example.org"))
                // Not retried: the same on every attempt.
                #expect(step["attempt"] as? Int == 1)
                #expect(step["output"] == nil || step["output"] is NSNull)
            }
            // Kinds the policy does not cover pass.
            let fine = try await Run.finish(admin, try await Run.start(admin, "fine"))
            #expect(fine["status"] as? String == "succeeded" && Self.counts(fine).isEmpty)
            // An input holding a blocked kind: refused, nothing stored.
            let before = try await admin.call(.GET, "/api/v1/executions").json?["items"] as? [[String: Any]] ?? []
            let refused = try await admin.send(.POST, "/api/v1/executions", body: try JSONSerialization.data(withJSONObject: [
                "workflow": "fine", "input": ["contact": "carol.x@example.net"]]), headers: [("Content-Type", "application/json")])
            #expect(refused.status == 422 && refused.json?["code"] as? String == "pii_blocked", "\(refused.json ?? [:])")
            #expect((refused.json?["detail"] as? String)?.contains("email") == true)
            let after = try await admin.call(.GET, "/api/v1/executions").json?["items"] as? [[String: Any]] ?? []
            #expect(after.count == before.count)
            #expect(!Self.databaseBytes(daemon).contains("carol.x@example.net"))
        }
    }

    @Test func maskInPromptsMasksWhatLeavesForTheModelAndNothingStored() async throws {
        let server = try await Upstream(script: "modelserver.py")
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            try await LLMTests.model(admin, "local", server)
            try await Self.setPolicy(admin, "default", ["pii": "mask_in_prompts"])
            try await Run.apply(admin, """
                workflow: ask
                nodes:
                  ask: {kind: llm, config: {model: local, prompt: "write to {{ input.who }} today"}}
                """)
            let execution = try await Run.finish(admin, try await Run.start(admin, "ask", input: ["who": "ann.lee@example.com"]))
            #expect(execution["status"] as? String == "succeeded", "\(execution)")
            let sent = try await LLMTests.requests(server).compactMap { ($0["messages"] as? [[String: Any]])?.last?["content"] as? String }
            #expect(sent.contains("write to [email] today"), "\(sent)")
            #expect(!sent.contains { $0.contains("ann.lee@example.com") })
            // What is stored is not masked under this policy; what was masked is counted.
            #expect((execution["input"] as? [String: Any])?["who"] as? String == "ann.lee@example.com")
            #expect(Self.counts(execution) == ["email": 1], "\(execution)")

            // Under block, a prompt holding a blocked kind never leaves: the step fails first.
            try await Self.setPolicy(admin, "default", ["pii": "block", "kinds": ["email"]])
            try await Run.apply(admin, """
                workflow: tell
                nodes:
                  tell: {kind: llm, config: {model: local, prompt: "forward this to bob@example.org please"}}
                """)
            let calls = try await LLMTests.requests(server).count
            let blocked = try await Run.finish(admin, try await Run.start(admin, "tell"))
            let error = Run.step(blocked, "tell")["error"] as? [String: Any] ?? [:]
            #expect(error["kind"] as? String == "pii_blocked" && (error["message"] as? String)?.contains("step's prompt") == true, "\(blocked)")
            #expect(try await LLMTests.requests(server).count == calls)
        }
    }

    /// What a model answers is stored masked under `mask`: the step's output, and the text it
    /// streamed as events (held to the end, so a value split across two pieces is caught).
    @Test func maskCoversWhatAModelAnswersAndStreams() async throws {
        let server = try await Upstream(script: "modelserver.py")
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            try await LLMTests.model(admin, "local", server)
            // The fake model answers `#long=N` with "w1 w2 … wN": an org pattern finds three of its words.
            try await Self.setPolicy(admin, "default", ["pii": "mask", "patterns": [["name": "code_words", "regex": "w7 w8 w[9]"]]])
            try await Run.apply(admin, """
                workflow: story
                nodes:
                  story: {kind: llm, config: {model: local, prompt: "#long=12", stream: true}}
                """)
            let id = try await Run.start(admin, "story")
            let execution = try await Run.finish(admin, id)
            let text = (Run.step(execution, "story")["output"] as? [String: Any])?["text"] as? String
            #expect(text == "w1 w2 w3 w4 w5 w6 [code_words] w10 w11 w12", "\(execution)")
            let deltas = try await Run.events(admin, id).filter { $0["type"] as? String == "llm.delta" }
            #expect(!deltas.isEmpty && deltas.map { ($0["data"] as? [String: Any])?["text"] as? String ?? "" }.joined() == text)
            #expect(Self.counts(execution) == ["code_words": 1], "\(execution)")
            // (The pattern is stored; what it found is not.)
            #expect(!Self.databaseBytes(daemon).contains("w7 w8 w9"))
        }
    }

    @Test func aWorkflowMayTightenTheOrgsPolicyButNotRelaxIt() async throws {
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            try await Run.apply(admin, """
                workflow: strict
                privacy: {pii: mask, kinds: [email]}
                nodes:
                  a: {kind: transform, config: {output: "{{ input.text }}"}}
                ---
                workflow: lax
                privacy: {pii: "off"}
                nodes:
                  a: {kind: transform, config: {output: "{{ input.text }}"}}
                """)
            let text = "mail ann.lee@example.com or call +44 20 7946 0958"
            // A child workflow's own block refuses its input: the parent's step fails, classified.
            try await Run.apply(admin, """
                workflow: guarded-child
                privacy: {pii: block, kinds: [email]}
                nodes:
                  a: {kind: transform, config: {output: "{{ input.to }}"}}
                ---
                workflow: parent
                nodes:
                  call: {kind: workflow, config: {workflow: guarded-child, input: {to: "{{ input.to }}"}}}
                """)
            let parent = try await Run.finish(admin, try await Run.start(admin, "parent", input: ["to": "ann.lee@example.com"]))
            let refusal = Run.step(parent, "call")["error"] as? [String: Any] ?? [:]
            #expect(refusal["kind"] as? String == "pii_blocked" && !((refusal["message"] as? String) ?? "").contains("ann.lee"), "\(parent)")
            // The org has no policy: the workflow's own masks emails only.
            let strict = try await Run.finish(admin, try await Run.start(admin, "strict", input: ["text": text]))
            #expect(Run.step(strict, "a")["output"] as? String == "mail [email] or call +44 20 7946 0958", "\(strict)")
            #expect(Self.counts(strict) == ["email": 1])
            // The org masks everything: a workflow saying off still masks.
            try await Self.setPolicy(admin, "default", ["pii": "mask"])
            let lax = try await Run.finish(admin, try await Run.start(admin, "lax", input: ["text": text]))
            #expect(Run.step(lax, "a")["output"] as? String == "mail [email] or call [phone]", "\(lax)")
            // A malformed privacy block is refused at apply, with its path.
            let bad = try await admin.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: [
                "document": "workflow: bad\nprivacy: {pii: shred, kinds: [emails]}\nnodes:\n  a: {kind: transform, config: {output: 1}}\n"]))
            #expect(bad.status == 422 && bad.json?["code"] as? String == "definition_invalid", "\(bad.json ?? [:])")
            let fields = (bad.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(fields.contains("privacy.pii"), "\(fields)")
        }
    }

    @Test func thePrivacyRoutesRefuseWhatTheyMust() async throws {
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            func put(_ client: AgentClient, _ org: String, _ body: Any) async throws -> ClientResponse {
                try await client.send(.PUT, "/api/v1/orgs/\(org)/privacy", body: try JSONSerialization.data(withJSONObject: body),
                                      headers: [("Content-Type", "application/json")])
            }
            let initial = try await admin.call(.GET, "/api/v1/orgs/default/privacy").json ?? [:]
            #expect(initial["pii"] as? String == "off" && initial["set"] as? Bool == false)
            let tooMany = (0...20).map { ["name": "p\($0)", "regex": "X\($0)-[0-9]+"] }
            for (body, code, field) in [
                (["pii": "shred"] as [String: Any], "pii_action_unknown", "pii"),
                (["pii": "mask", "kinds": ["emails"]], "pii_kind_unknown", "kinds"),
                (["pii": "mask", "patterns": [["name": "slow", "regex": "(a+)+$"]]], "pii_pattern_catastrophic", "patterns[0].regex"),
                (["pii": "mask", "patterns": [["name": "empty", "regex": ".*"]]], "pii_pattern_invalid", "patterns[0].regex"),
                (["pii": "mask", "patterns": [["name": "long", "regex": String(repeating: "a", count: 201)]]], "pii_pattern_invalid", "patterns[0].regex"),
                (["pii": "mask", "patterns": [["name": "ok", "regex": "A[0-9]"], ["name": "broken", "regex": "(x"]]], "pii_pattern_invalid", "patterns[1].regex"),
                (["pii": "mask", "patterns": [["name": "email", "regex": "A[0-9]"]]], "pii_pattern_name", "patterns[0].name"),
                (["pii": "mask", "patterns": tooMany], "pii_patterns_too_many", "patterns"),
            ] {
                let refused = try await put(admin, "default", body)
                #expect(refused.status == 422 && refused.json?["code"] as? String == code, "\(body): \(refused.status) \(refused.json ?? [:])")
                #expect((refused.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == field, "\(refused.json ?? [:])")
            }
            #expect(try await put(admin, "default", ["pii": "mask", "surprise": 1]).status == 400)
            // Nothing was written by any of them, and nothing audited.
            #expect((try await admin.call(.GET, "/api/v1/orgs/default/privacy").json ?? [:])["set"] as? Bool == false)

            // A developer reads but may not set; another org's is not found.
            let developer = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "pii-dev", role: "developer", org: "pii-a"))
            #expect(try await developer.send(.GET, "/api/v1/orgs/pii-a/privacy").status == 200)
            #expect(try await put(developer, "pii-a", ["pii": "mask"]).status == 403)
            let otherAdmin = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "pii-admin", role: "admin", org: "pii-b"))
            #expect(try await otherAdmin.send(.GET, "/api/v1/orgs/pii-a/privacy").status == 404)
            #expect(try await put(otherAdmin, "pii-a", ["pii": "mask"]).status == 404)
            // Its own admin may, and it is audited (the patterns' names, not their expressions).
            let set = try await put(otherAdmin, "pii-b", ["pii": "block", "kinds": ["email", "custom"], "patterns": [["name": "badge", "regex": "BX-[0-9]{4}"]]])
            #expect(set.status == 200 && set.json?["pii"] as? String == "block" && set.json?["kinds"] as? [String] == ["email", "custom"], "\(set.json ?? [:])")
            let audit = try await admin.call(.GET, "/api/v1/audit?action=privacy.changed&org=pii-b").json?["items"] as? [[String: Any]] ?? []
            let details = audit.first?["details"] as? [String: String] ?? [:]
            #expect(audit.count == 1 && details["pii"] == "block" && details["patterns"] == "badge", "\(audit)")
            #expect(!details.values.contains { $0.contains("BX-") })

            // agentctl changes what it is told and keeps the rest.
            let cli = try await runProgram(AgentctlTests.agentctl, ["orgs", "privacy", "default", "--pii", "mask", "--pattern", "ticket=T-[0-9]{5}",
                                                                    "--socket", daemon.socketPath])
            #expect(cli.status == 0 && cli.stdout.contains("ticket=T-[0-9]{5}"), "\(cli)")
            let again = try await runProgram(AgentctlTests.agentctl, ["orgs", "privacy", "default", "--kinds", "email,custom", "--remove-pattern", "ticket",
                                                                      "--socket", daemon.socketPath])
            #expect(again.status == 0, "\(again)")
            let now = try await admin.call(.GET, "/api/v1/orgs/default/privacy").json ?? [:]
            #expect(now["pii"] as? String == "mask" && now["kinds"] as? [String] == ["email", "custom"] && (now["patterns"] as? [Any])?.isEmpty == true, "\(now)")
            let wrong = try await runProgram(AgentctlTests.agentctl, ["orgs", "privacy", "default", "--pattern", "slow=(a+)+", "--socket", daemon.socketPath])
            #expect(wrong.status != 0 && wrong.stderr.contains("exponential"), "\(wrong)")
        }
    }

    /// A change's log event names the path it was asked for: a person's email in it is masked
    /// unless `[privacy] mask_logs` is off.
    @Test(arguments: [true, false])
    func logMetadataIsMaskedUnlessTurnedOff(_ masked: Bool) async throws {
        try await TestDaemon.run(environment: masked ? [:] : ["AGENTD_PRIVACY_MASK_LOGS": "false"]) { daemon in
            _ = try await daemon.socket.send(.PATCH, "/api/v1/users/ann.lee@example.com", body: Data(#"{"disabled":true}"#.utf8),
                                             headers: [("Content-Type", "application/json")])
            let line = try #require(try await daemon.log.waitFor { $0.contains("msg=\"change requested\"") && $0.contains("/api/v1/users/") })
            #expect(line.contains("ann.lee@example.com") == !masked, "\(line)")
            #expect(line.contains("/api/v1/users/[email]") == masked, "\(line)")
            // Where agentd listens is not personal data: a loopback address stays.
            #expect(daemon.log.lines.contains { $0.contains("transport=tcp") && $0.contains("127.0.0.1:") })
        }
    }
}
