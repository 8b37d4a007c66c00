import Client
import Foundation
import Testing

/// Issue 14, hole 3: one developer could crash agentd (and it crashed again at every start)
/// with a number: `version: 1e19` passed validation and `Int(Double)` trapped in the worker.
/// Extreme numbers in every numeric field of every step kind and node setting, through apply
/// and through run: refused with a problem or failed as a step, and agentd keeps answering.
@Suite(.serialized) struct ExtremeNumbersTests {
    /// As JSON spells them (the document is sent as text): huge, tiny, 2^63, -0, a fraction, a
    /// number past Int, and strings that look like numbers.
    static let values = ["1e308", "-1e308", "9223372036854775808", "-0", "1.5", "1e19", "123456789012345678901234567890",
                         "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", ".nan", ".inf", "-.inf"]

    /// (node id, kind, config without the field, field, allowed range, whole numbers only, list field).
    static let fields: [(String, String, String, String, ClosedRange<Double>, Bool, Bool)] = [
        ("llm_temperature", "llm", "model: m, prompt: p", "temperature", 0...2, false, false),
        ("llm_max_tokens", "llm", "model: m, prompt: p", "max_tokens", 1...1_000_000, true, false),
        ("llm_timeout", "llm", "model: m, prompt: p", "timeout_ms", 1...86_400_000, true, false),
        ("llm_iterations", "llm", "model: m, prompt: p", "max_tool_iterations", 1...50, true, false),
        ("http_status", "http", "url: \"https://svc.internal\"", "expect_status", 100...599, true, true),
        ("http_bytes", "http", "url: \"https://svc.internal\"", "max_response_bytes", 1...67_108_864, true, false),
        ("http_timeout", "http", "url: \"https://svc.internal\"", "timeout_ms", 1...86_400_000, true, false),
        ("exec_timeout", "exec", "connector: c, command: run", "timeout_ms", 1...86_400_000, true, false),
        ("approval_quorum", "approval", "approvers: [\"role:admin\"]", "quorum", 1...100, true, false),
        ("approval_expiry", "approval", "approvers: [\"role:admin\"]", "expires_after_ms", 1000...31_536_000_000, true, false),
        ("workflow_version", "workflow", "workflow: child", "version", 1...1_000_000_000, true, false),
        ("delay_duration", "delay", "", "duration_ms", 1...31_536_000_000, true, false),
    ]

    /// Whether JSON text `value` is one the field accepts (then no issue is expected for it).
    static func allowed(_ value: String, _ range: ClosedRange<Double>, whole: Bool) -> Bool {
        guard !value.hasPrefix("\""), !value.hasPrefix("."), !value.hasPrefix("-."), let number = Double(value), range.contains(number) else { return false }
        return !whole || number.rounded() == number
    }

    static func healthy(_ daemon: TestDaemon) async throws {
        #expect(daemon.process.isRunning, "agentd died:\n\(daemon.log.text)")
        #expect(try await daemon.tcp.send(.GET, "/healthz").status == 200)
        #expect(!daemon.log.text.contains("Fatal error"), "\(daemon.log.text)")
    }

