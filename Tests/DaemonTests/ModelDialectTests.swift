import Client
import Foundation
import Testing

/// Model servers as they really are: `agentctl models test` finds what each accepts (the fake
/// server's modes mimic vLLM, llama-server, llama-cpp-python, Ollama and TGI, one per path),
/// llm steps then ask each in its own dialect, and a refused request shape fails at once.
@Suite(.serialized) struct ModelDialectTests {
    static let modes: [(mode: String, dialect: String, tools: Bool)] = [
        ("vllm", "json_schema", true), ("llamacpp-server", "json_schema", false), ("llama-cpp-python", "json_object_schema", false),
        ("ollama", "json_object", true), ("tgi", "prompt_only", true),
    ]
    static let schema = "{type: object, properties: {city: {type: string}, degrees: {type: integer, minimum: 10}}, required: [city, degrees], additionalProperties: false}"

    static func register(_ client: AgentClient, _ name: String, _ server: Upstream, mode: String) async throws {
        let body: [String: Any] = ["name": name, "base_url": "\(server.base)/\(mode)/v1", "model": "fake-\(mode)"]
        let response = try await client.send(.POST, "/api/v1/models", body: try JSONSerialization.data(withJSONObject: body))
        guard response.status == 201 else { throw TestFailure("model add failed: \(String(decoding: response.body, as: UTF8.self))") }
    }

    static func agentctl(_ daemon: TestDaemon, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runProgram(AgentctlTests.agentctl, arguments + ["--socket", daemon.socketPath])
    }

    static func model(_ client: AgentClient, _ name: String) async throws -> [String: Any] {
        try await client.call(.GET, "/api/v1/models/\(name)").json ?? [:]
    }

    /// The requests the fake received, newest last.
    static func requests(_ server: Upstream) async throws -> [[String: Any]] {
        try await AgentClient(endpoint: .url(server.base)).call(.GET, "/calls").json?["requests"] as? [[String: Any]] ?? []
    }

    static func reset(_ server: Upstream) async throws {
        _ = try await AgentClient(endpoint: .url(server.base)).call(.POST, "/reset")
    }

    @Test func modelsTestDetectsEachServersDialectAndSchemaStepsThenSucceed() async throws {
        let server = try await Upstream(script: "modelserver.py")
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            for (mode, dialect, tools) in Self.modes {
                try await Self.register(admin, mode, server, mode: mode)
                // Never tested: assumed to speak OpenAI's API.
                let before = try await Self.model(admin, mode)
                #expect(before["structured_output"] as? String == "json_schema" && before["tool_calling"] as? Bool == true && before["tested_at"] is NSNull)
                let test = try await Self.agentctl(daemon, ["models", "test", mode])
                #expect(test.status == 0, "\(mode): \(test.stderr)")
                // The output says what was tried, what the server did and what was stored.
                #expect(test.stdout.contains("structured_output  \(dialect) (stored)") || test.stdout.contains("structured_output \(dialect) (stored)")
                        || test.stdout.range(of: "structured_output +\(dialect) \\(stored\\)", options: .regularExpression) != nil, "\(mode):\n\(test.stdout)")
                #expect(test.stdout.range(of: "tools +\(tools ? "yes" : "no") \\(stored\\)", options: .regularExpression) != nil, "\(mode):\n\(test.stdout)")
                #expect(test.stdout.contains("structured_output json_schema"), "\(mode):\n\(test.stdout)")
                let stored = try await Self.model(admin, mode)
                #expect(stored["structured_output"] as? String == dialect, "\(mode): \(stored)")
                #expect(stored["tool_calling"] as? Bool == tools, "\(mode): \(stored)")
                #expect(stored["tested_at"] is String)
            }
            // Why each was decided, in the JSON output: llama-cpp-python refused json_schema (its 500), Ollama ignored it.
            let python = try await Self.agentctl(daemon, ["models", "test", "llama-cpp-python", "--output", "json"])
            let findings = (try JSONSerialization.jsonObject(with: Data(python.stdout.utf8)) as? [String: Any])?["findings"] as? [[String: Any]] ?? []
            #expect((findings.first?["detail"] as? String)?.hasPrefix("refused: HTTP 500") == true, "\(findings)")
            #expect(findings.first { $0["check"] as? String == "tool_calling" }?["detail"] as? String != nil)
            let ollama = try await Self.agentctl(daemon, ["models", "test", "ollama", "--output", "json"])
            let ignored = (try JSONSerialization.jsonObject(with: Data(ollama.stdout.utf8)) as? [String: Any])?["findings"] as? [[String: Any]] ?? []
            #expect((ignored.first?["detail"] as? String)?.hasPrefix("ignored") == true, "\(ignored)")
            let list = try await Self.agentctl(daemon, ["models", "list"])
            #expect(list.stdout.contains("STRUCTURED OUTPUT") && list.stdout.contains("json_object_schema") && list.stdout.contains("prompt_only"), "\(list.stdout)")

