import Client
import Foundation
import Testing

/// Traces to an OpenTelemetry collector (Fixtures/otlpcollector.py decodes the OTLP/HTTP protobuf
/// the daemon posts) through the real daemon: a caller's `traceparent` on POST /executions is
/// continued; the execution, each step, the http call a step makes and a child workflow's steps
/// are spans of that one trace, each under its parent; the called service gets `traceparent`.
@Suite(.serialized) struct TracingTests {
    static func spans(_ collector: Upstream) async throws -> [[String: Any]] {
        try await AgentClient(endpoint: .url(collector.base)).call(.GET, "/spans").json?["spans"] as? [[String: Any]] ?? []
    }

    @Test func aCallersTraceRunsThroughStepsHTTPCallsAndAChildWorkflow() async throws {
        let collector = try Upstream(script: "otlpcollector.py")
        let upstream = try Upstream()
        try await TestDaemon.run(environment: ["AGENTD_TRACING_OTLP_ENDPOINT": collector.base, "AGENTD_TRACING_EXPORT_DELAY_MS": "50"]) { daemon in
            let admin = daemon.socket
            try await Run.apply(admin, """
                workflow: child
                nodes:
                  double: {kind: transform, config: {output: "{{ input.n * 2 }}"}}
                ---
                workflow: parent
                nodes:
                  fetch: {kind: http, config: {method: GET, url: "\(upstream.base)/echo"}}
                  call: {kind: workflow, config: {workflow: child, input: {n: 21}}}
                  broken: {kind: transform, retry: {max_attempts: 1}, config: {output: "{{ 1 / 0 }}"}}
                edges: [fetch -> call, call -> broken]
                """)
            let traceID = "4bf92f3577b34da6a3ce929d0e0e4736", callerSpan = "00f067aa0ba902b7"
            let started = try await admin.send(.POST, "/api/v1/executions", body: Data(#"{"workflow":"parent","input":{}}"#.utf8),
                                               headers: [("Content-Type", "application/json"), ("traceparent", "00-\(traceID)-\(callerSpan)-01")])
            let id = try #require(started.json?["id"] as? String, "\(started.status)")
            let execution = try await Run.finish(admin, id)
            #expect(execution["status"] as? String == "failed")

            // Every span of the run arrives: the request, two executions, four steps, the http call.
            var spans: [[String: Any]] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                spans = try await Self.spans(collector).filter { $0["trace_id"] as? String == traceID }
                if spans.contains(where: { $0["name"] as? String == "step broken" }) && spans.contains(where: { $0["name"] as? String == "step double" }) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            func span(_ name: String) throws -> [String: Any] {
                try #require(spans.first { $0["name"] as? String == name }, "no span \(name) in \(spans.map { $0["name"] ?? "" })")
            }
            func parent(_ span: [String: Any]) -> String { span["parent_span_id"] as? String ?? "" }
            func identity(_ span: [String: Any]) -> String { span["span_id"] as? String ?? "" }

            let request = try #require(spans.first { ($0["kind"] as? Int) == 2 && parent($0) == callerSpan }, "the API request continues the caller's span")
            #expect(request["service"] as? String == "agentd")
            let root = try span("execution parent")
            #expect(parent(root) == identity(request) && root["kind"] as? Int == 4)
            let fetch = try span("step fetch"), call = try span("step call"), broken = try span("step broken")
            #expect([fetch, call, broken].allSatisfy { parent($0) == identity(root) }, "steps hang under their execution")
            let attributes = fetch["attributes"] as? [String: Any] ?? [:]
            #expect(attributes["agentd.execution_id"] as? String == id && attributes["agentd.node"] as? String == "fetch"
                && attributes["agentd.step.kind"] as? String == "http" && attributes["agentd.attempt"] as? Int == 1
                && attributes["agentd.outcome"] as? String == "succeeded", "\(attributes)")
            // A failed step's span is closed with an error status.
            #expect(broken["status_code"] as? Int == 2 && (broken["attributes"] as? [String: Any])?["agentd.outcome"] as? String == "failed", "\(broken)")

            // The http call is a client span under its step, and the service it called got a
            // traceparent naming that span.
            let client = try #require(spans.first { ($0["kind"] as? Int) == 3 && parent($0) == identity(fetch) }, "the http call's span")
            let echoed = (Run.step(execution, "fetch")["output"] as? [String: Any])?["body"] as? [String: Any]
            let headers = echoed?["headers"] as? [String: Any] ?? [:]
            let sent = headers.first { $0.key.lowercased() == "traceparent" }?.value as? String
            #expect(sent == "00-\(traceID)-\(identity(client))-01", "\(headers)")

            // The child workflow is the same trace: its execution under the calling step, its
            // step under it.
            let child = try span("execution child")
            #expect(parent(child) == identity(call))
            #expect(parent(try span("step double")) == identity(child))
        }
    }
}
