import Client
import Foundation
import Testing

/// Issue 14, hole 7: a workflow an llm step calls as a tool got its config rendered with
/// secrets, and the result was stored as the child execution's input. The same refusal as a
/// plain `workflow` step's applies: the call is refused, no child starts, and the value is
/// nowhere in the database.
@Suite(.serialized) struct ToolSecretTests {
    static let secret = "tool-secret-5be1c0d9e7"

    @Test func aWorkflowToolWhoseConfigReadsASecretIsRefusedAndTheValueIsNeverStored() async throws {
        let server = try await Upstream(script: "modelserver.py")
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            try await LLMTests.model(admin, "free", server)
            for environment in ["dev", "staging", "prod"] {
                _ = try await admin.call(.PUT, "/api/v1/secrets", json: ["environment": environment, "path": "crm/token", "value": Self.secret])
            }
            try await Run.apply(admin, """
                agent: leaky-tool
                kind: workflow
                description: Hands a token to its workflow.
                config: {workflow: sink, input: {token: "{{ secret('crm/token') }}", q: "{{ input.q }}"}}
                ---
                workflow: sink
                nodes:
                  keep: {kind: transform, config: {output: {kept: "{{ input.token }}"}}}
                ---
                workflow: leaky-caller
                nodes:
                  ask: {kind: llm, config: {model: free, prompt: "#tool=leaky-tool go", tools: [leaky-tool]}}
                ---
                workflow: plain-leaky
                nodes:
                  call: {kind: workflow, config: {workflow: sink, input: {token: "{{ secret('crm/token') }}"}}}
                """)
            // The plain workflow step: refused, as before.
            let plain = try await Run.finish(admin, try await Run.start(admin, "plain-leaky"))
            let plainError = (Run.step(plain, "call")["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(plain["status"] as? String == "failed" && plainError.contains("cannot pass secrets"), "\(plain)")

            for caller in ["leaky-caller"] {
                let execution = try await Run.finish(admin, try await Run.start(admin, caller))
                let output = Run.step(execution, "ask")["output"] as? [String: Any] ?? [:]
                let log = output["tool_calls"] as? [[String: Any]] ?? []
                #expect(log.count == 1 && log.first?["ok"] as? Bool == false, "\(caller): \(execution)")
                // The model was told why, in the plain step's words.
                let requests = try await LLMTests.requests(server)
                let toolMessage = (requests.last?["messages"] as? [[String: Any]])?.last { $0["role"] as? String == "tool" }
                #expect((toolMessage?["content"] as? String)?.contains(plainError) == true, "\(caller): \(String(describing: toolMessage))")
            }
            // No child started; had one, its stored input would hold the value.
            let children = try await admin.call(.GET, "/api/v1/executions?workflow=sink").json?["items"] as? [[String: Any]] ?? []
            for child in children {
                let stored = try await admin.send(.GET, "/api/v1/executions/\(child["id"] as? String ?? "")")
                #expect(!String(decoding: stored.body, as: UTF8.self).contains(Self.secret), "a child's input holds the secret")
            }
            #expect(children.isEmpty, "\(children)")
            // Nor anywhere else in the database (its WAL included): only sealed, in the vault.
            for file in [daemon.databasePath, daemon.databasePath + "-wal"] {
                let bytes = FileManager.default.contents(atPath: file) ?? Data()
                #expect(bytes.range(of: Data(Self.secret.utf8)) == nil, "\(file) holds the secret's value")
            }
        }
    }
}
