import Client
import Foundation
import Testing

/// llm steps whose model calls agents as tools: the loop, its records, and a crash in the
/// middle of it (the step goes on from its checkpoint; the model is not asked again).
@Suite(.serialized) struct ToolCallingTests {
    @Test func aModelCallsAgentsUntilItAnswersAndEachIterationIsRecorded() async throws {
        let server = try await Upstream(script: "modelserver.py")
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            try await LLMTests.model(admin, "free", server, input: "1", output: "1")
            try await Run.apply(admin, """
                agent: lookup
                kind: transform
                description: Looks an answer up.
                config: {output: {answer: "42 for {{ input.q }}"}}
                ---
                workflow: agentic
                nodes:
                  ask: {kind: llm, config: {model: free, prompt: "#tools=2,lookup what is it", tools: [lookup]}}
                ---
                workflow: confused
                nodes:
                  ask: {kind: llm, config: {model: free, prompt: "#tool=ghost hmm", tools: [lookup]}}
                ---
                agent: ask-child
                kind: workflow
                description: Asks the child workflow.
                config: {workflow: child-flow}
                ---
                workflow: child-flow
                nodes:
                  answer: {kind: transform, config: {output: {answer: "child says {{ input.q }}"}}}
                ---
                workflow: delegating
                nodes:
                  ask: {kind: llm, config: {model: free, prompt: "#tool=ask-child please", tools: [ask-child]}}
                ---
                workflow: looping
                nodes:
                  ask: {kind: llm, config: {model: free, prompt: "#tools=9,lookup again", tools: [lookup], max_tool_iterations: 2}}
                """)
            let id = try await Run.start(admin, "agentic")
            let execution = try await Run.finish(admin, id)
            #expect(execution["status"] as? String == "succeeded", "\(execution)")
            let output = Run.step(execution, "ask")["output"] as? [String: Any] ?? [:]
            #expect(output["text"] as? String == "done after 2 tools")
            #expect(output["iterations"] as? Int == 3)
            let log = output["tool_calls"] as? [[String: Any]] ?? []
            #expect(log.count == 2 && log.allSatisfy { $0["tool"] as? String == "lookup" && $0["ok"] as? Bool == true })
            let events = try await Run.events(admin, id).compactMap { $0["type"] as? String }
            #expect(events.filter { $0 == "llm.iteration" }.count == 2 && events.filter { $0 == "llm.tools" }.count == 2)

            // The model was told the tool's arguments (from what its config reads) and got its result.
            let requests = try await LLMTests.requests(server)
            let declared = (requests.first?["tools"] as? [[String: Any]])?.first?["function"] as? [String: Any]
            #expect(declared?["name"] as? String == "lookup" && declared?["description"] as? String == "Looks an answer up.")
            #expect(((declared?["parameters"] as? [String: Any])?["required"] as? [String]) == ["q"])
            let toolMessage = (requests.last?["messages"] as? [[String: Any]])?.last { $0["role"] as? String == "tool" }
            #expect((toolMessage?["content"] as? String)?.contains("42 for #tools=2,lookup what is it") == true)
            // Three calls, each charged once: usage summed over the iterations.
            let costs = try await admin.call(.GET, "/api/v1/costs?by=workflow").json?["items"] as? [[String: Any]] ?? []
            let agentic = costs.first { $0["key"] as? String == "agentic" }
            #expect(agentic?["calls"] as? Int == 3)
            let usage = output["usage"] as? [String: Any] ?? [:]
            #expect(agentic?["prompt_tokens"] as? Int == usage["prompt_tokens"] as? Int)
            #expect((execution["cost"] as? [String: Any])?["cost_micros"] as? Int == output["cost_micros"] as? Int)

            // A tool that does not exist goes back to the model as an error; the step goes on.
            let confused = try await Run.finish(admin, try await Run.start(admin, "confused"))
            let confusedOutput = Run.step(confused, "ask")["output"] as? [String: Any] ?? [:]
            #expect((confusedOutput["text"] as? String)?.contains("there is no tool named ghost") == true)
            #expect(((confusedOutput["tool_calls"] as? [[String: Any]])?.first?["ok"] as? Bool) == false)

            // A workflow agent as a tool: its workflow runs as an execution of its own, the
            // step waits for it, and its output goes back to the model.
            let delegating = try await Run.finish(admin, try await Run.start(admin, "delegating"))
            let delegated = Run.step(delegating, "ask")["output"] as? [String: Any] ?? [:]
            #expect((delegated["text"] as? String)?.contains("child says #tool=ask-child please") == true, "\(delegated)")
            let children = try await admin.call(.GET, "/api/v1/executions?workflow=child-flow").json?["items"] as? [[String: Any]] ?? []
            #expect(children.count == 1 && children.first?["trigger"] as? String == "tool" && children.first?["status"] as? String == "succeeded")

            // A model that never stops asking is stopped at max_tool_iterations.
            let looping = try await Run.finish(admin, try await Run.start(admin, "looping"))
            let error = Run.step(looping, "ask")["error"] as? [String: Any] ?? [:]
            #expect(looping["status"] as? String == "failed" && (error["message"] as? String)?.contains("max_tool_iterations") == true)
        }
    }

    /// `caller` asks the model, which calls the workflow agent `ask-slow`: `slow-child` pauses,
    /// then answers {answer: 42}.
    static func slowToolWorkflows(pauseMs: Int) -> String {
        """
        agent: ask-slow
        kind: workflow
        description: Takes its time.
        config: {workflow: slow-child}
        ---
        workflow: slow-child
        nodes:
          pause: {kind: delay, config: {duration_ms: \(pauseMs)}}
          answer: {kind: transform, config: {output: {answer: 42}}}
        edges: [pause -> answer]
        ---
        workflow: caller
        nodes:
          ask: {kind: llm, config: {model: free, prompt: "#tool=ask-slow go", tools: [ask-slow]}}
        """
    }

    /// The execution of `slow-child` the tool call started, once it exists.
    static func toolExecution(_ client: AgentClient) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let items = try await client.call(.GET, "/api/v1/executions?workflow=slow-child").json?["items"] as? [[String: Any]] ?? []
            if let id = items.first?["id"] as? String { return id }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("the tool's workflow never started")
    }

    /// A workflow run as a tool belongs to the call: when the caller is cancelled, so is it.
    @Test func cancellingTheCallerCancelsTheWorkflowItRunsAsATool() async throws {
        let server = try await Upstream(script: "modelserver.py")
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            try await LLMTests.model(admin, "free", server)
            try await Run.apply(admin, Self.slowToolWorkflows(pauseMs: 60000))
            let caller = try await Run.start(admin, "caller")
            let called = try await Self.toolExecution(admin)
            #expect(try await admin.call(.POST, "/api/v1/executions/\(caller)/cancel").json?["status"] as? String == "cancelled")

            var status: String?
            let until = ContinuousClock.now + .seconds(10)
            while status != "cancelled", ContinuousClock.now < until {
                status = try await admin.call(.GET, "/api/v1/executions/\(called)").json?["status"] as? String
                if status != "cancelled" { try await Task.sleep(for: .milliseconds(20)) }
            }
            let ended = try await admin.call(.GET, "/api/v1/executions/\(called)").json ?? [:]
            #expect(ended["status"] as? String == "cancelled", "\(ended)")
            #expect(((ended["error"] as? [String: Any])?["message"] as? String)?.contains("cancelled by execution:\(caller)") == true, "\(ended)")
        }
    }

    /// Stopping agentd is not cancelling: the tool's workflow runs on, and the restarted step
    /// finds it again (the call's idempotency key) and gives the model its real result.
    @Test func aStopWhileAWorkflowToolRunsLeavesItToTheRestartedStep() async throws {
        let server = try await Upstream(script: "modelserver.py")
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await TestDaemon.start(directory: directory)
        try await LLMTests.model(first.socket, "free", server)
        try await Run.apply(first.socket, Self.slowToolWorkflows(pauseMs: 2000))
        let caller = try await Run.start(first.socket, "caller")
        let called = try await Self.toolExecution(first.socket)
        #expect(try await first.stop() == 0)

        let second = try await TestDaemon.start(directory: directory)
        let execution = try await Run.finish(second.socket, caller)
        #expect(execution["status"] as? String == "succeeded", "\(execution)")
        let ended = try await second.socket.call(.GET, "/api/v1/executions/\(called)").json ?? [:]
        #expect(ended["status"] as? String == "succeeded", "the stop cancelled the tool's workflow: \(ended)")
        let children = try await second.socket.call(.GET, "/api/v1/executions?workflow=slow-child").json?["items"] as? [[String: Any]] ?? []
        #expect(children.count == 1, "the restarted step started the workflow again: \(children.count)")
        // The model got the workflow's real result, not a note that it was cancelled.
        let requests = try await LLMTests.requests(server)
        let toolMessage = (requests.last?["messages"] as? [[String: Any]])?.last { $0["role"] as? String == "tool" }
        #expect((toolMessage?["content"] as? String)?.contains("\"answer\":42") == true, "\(String(describing: toolMessage))")
        #expect(try await second.stop() == 0)
    }

    @Test func aCrashDuringAToolCallResumesFromTheCheckpoint() async throws {
        let server = try await Upstream(script: "modelserver.py")
        let upstream = try await Upstream()
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await TestDaemon.start(directory: directory)
        try await LLMTests.model(first.socket, "free", server)
        try await Run.apply(first.socket, """
            agent: slow-lookup
            kind: http
            config: {url: "\(upstream.base)/hold?key=lookup&q={{ input.q }}"}
            ---
            workflow: interrupted
            nodes:
              ask: {kind: llm, config: {model: free, prompt: "#tools=1,slow-lookup crash here", tools: [slow-lookup]}}
            """)
        let id = try await Run.start(first.socket, "interrupted")
        // The tool's call is held by the upstream until the test lets it go: the kill lands
        // while it is in flight, after the first iteration's checkpoint, however slow the machine.
        try await upstream.waitForCalls("lookup")
        #expect(try await Run.events(first.socket, id).contains { $0["type"] as? String == "llm.iteration" })
        kill(first.process.processIdentifier, SIGKILL)
        _ = try await first.waitForExit()
        try await upstream.release("lookup")

        let second = try await TestDaemon.start(directory: directory)
        #expect(second.log.text.contains("recovered unfinished jobs"), "the kill landed after the step ended: this proves nothing")
        let execution = try await Run.finish(second.socket, id)
        #expect(execution["status"] as? String == "succeeded", "\(execution)")
        let output = Run.step(execution, "ask")["output"] as? [String: Any] ?? [:]
        #expect(output["text"] as? String == "done after 1 tools")
        // The model was asked once before the crash and once after: not again from the start.
        let requests = try await LLMTests.requests(server)
        let fresh = requests.filter { !(($0["messages"] as? [[String: Any]]) ?? []).contains { $0["role"] as? String == "tool" } }
        #expect(fresh.count == 1 && requests.count == 2, "\(requests.count) requests, \(fresh.count) from the start")
        // Each call charged once: the first at the checkpoint, the second with the outcome.
        let costs = try await second.socket.call(.GET, "/api/v1/costs?by=workflow").json?["items"] as? [[String: Any]] ?? []
        #expect(costs.first { $0["key"] as? String == "interrupted" }?["calls"] as? Int == 2)
        #expect(try await second.stop() == 0)
    }
}
