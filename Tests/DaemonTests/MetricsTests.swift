import Client
import Core
import Foundation
import Testing

/// `/metrics` as a Prometheus server and an outsider see it: a clean exposition (promtool), the
/// catalog's families only, no tenant names, and org ids only behind `[metrics] require_auth`.
@Suite(.serialized) struct MetricsTests {
    /// `promtool check metrics` on the exposition: its exit status and what it said.
    static func promtool(_ exposition: String) async throws -> (status: Int32, output: String) {
        let file = NSTemporaryDirectory() + "agentd-metrics-\(UUID().uuidString.prefix(8)).prom"
        try exposition.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // `make test` unpacks it there (Makefile: PROMTOOL).
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let promtool = [root.path + "/.build/tools/promtool", "/usr/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let path = try #require(promtool, "promtool is missing: `make test` unpacks it into .build/tools (Debian package prometheus)")
        // promtool reads the exposition on standard input.
        let result = try await runProgram("/bin/sh", ["-c", "\(path) check metrics < \(file)"])
        return (result.status, result.stdout + result.stderr)
    }

    /// The family names in an exposition (its TYPE lines), with their types.
    static func families(_ exposition: String) -> [String: String] {
        var types: [String: String] = [:]
        for line in exposition.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
        }
        return types
    }