    @Test func extremeNumbersInEveryNumericFieldAreRefusedAtApply() async throws {
        try await TestDaemon.run { daemon in
            for value in Self.values {
                // One node per field, and the node and workflow settings: every issue is listed at once.
                var nodes = ""
                for (id, kind, base, field, _, _, list) in Self.fields {
                    let number = list ? "[\(value)]" : value
                    nodes += "  \(id): {kind: \(kind), config: {\(base)\(base.isEmpty ? "" : ", ")\(field): \(number)}}\n"
                }
                nodes += "  node_timeout: {kind: transform, config: {output: 1}, timeout_ms: \(value)}\n"
                nodes += "  node_attempts: {kind: transform, config: {output: 1}, retry: {max_attempts: \(value)}}\n"
                nodes += "  node_backoff: {kind: transform, config: {output: 1}, retry: {max_attempts: 2, initial_backoff_ms: \(value)}}\n"
                nodes += "  node_cap: {kind: transform, config: {output: 1}, retry: {max_attempts: 2, max_backoff_ms: \(value)}}\n"
                let document = "workflow: extreme\ntimeout_ms: \(value)\nconcurrency: \(value)\nnodes:\n\(nodes)"
                let response = try await daemon.socket.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": document]))
                let text = String(decoding: response.body, as: UTF8.self)
                #expect(response.status == 422 && response.json?["code"] as? String == "definition_invalid", "\(value): \(response.status) \(text)")
                var expected: [String] = []
                for (id, _, _, field, range, whole, list) in Self.fields where !Self.allowed(value, range, whole: whole) {
                    expected.append("nodes.\(id).config.\(field)" + (list ? "[0]" : ""))
                }
                let settings: [(String, ClosedRange<Double>)] = [("nodes.node_timeout.timeout_ms", 1...86_400_000), ("nodes.node_attempts.retry.max_attempts", 1...20),
                                                                 ("nodes.node_backoff.retry.initial_backoff_ms", 0...3_600_000),
                                                                 ("nodes.node_cap.retry.max_backoff_ms", 0...86_400_000),
                                                                 ("timeout_ms", 1...604_800_000), ("concurrency", 1...10_000)]
                for (path, range) in settings where !Self.allowed(value, range, whole: true) { expected.append(path) }
                for path in expected {
                    #expect(text.contains("\"\(path)\""), "\(value): no issue at \(path): \(text)")
                }
                // An agent's config is checked by the same schema (a tool's config reaches the same conversions).
                let agent = "agent: extreme-tool\nkind: workflow\nconfig: {workflow: child, version: \(value)}\n"
                let refused = try await daemon.socket.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": agent]))
                #expect(refused.status == 422, "\(value): \(String(decoding: refused.body, as: UTF8.self))")
            }
            // Numbers in the execution request itself.
            try await Run.apply(daemon.socket, "workflow: quick\nnodes:\n  a: {kind: transform, config: {output: 1}}\n")
            for value in Self.values {
                for field in ["timeout_ms", "version"] {
                    let body = Data(#"{"workflow":"quick","\#(field)":\#(value)}"#.utf8)
                    let response = try await daemon.socket.send(.POST, "/api/v1/executions", body: body)
                    // -0 is a 0: refused or clamped as the route decides; everything else is refused.
                    let refused = value == "-0" ? response.status < 500 : (400...499).contains(response.status)
                    #expect(refused, "\(field) \(value): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
                }
            }
            #expect((try await daemon.socket.call(.GET, "/api/v1/workflows").json?["items"] as? [Any])?.count == 1)
            try await Self.healthy(daemon)
        }
    }

    /// A definition stored before the bounds existed (an older agentd accepted `version: 1e19`)
    /// still runs: each such step fails as a validation error, not retried, and agentd lives on.
    /// Old code trapped in `Int(Double)` here and crashed at every start after.
    @Test func storedDefinitionsWithUnusableNumbersFailTheirStepAndNothingCrashes() async throws {
        let model = try await Upstream(script: "modelserver.py")
        let upstream = try await Upstream()
        try await TestDaemon.run { daemon in
            try await LLMTests.model(daemon.socket, "free", model)
            // (kind, config, field, a valid placeholder applied first)
            let cases: [(String, String, String, String)] = [
                ("workflow", "workflow: child", "version", "1"),
                ("http", "url: \"\(upstream.base)/echo?key=bounds\"", "timeout_ms", "1000"),
                ("http", "url: \"\(upstream.base)/echo?key=bounds\"", "max_response_bytes", "1000"),
                ("http", "url: \"\(upstream.base)/echo?key=bounds\"", "expect_status", "[200]"),
                ("delay", "", "duration_ms", "10"),
                ("llm", "model: free, prompt: hi", "max_tokens", "10"),
                ("llm", "model: free, prompt: hi", "max_tool_iterations", "2"),
                ("llm", "model: free, prompt: hi", "timeout_ms", "1000"),
            ]
            let stored = ["1e19", "-1e308", "1e308", "9223372036854775808", "1.5", "-1", "\"NaN\""]
            var documents = ["workflow: child\nnodes:\n  a: {kind: transform, config: {output: 1}}\n"]
            var names: [(String, String, String)] = []
            for (index, (kind, base, field, placeholder)) in cases.enumerated() {
                for (valueIndex, value) in stored.enumerated() {
                    let name = "stored-\(index)-\(valueIndex)"
                    documents.append("workflow: \(name)\nnodes:\n  a: {kind: \(kind), config: {\(base)\(base.isEmpty ? "" : ", ")\(field): \(placeholder)}}\n")
                    names.append((name, field, value))
                }
            }
            try await Run.apply(daemon.socket, documents.joined(separator: "---\n"))
            // As an older agentd would have stored them: the number written into the document.
            let edits = try JSONSerialization.data(withJSONObject: names.map { [$0.0, $0.1, $0.2] })
            let python = try await runProgram("/usr/bin/env", ["python3", "-c", """
                import json, sqlite3, sys
                edits = json.loads(sys.argv[2])
                c = sqlite3.connect(sys.argv[1], timeout=10)
                for name, field, value in edits:
                    row = c.execute("SELECT v.rowid, v.document FROM workflow_version v JOIN workflow w ON w.id = v.workflow_id WHERE w.name = ?", (name,)).fetchone()
                    document = json.loads(row[1])
                    config = document["nodes"]["a"]["config"]
                    number = json.loads(value)
                    config[field] = [number] if isinstance(config[field], list) else number
                    c.execute("UPDATE workflow_version SET document = ? WHERE rowid = ?", (json.dumps(document), row[0]))
                c.commit()
                """, daemon.databasePath, String(decoding: edits, as: UTF8.self)])
            #expect(python.status == 0, "\(python.stderr)")
            for (name, field, value) in names {
                let id = try await Run.start(daemon.socket, name)
                let execution = try await Run.finish(daemon.socket, id)
                let error = Run.step(execution, "a")["error"] as? [String: Any] ?? [:]
                #expect(execution["status"] as? String == "failed", "\(name) \(field)=\(value): \(execution)")
                #expect(error["kind"] as? String == "validation" && error["retryable"] as? Bool == false, "\(name) \(field)=\(value): \(error)")
                #expect((error["message"] as? String)?.contains("config.\(field)") == true, "\(name) \(field)=\(value): \(error)")
            }
            // Nothing was sent for a step whose numbers could not be used.
            #expect(try await upstream.calls("bounds") == 0)
            try await Self.healthy(daemon)
        }
    }

    /// Values that reach run time through templates and inputs: arithmetic past a Double, a
    /// child's input, a time, and an input schema whose own bounds are extreme (1e300 items
    /// trapped in `Int(_:)` when the message was written).
    @Test func extremeNumbersFromInputsAndTemplatesFailCleanly() async throws {
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, """
                workflow: arith
                nodes:
                  a: {kind: transform, config: {output: "{{ input.n * input.n }}"}}
                ---
                workflow: when
                nodes:
                  wait: {kind: delay, config: {until: "{{ input.t }}"}}
                ---
                workflow: bounded-child
                input: {type: object, properties: {n: {type: integer, minimum: 1, maximum: 10}}}
                nodes:
                  a: {kind: transform, config: {output: "{{ input.n }}"}}
                ---
                workflow: parent
                nodes:
                  call: {kind: workflow, config: {workflow: bounded-child, input: {n: "{{ input.n }}"}}}
                ---
                workflow: strict-input
                input: {type: object, properties: {xs: {type: array, minItems: 1.0e+300}, s: {type: string, maxLength: -1.0e+300}, n: {type: number, maximum: -1.0e+308}}}
                nodes:
                  a: {kind: transform, config: {output: 1}}
                """)
            for value in ["1e308", "-1e308", "9223372036854775808", "-0", "1.5", "123456789012345678901234567890"] {
                let body: (String, String) -> Data = { workflow, input in Data(#"{"workflow":"\#(workflow)","input":\#(input)}"#.utf8) }
                // n * n past a Double is a template error (or a plain number): the step ends, nothing traps.
                let arith = try await daemon.socket.send(.POST, "/api/v1/executions", body: body("arith", #"{"n":\#(value)}"#))
                #expect(arith.status == 202, "\(String(decoding: arith.body, as: UTF8.self))")
                if let id = arith.json?["id"] as? String {
                    let status = try await Run.finish(daemon.socket, id)["status"] as? String
                    #expect(status == "failed" || status == "succeeded")
                }
                // The child's input schema refuses the number: the parent's step fails.
                let parent = try await daemon.socket.send(.POST, "/api/v1/executions", body: body("parent", #"{"n":\#(value)}"#))
                if let id = parent.json?["id"] as? String {
                    let execution = try await Run.finish(daemon.socket, id)
                    #expect(execution["status"] as? String == "failed", "\(value): \(execution)")
                }
                // A time from a number or a huge year is a validation failure of the step.
                for time in [value, "\"99999-01-01T00:00:00Z\"", "\"NaN\""] {
                    let waiting = try await daemon.socket.send(.POST, "/api/v1/executions", body: body("when", #"{"t":\#(time)}"#))
                    if let id = waiting.json?["id"] as? String {
                        let execution = try await Run.finish(daemon.socket, id)
                        #expect(execution["status"] as? String == "failed", "\(time): \(execution)")
                    }
                }
                let strict = try await daemon.socket.send(.POST, "/api/v1/executions", body: body("strict-input", #"{"xs":[],"s":"abc","n":\#(value)}"#))
                let text = String(decoding: strict.body, as: UTF8.self)
                #expect(strict.status == 422 && text.contains("must have at least 1e+300 item(s)"), "\(value): \(text)")
            }
            try await Self.healthy(daemon)
        }
    }
}
