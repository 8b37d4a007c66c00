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
        let collector = try await Upstream(script: "otlpcollector.py")
        let upstream = try await Upstream()
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

extension TracingTests {
    static func collectorState(_ collector: Upstream) async throws -> [String: Any] {
        try await AgentClient(endpoint: .url(collector.base)).call(.GET, "/spans").json ?? [:]
    }

    /// Waits until the collector holds a span named `name` in `trace`.
    static func waitForSpan(_ collector: Upstream, trace: String, named name: String) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let spans = try await spans(collector)
            if spans.contains(where: { $0["trace_id"] as? String == trace && $0["name"] as? String == name }) { return spans }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no span \(name) in trace \(trace)")
        return []
    }

    static func traceSpansMetric(_ daemon: TestDaemon, _ result: String) async throws -> Double {
        let text = String(decoding: try await daemon.socket.send(.GET, "/metrics").body, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("agentd_trace_spans_total{result=\"\(result)\"}") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// At 0 %, a trace nobody asked for makes no spans, yet the service a step calls learns it
    /// was not sampled (flags 00); a caller's sampled trace is still followed.
    @Test func anUnsampledTraceMakesNoSpansButTellsTheServicesItCalls() async throws {
        let collector = try await Upstream(script: "otlpcollector.py")
        let upstream = try await Upstream()
        try await TestDaemon.run(environment: ["AGENTD_TRACING_OTLP_ENDPOINT": collector.base, "AGENTD_TRACING_EXPORT_DELAY_MS": "50",
                                               "AGENTD_TRACING_SAMPLE_PERCENT": "0"]) { daemon in
            let admin = daemon.socket
            try await Run.apply(admin, """
                workflow: call-out
                nodes:
                  fetch: {kind: http, config: {method: GET, url: "\(upstream.base)/echo"}}
                """)
            let quiet = try await Run.finish(admin, try await Run.start(admin, "call-out"))
            let echoed = (Run.step(quiet, "fetch")["output"] as? [String: Any])?["body"] as? [String: Any]
            let sent = (echoed?["headers"] as? [String: Any] ?? [:]).first { $0.key.lowercased() == "traceparent" }?.value as? String
            let parts = try #require(sent, "the called service gets a traceparent").split(separator: "-")
            #expect(parts.count == 4 && parts[1].count == 32 && parts[3] == "00", "\(sent ?? "")")

            // A caller's sampled trace is kept; once its spans are in, the quiet one's would be too.
            let traceID = "0af7651916cd43dd8448eb211c80319c"
            let started = try await admin.send(.POST, "/api/v1/executions", body: Data(#"{"workflow":"call-out","input":{}}"#.utf8),
                                               headers: [("Content-Type", "application/json"), ("traceparent", "00-\(traceID)-b7ad6b7169203331-01")])
            _ = try await Run.finish(admin, try #require(started.json?["id"] as? String))
            let spans = try await Self.waitForSpan(collector, trace: traceID, named: "step fetch")
            #expect(!spans.contains { $0["trace_id"] as? String == String(parts[1]) }, "the unsampled trace made no spans")
            #expect(spans.allSatisfy { $0["trace_id"] as? String == traceID }, "\(spans.map { $0["name"] ?? "" })")
        }
    }

    /// A collector that answers 503 gets the batch again and nothing is lost; one that refuses a
    /// batch outright (400) loses that batch (whichever spans it held), counted, and gets the next.
    @Test func aRefusingCollectorGetsTheBatchAgainOrItIsCountedAsDropped() async throws {
        for (status, refusals, retried) in [(503, 2, true), (400, 1, false)] {
            let collector = try await Upstream(script: "otlpcollector.py", environment: ["OTLP_REFUSE": "\(refusals)", "OTLP_REFUSE_STATUS": "\(status)"])
            try await TestDaemon.run(environment: ["AGENTD_TRACING_OTLP_ENDPOINT": collector.base, "AGENTD_TRACING_EXPORT_DELAY_MS": "50"]) { daemon in
                let admin = daemon.socket
                try await Run.apply(admin, """
                    workflow: tiny
                    nodes:
                      only: {kind: transform, config: {output: 1}}
                    """)
                let first = try await Run.start(admin, "tiny")
                _ = try await Run.finish(admin, first)
                // What the collector refused is settled before the second execution starts.
                let deadline = ContinuousClock.now + .seconds(30)
                while true {
                    let asked = try await Self.collectorState(collector)["refused"] as? Int == refusals
                    let settled = retried ? asked : try await Self.traceSpansMetric(daemon, "dropped") > 0
                    if asked && settled { break }
                    #expect(ContinuousClock.now < deadline, "the collector was not asked \(refusals) times")
                    if ContinuousClock.now >= deadline { return }
                    try await Task.sleep(for: .milliseconds(50))
                }
                let second = try await Run.start(admin, "tiny")
                _ = try await Run.finish(admin, second)
                var spans: [[String: Any]] = []
                while ContinuousClock.now < deadline {
                    spans = try await Self.spans(collector)
                    if spans.contains(where: { ($0["attributes"] as? [String: Any])?["agentd.execution_id"] as? String == second }) { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(spans.contains { ($0["attributes"] as? [String: Any])?["agentd.execution_id"] as? String == second })
                if retried {
                    #expect(spans.contains { ($0["attributes"] as? [String: Any])?["agentd.execution_id"] as? String == first },
                            "the first execution's step span arrives after the retries")
                }
                let exported = try await Self.traceSpansMetric(daemon, "exported"), dropped = try await Self.traceSpansMetric(daemon, "dropped")
                #expect(exported >= 2, "exported \(exported)")
                #expect(retried ? dropped == 0 : dropped >= 1, "\(status): dropped \(dropped)")
            }
        }
    }
}