            // A step with a response_schema on each, its prompt free of the fake's directives.
            try await Run.apply(admin, Self.modes.map { mode in """
                workflow: weather-\(mode.mode)
                nodes:
                  ask: {kind: llm, config: {model: \(mode.mode), system: "Be brief.", prompt: "What is the weather?", response_schema: \(Self.schema)}}
                """ }.joined(separator: "\n---\n"))
            try await Self.reset(server)
            for (mode, dialect, _) in Self.modes {
                let execution = try await Run.finish(admin, try await Run.start(admin, "weather-\(mode)"))
                #expect(execution["status"] as? String == "succeeded", "\(mode): \(execution)")
                let output = Run.step(execution, "ask")["output"] as? [String: Any] ?? [:]
                let json = output["json"] as? [String: Any] ?? [:]
                #expect(json["city"] as? String == "ok" && json["degrees"] as? Int == 10, "\(mode): \(output)")
                #expect(output["iterations"] as? Int == 1, "\(mode): answered at the first call")
                // What was sent is the dialect's shape.
                let sent = try #require(try await Self.requests(server).last { $0["_mode"] as? String == mode })
                let format = sent["response_format"] as? [String: Any]
                let system = ((sent["messages"] as? [[String: Any]])?.first?["content"] as? String) ?? ""
                switch dialect {
                case "json_schema":
                    #expect(format?["type"] as? String == "json_schema" && (format?["json_schema"] as? [String: Any])?["schema"] != nil)
                    #expect(!system.contains("JSON Schema"))
                case "json_object_schema":
                    #expect(format?["type"] as? String == "json_object" && format?["schema"] != nil && format?["json_schema"] == nil)
                    #expect(!system.contains("JSON Schema"))
                case "json_object":
                    #expect(format?["type"] as? String == "json_object" && format?["schema"] == nil)
                    #expect(system.hasPrefix("Be brief.") && system.contains("JSON Schema: {"), "\(system)")
                default:
                    #expect(format == nil && system.contains("JSON Schema: {"), "\(sent)")
                }
            }

