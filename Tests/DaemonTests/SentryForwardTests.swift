import Client
import Foundation
import Testing

/// Failed executions sent to a self-hosted Sentry (Fixtures/sentry.py, strict about the auth
/// header, the content type and the envelope's form) against the real daemon: each failure is one
/// event, grouped by agentd's fingerprint; Sentry's 429 is waited out; a wrong key is an error in
/// the log, not a crash.
@Suite(.serialized) struct SentryForwardTests {
    static func events(_ sentry: Upstream) async throws -> (events: [[String: Any]], requests: Int) {
        let answer = try await AgentClient(endpoint: .url(sentry.base)).call(.GET, "/events").json ?? [:]
        return (answer["events"] as? [[String: Any]] ?? [], answer["requests"] as? Int ?? 0)
    }

    @Test func eachFailureIsOneEventGroupedByTheFingerprint() async throws {
        let upstream = try await Upstream()
        let sentry = try await Upstream(script: "sentry.py", environment: ["SENTRY_KEY": "0123abcd", "SENTRY_PROJECT": "42", "SENTRY_LIMIT_FIRST": "1"])
        try await TestDaemon.run(environment: ["AGENTD_ERRORS_SENTRY_DSN": "\(sentry.base.replacingOccurrences(of: "://", with: "://0123abcd@"))/42",
                                               "AGENTD_ENGINE_BREAKER_FAILURES": "100"]) { daemon in
            let admin = daemon.socket
            try await Run.apply(admin, """
                workflow: calls
                input: {type: object, properties: {code: {type: integer}}}
                nodes:
                  fetch: {kind: http, retry: {max_attempts: 1}, config: {method: GET, url: "\(upstream.base)/status?code={{ input.code }}"}}
                ---
                workflow: computes
                nodes:
                  divide: {kind: transform, config: {output: "{{ 1 / 0 }}"}}
                """)
            var executions: [String] = []
            for code in [500, 503] { executions.append(try await Run.start(admin, "calls", input: ["code": code])) }
            executions.append(try await Run.start(admin, "computes"))
            for id in executions { _ = try await Run.finish(admin, id) }

            let deadline = ContinuousClock.now + .seconds(30)
            var received: (events: [[String: Any]], requests: Int) = ([], 0)
            while ContinuousClock.now < deadline {
                received = try await Self.events(sentry)
                if received.events.count >= 3 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            // One 429 first (waited out for its Retry-After), then each failure once.
            #expect(received.events.count == 3 && received.requests == 4, "\(received)")
            let byExecution = Dictionary(received.events.map { (($0["extra"] as? [String: Any])?["execution_id"] as? String ?? "", $0) }) { first, _ in first }
            #expect(Set(byExecution.keys) == Set(executions))
            let groups = try await admin.call(.GET, "/api/v1/errors").json?["items"] as? [[String: Any]] ?? []
            let fetchGroup = try #require(groups.first { $0["node"] as? String == "fetch" }?["fingerprint"] as? String)
            for id in executions.prefix(2) {
                let event = try #require(byExecution[id])
                #expect(event["fingerprint"] as? [String] == [fetchGroup], "\(event)")
                #expect((event["tags"] as? [String: Any])?["workflow"] as? String == "calls" && event["level"] as? String == "error")
                #expect(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first?["type"] as? String == "server_error")
            }
            #expect((byExecution[executions[2]]?["fingerprint"] as? [String])?.first != fetchGroup)
        }
    }

    @Test func aWrongKeyIsLoggedAndNothingElseBreaks() async throws {
        let sentry = try await Upstream(script: "sentry.py", environment: ["SENTRY_KEY": "right", "SENTRY_PROJECT": "42"])
        try await TestDaemon.run(environment: ["AGENTD_ERRORS_SENTRY_DSN": "\(sentry.base.replacingOccurrences(of: "://", with: "://wrong@"))/42"]) { daemon in
            try await Run.apply(daemon.socket, "workflow: computes\nnodes:\n  divide: {kind: transform, config: {output: \"{{ 1 / 0 }}\"}}\n")
            _ = try await Run.finish(daemon.socket, try await Run.start(daemon.socket, "computes"))
            let line = try await daemon.log.waitFor(timeout: .seconds(30)) { $0.contains("sentry forwarding failed") }
            #expect(line?.contains("401") == true, "\(line ?? daemon.log.text)")
            #expect(try await Self.events(sentry).events.isEmpty)
            // agentctl status says it does not get through, and why.
            let deadline = ContinuousClock.now + .seconds(30)
            var shown = (status: Int32(0), stdout: "", stderr: "")
            while ContinuousClock.now < deadline {
                shown = try await runProgram(TestDaemon.binaries + "/agentctl", ["status", "--socket", daemon.socketPath])
                if shown.stdout.contains("sentry error") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(shown.status == 0 && shown.stdout.contains("1 failures not yet sent") && shown.stdout.contains("401"), "\(shown)")
        }
    }
}