    static func sample(_ exposition: String, _ series: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func theExpositionIsCleanCataloguedAndNamesNoTenant() async throws {
        let upstream = try await Upstream()
        let models = try await Upstream(script: "modelserver.py")
        try await TestDaemon.run { daemon in
            let admin = daemon.socket
            // A tenant whose name must not leak to an unauthenticated scraper.
            _ = try await admin.call(.POST, "/api/v1/orgs", json: ["name": "zz-hidden-tenant"])
            let tenant = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "ada", role: "admin",
                                                                                        org: "zz-hidden-tenant"))
            let tenantID = try #require(try await admin.call(.GET, "/api/v1/orgs/zz-hidden-tenant").json?["id"] as? String)
            try await Run.apply(tenant, """
                workflow: fine
                nodes:
                  shape: {kind: transform, config: {output: {ok: true}}}
                ---
                workflow: breaks
                nodes:
                  call: {kind: http, config: {url: "\(upstream.base)/status?code=404"}}
                ---
                workflow: asks
                nodes:
                  q: {kind: llm, config: {model: local, prompt: "three words here"}}
                """)
            // $1 per million tokens both ways: the cost is the tokens' count in millionths.
            try await LLMTests.model(tenant, "local", models, input: "1", output: "1")
            for (name, want) in [("fine", "succeeded"), ("breaks", "failed"), ("fine", "succeeded"), ("asks", "succeeded")] {
                let id = try await Run.start(tenant, name)
                #expect(try await Run.finish(tenant, id)["status"] as? String == want)
            }
            _ = try await daemon.tcp.send(.GET, "/api/v1/no-such-route")

            let scrape = try await daemon.tcp.send(.GET, "/metrics")
            #expect(scrape.status == 200)
            #expect(scrape.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(decoding: scrape.body, as: UTF8.self)
            #expect(!text.contains("zz-hidden-tenant") && !text.contains(tenantID), "a tenant is named:\n\(text)")
            #expect(!text.contains("agentd_org_executions_active"))

            let lint = try await Self.promtool(text)
            #expect(lint.status == 0 && lint.output.isEmpty, "promtool: \(lint.output)\n\(text)")
            // The lint can fail: what the writer's counters looked like before the catalog.
            let old = try await Self.promtool("# TYPE agentd_writer_commits_total counter\nagentd_writer_commits_total{result=\"ok\"} 3\n")
            #expect(old.status != 0 && old.output.contains("no help text"), "\(old)")
            // Every family exposed is in the catalog with the same type, and has its HELP line.
            let exposed = Self.families(text)
            for (name, type) in exposed {
                let family = MetricCatalog.family(named: name)
                #expect(family?.kind.rawValue == type, "\(name) (\(type)) is not in MetricCatalog as a \(type)")
                #expect(text.contains("# HELP \(name) "), "\(name) has no HELP")
            }
            // What this run used is all there.
            typealias C = MetricCatalog
            for family in [C.httpRequests, C.httpRequestDuration, C.writerCommits, C.writerUnits, C.writerBatchUnits,
                           C.writerCommitDuration, C.stepDuration, C.executions, C.executionsActive, C.stepsSucceeded, C.stepsFailed,
                           C.executionsFinished, C.executionDuration, C.llmTokens, C.llmCost, C.llmCalls] {
                #expect(exposed[family.name] != nil, "\(family.name) missing")
            }
            // The execution counts come from the tallies and agree with what ran.
            #expect(Self.sample(text, "agentd_executions{status=\"succeeded\"}") == 3, "\(text)")
            let fine = try #require(try await tenant.call(.GET, "/api/v1/workflows/fine").json?["id"] as? String)
            #expect(Self.sample(text, "agentd_executions_finished_total{status=\"succeeded\",workflow_id=\"\(fine)\"}") == 2, "\(text)")
            #expect(Self.sample(text, "agentd_execution_duration_seconds_count{status=\"failed\"}") == 1)
            // The model server counts 3 + (3 + 4) prompt tokens and echoes 5 words ("echo: three words here").
            let prompt = Self.sample(text, "agentd_llm_tokens_total{kind=\"prompt\"}") ?? 0, completion = Self.sample(text, "agentd_llm_tokens_total{kind=\"completion\"}") ?? 0
            #expect(prompt == 10 && completion == 4, "\(text)")
            #expect(abs((Self.sample(text, "agentd_llm_cost_dollars_total") ?? 0) - (prompt + completion) / 1_000_000) < 1e-9)
            #expect(Self.sample(text, "agentd_llm_calls_total{result=\"succeeded\"}") == 1)
            #expect(Self.sample(text, "agentd_executions{status=\"failed\"}") == 1)
            #expect(Self.sample(text, "agentd_executions_active") == 0)
            #expect(text.contains("route=\"unmatched\""))
        }
    }

    @Test func requireAuthNeedsSystemViewAndThenCountsByOrgID() async throws {
        let daemon = try await TestDaemon.start(environment: ["AGENTD_METRICS_REQUIRE_AUTH": "true"])
        do {
            let anonymous = try await daemon.tcp.send(.GET, "/metrics")
            #expect(anonymous.status == 401)
            #expect(anonymous.json?["code"] as? String == "unauthenticated", "\(anonymous.json ?? [:])")
            // An org's own admin may not read every org's counts.
            let orgAdmin = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "oa", role: "admin"))
            let refused = try await orgAdmin.send(.GET, "/metrics")
            #expect(refused.status == 403)
            #expect(refused.json?["code"] as? String == "permission_denied")

            try await Run.apply(daemon.socket, "workflow: hold\nnodes:\n  wait: {kind: delay, config: {duration_ms: 600000}}\n")
            _ = try await Run.start(daemon.socket, "hold")
            let defaultID = try #require(try await daemon.socket.call(.GET, "/api/v1/orgs/default").json?["id"] as? String)
            let installation = try await daemon.socket.send(.GET, "/metrics")
            #expect(installation.status == 200)
            let text = String(decoding: installation.body, as: UTF8.self)
            #expect(Self.sample(text, "agentd_org_executions_active{org=\"\(defaultID)\"}") == 1, "\(text)")
            #expect(!text.contains("org=\"default\""))
            let lint = try await Self.promtool(text)
            #expect(lint.status == 0 && lint.output.isEmpty, "promtool: \(lint.output)")
        } catch {
            _ = try? await daemon.stop()
            throw error
        }
        #expect(try await daemon.stop() == 0)
    }
}