            // A model whose server calls no tools: a step with tools is refused before anything is sent.
            try await Run.apply(admin, """
                agent: echo-tool
                kind: transform
                config: {output: "{{ input }}"}
                ---
                workflow: tools-on-llamacpp
                nodes:
                  ask: {kind: llm, config: {model: llamacpp-server, prompt: "Call echo-tool.", tools: [echo-tool]}, retry: {max_attempts: 3, initial_backoff_ms: 10}}
                """)
            try await Self.reset(server)
            let refused = try await Run.finish(admin, try await Run.start(admin, "tools-on-llamacpp"))
            let error = Run.step(refused, "ask")["error"] as? [String: Any] ?? [:]
            #expect(error["kind"] as? String == "model_tools_unsupported" && error["retryable"] as? Bool == false, "\(error)")
            #expect((error["message"] as? String)?.contains("agentctl models update llamacpp-server --tools yes") == true, "\(error)")
            #expect(Run.step(refused, "ask")["attempt"] as? Int == 1)
            #expect(try await Self.requests(server).isEmpty)
        }
    }

    @Test func theOldDefaultAgainstLlamaCppPythonFailsOnceFastAsARefusedShapeThenTestFixesIt() async throws {
        let server = try await Upstream(script: "modelserver.py")
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            try await Self.register(admin, "lcp", server, mode: "llama-cpp-python")
            try await Run.apply(admin, """
                workflow: shaped
                nodes:
                  ask: {kind: llm, config: {model: lcp, prompt: "What is the weather?", response_schema: \(Self.schema)}, retry: {max_attempts: 3, initial_backoff_ms: 10}}
                """)
            try await Self.reset(server)
            // Several runs: a breaker that counted refusals as failures would open (5 in a window by default).
            for _ in 0..<6 {
                let failed = try await Run.finish(admin, try await Run.start(admin, "shaped"))
                #expect(failed["status"] as? String == "failed")
                let step = Run.step(failed, "ask")
                let error = step["error"] as? [String: Any] ?? [:]
                #expect(error["kind"] as? String == "model_request_refused" && error["retryable"] as? Bool == false, "\(error)")
                let message = error["message"] as? String ?? ""
                #expect(message.contains("HTTP 500") && message.contains("response_format") && message.contains("agentctl models test lcp"), "\(message)")
                #expect(step["attempt"] as? Int == 1)
            }
            // Exactly one request per attempt: nothing was retried.
            #expect(try await Self.requests(server).count == 6)
            let breakers = try await admin.call(.GET, "/api/v1/breakers").json?["items"] as? [[String: Any]] ?? []
            #expect(breakers.allSatisfy { $0["state"] as? String == "closed" && $0["recent_failures"] as? Int == 0 }, "\(breakers)")

            let test = try await Self.agentctl(daemon, ["models", "test", "lcp"])
            #expect(test.status == 0, "\(test.stderr)")
            #expect(try await Self.model(admin, "lcp")["structured_output"] as? String == "json_object_schema")
            let fixed = try await Run.finish(admin, try await Run.start(admin, "shaped"))
            #expect(fixed["status"] as? String == "succeeded", "\(fixed)")
            #expect(((Run.step(fixed, "ask")["output"] as? [String: Any])?["json"] as? [String: Any])?["degrees"] as? Int == 10)
        }
    }

    @Test func anOverrideIsStoredAndUsedOnTestRegisterAndUpdate() async throws {
        let server = try await Upstream(script: "modelserver.py")
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            try await Self.register(admin, "big", server, mode: "vllm")
            let test = try await Self.agentctl(daemon, ["models", "test", "big", "--structured-output", "json_object", "--tools", "no"])
            #expect(test.status == 0, "\(test.stderr)")
            #expect(test.stdout.contains("set by --structured-output") && test.stdout.contains("set by --tools"), "\(test.stdout)")
            let stored = try await Self.model(admin, "big")
            #expect(stored["structured_output"] as? String == "json_object" && stored["tool_calling"] as? Bool == false, "\(stored)")
            // Only the plain probe went out: nothing was detected.
            #expect(try await Self.requests(server).count == 1)

            try await Run.apply(admin, """
                workflow: told
                nodes:
                  ask: {kind: llm, config: {model: big, prompt: "What is the weather?", response_schema: \(Self.schema)}}
                """)
            let execution = try await Run.finish(admin, try await Run.start(admin, "told"))
            #expect(execution["status"] as? String == "succeeded", "\(execution)")
            let sent = try #require(try await Self.requests(server).last)
            #expect((sent["response_format"] as? [String: Any])?["type"] as? String == "json_object")
            #expect((((sent["messages"] as? [[String: Any]])?.first?["content"] as? String) ?? "").contains("JSON Schema: {"), "\(sent)")

            // Set by hand on update and on register; an unknown dialect is refused naming the field.
            let update = try await Self.agentctl(daemon, ["models", "update", "big", "--structured-output", "prompt_only", "--tools", "yes"])
            #expect(update.status == 0, "\(update.stderr)")
            #expect(update.stdout.contains("prompt_only"), "\(update.stdout)")
            let updated = try await Self.model(admin, "big")
            #expect(updated["structured_output"] as? String == "prompt_only" && updated["tool_calling"] as? Bool == true && updated["tested_at"] is NSNull)
            let add = try await Self.agentctl(daemon, ["models", "add", "small", "--base-url", "\(server.base)/ollama/v1", "--model", "m",
                                                       "--structured-output", "json_object", "--tools", "no"])
            #expect(add.status == 0, "\(add.stderr)")
            let small = try await Self.model(admin, "small")
            #expect(small["structured_output"] as? String == "json_object" && small["tool_calling"] as? Bool == false)
            let bogus = try await admin.send(.PATCH, "/api/v1/models/small", body: Data(#"{"structured_output":"grammar"}"#.utf8),
                                             headers: [("Content-Type", "application/json")])
            #expect(bogus.status == 422, "\(bogus.status)")
            #expect(String(decoding: bogus.body, as: UTF8.self).contains("structured_output"))
            let badTest = try await Self.agentctl(daemon, ["models", "test", "small", "--structured-output", "grammar"])
            #expect(badTest.status != 0 && badTest.stderr.contains("structured_output"), "\(badTest.stderr)")
        }
    }
}
