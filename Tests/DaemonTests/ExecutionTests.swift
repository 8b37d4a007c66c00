import Client
import Foundation
import Testing

/// A small internal service the engine talks to over loopback (Fixtures/upstream.py), or an
/// OpenAI-compatible model server (Fixtures/modelserver.py).
final class Upstream: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let port: Int

    let scheme: String

    /// With `tls` (certificate and key files), it serves HTTPS (on `port`, when not 0). The
    /// server writes its port as its first line, to a file: a pipe's reader can wait for ever
    /// when another child inherited its writing end (see `runProgram`).
    init(script name: String = "upstream.py", tls: (cert: String, key: String)? = nil, port requested: Int = 0,
         environment: [String: String] = [:]) async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + (tls.map { [String(requested), $0.cert, $0.key] } ?? [])
        scheme = tls == nil ? "http" : "https"
        let portFile = NSTemporaryDirectory() + "agentd-upstream-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: portFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        process.standardOutput = FileHandle(forWritingAtPath: portFile)
        process.standardError = FileHandle.nullDevice
        process.standardInput = input  // the server exits when this closes, even if we crash
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        var started: Int?
        while started == nil {
            let text = String(decoding: FileManager.default.contents(atPath: portFile) ?? Data(), as: UTF8.self)
            if let line = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().first {
                started = Int(line)
                if started == nil { break }
            } else if ChildExit.peek(process.processIdentifier) != nil || !process.isRunning || ContinuousClock.now > deadline {
                break
            } else {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        guard let started else {
            process.terminate()
            throw TestFailure("the upstream server \(name) did not start")
        }
        self.port = started
    }

    var base: String { "\(scheme)://127.0.0.1:\(port)" }

    func calls(_ key: String) async throws -> Int {
        precondition(scheme == "http", "count calls on a plain HTTP upstream")
        let client = AgentClient(endpoint: .url(base))
        return try await client.call(.GET, "/calls?key=\(key)").json?["calls"] as? Int ?? -1
    }

    /// Waits until key `key` was called at least `count` times (a `/hold` call is then in flight).
    func waitForCalls(_ key: String, atLeast count: Int = 1, within limit: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + limit
        while try await calls(key) < count {
            guard ContinuousClock.now < deadline else { throw TestFailure("\(key) was not called \(count) times within \(limit)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Lets every `/hold?key=` call for `key` answer, now and later.
    func release(_ key: String) async throws {
        let client = AgentClient(endpoint: .url(base))
        guard try await client.call(.GET, "/release?key=\(key)").status == 200 else { throw TestFailure("the upstream did not release \(key)") }
    }

    deinit { process.terminate() }
}

/// Shared steps of the execution tests.
enum Run {
    static func apply(_ client: AgentClient, _ document: String) async throws {
        let response = try await client.send(.POST, "/api/v1/apply", body: try JSONSerialization.data(withJSONObject: ["document": document]))
        guard response.status == 200 else { throw TestFailure("apply failed: \(String(decoding: response.body, as: UTF8.self))") }
    }

    static func start(_ client: AgentClient, _ workflow: String, input: [String: Any] = [:]) async throws -> String {
        let response = try await client.call(.POST, "/api/v1/executions", json: ["workflow": workflow, "input": input])
        return try #require(response.json?["id"] as? String)
    }

    /// Follows the event stream to its end, then returns the execution.
    static func finish(_ client: AgentClient, _ id: String) async throws -> [String: Any] {
        try await client.events("/api/v1/executions/\(id)/events") { _, _, _ in true }
        return try await client.call(.GET, "/api/v1/executions/\(id)").json ?? [:]
    }

    static func events(_ client: AgentClient, _ id: String) async throws -> [[String: Any]] {
        try await client.call(.GET, "/api/v1/executions/\(id)/events").json?["items"] as? [[String: Any]] ?? []
    }

    static func step(_ execution: [String: Any], _ node: String) -> [String: Any] {
        (execution["steps"] as? [[String: Any]] ?? []).first { $0["node"] as? String == node } ?? [:]
    }
}

@Suite(.serialized) struct ExecutionTests {
    @Test func fanOutFanInWhenBranchesAndTheOutput() async throws {
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, """
                workflow: fan
                input: {type: object, properties: {n: {type: integer}}, required: [n]}
                nodes:
                  start: {kind: transform, config: {output: {n: "{{ input.n }}"}}}
                  left: {kind: transform, input: {n: "{{ nodes.start.output.n }}"}, config: {output: "{{ input.n * 2 }}"}}
                  right: {kind: transform, input: {n: "{{ nodes.start.output.n }}"}, config: {output: "{{ input.n * 3 }}"}}
                  never: {kind: transform, when: "{{ nodes.start.output.n > 1000 }}", config: {output: 0}}
                  after_never: {kind: transform, config: {output: 0}}
                  join: {kind: transform, input: {sum: "{{ nodes.left.output + nodes.right.output }}"}, config: {output: "{{ input.sum }}"}}
                edges: [start -> left, start -> right, start -> never, never -> after_never, left -> join, right -> join]
                output: {sum: "{{ nodes.join.output }}", skipped: "{{ nodes.never.status }}"}
                """)
            let id = try await Run.start(daemon.socket, "fan", input: ["n": 7])
            let execution = try await Run.finish(daemon.socket, id)
            #expect(execution["status"] as? String == "succeeded", "\(execution)")
            let output = execution["output"] as? [String: Any]
            #expect(output?["sum"] as? Int == 35)
            #expect(output?["skipped"] as? String == "skipped")
            #expect(Run.step(execution, "after_never")["status"] as? String == "skipped")
            #expect(execution["steps_done"] as? Int == 6)
            // Every node ends exactly once.
            let ends = try await Run.events(daemon.socket, id).filter { ($0["type"] as? String).map { ["step.succeeded", "step.skipped"].contains($0) } == true }
            #expect(ends.count == 6)
            #expect(Set(ends.compactMap { $0["node"] as? String }).count == 6)

            // The engine in the metrics.
            let metrics = String(decoding: try await daemon.tcp.send(.GET, "/metrics").body, as: UTF8.self)
            #expect(metrics.contains("agentd_executions{status=\"succeeded\"} 1\n"), "\(metrics)")
            #expect(metrics.contains(#"agentd_step_duration_seconds_count{kind="transform",outcome="succeeded"} 4"#))
            #expect(metrics.contains(#"agentd_step_duration_seconds_count{kind="transform",outcome="skipped"} 1"#))
            #expect(metrics.contains("agentd_workflow_cache_misses_total 1\n"))
            #expect(metrics.contains("agentd_queue_depth 0\n"))
        }
    }

    @Test func httpStepsRetryServerErrorsHonourRetryAfterAndDoNotRetryClientErrors() async throws {
        let upstream = try await Upstream()
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, """
                workflow: flaky
                nodes:
                  call:
                    kind: http
                    config: {url: "\(upstream.base)/flaky?key=f1&fail=2"}
                    retry: {max_attempts: 3, initial_backoff_ms: 10, max_backoff_ms: 50}
                ---
                workflow: limited
                nodes:
                  call:
                    kind: http
                    config: {url: "\(upstream.base)/limited?key=l1&fail=1"}
                    retry: {max_attempts: 2, initial_backoff_ms: 10}
                ---
                workflow: missing
                nodes:
                  call:
                    kind: http
                    config: {url: "\(upstream.base)/status?key=s404&code=404"}
                    retry: {max_attempts: 5, initial_backoff_ms: 10}
                """)
            let flaky = try await Run.finish(daemon.socket, try await Run.start(daemon.socket, "flaky"))
            #expect(flaky["status"] as? String == "succeeded", "\(flaky)")
            let call = Run.step(flaky, "call")
            #expect(call["attempt"] as? Int == 3)
            #expect((call["output"] as? [String: Any])?["body"] as? [String: Int] == ["calls": 3])
            #expect(try await upstream.calls("f1") == 3)
            let retries = try await Run.events(daemon.socket, flaky["id"] as! String).filter { $0["type"] as? String == "step.retrying" }
            #expect(retries.count == 2)
            #expect(((retries.first?["data"] as? [String: Any])?["error"] as? [String: Any])?["kind"] as? String == "server_error")

            let limitedID = try await Run.start(daemon.socket, "limited")
            let limited = try await Run.finish(daemon.socket, limitedID)
            #expect(limited["status"] as? String == "succeeded")
            let wait = try await Run.events(daemon.socket, limitedID).first { $0["type"] as? String == "step.retrying" }?["data"] as? [String: Any]
            #expect((wait?["delay_ms"] as? Int ?? 0) >= 1000, "Retry-After: 1 must hold the retry back a second: \(String(describing: wait))")

            let missing = try await Run.finish(daemon.socket, try await Run.start(daemon.socket, "missing"))
            #expect(missing["status"] as? String == "failed")
            let error = Run.step(missing, "call")["error"] as? [String: Any]
            #expect(error?["kind"] as? String == "client_error")
            #expect(error?["retryable"] as? Bool == false)
            #expect(try await upstream.calls("s404") == 1)
        }
    }

    @Test func anOpenBreakerFailsFastAndTimeoutsEndSteps() async throws {
        let upstream = try await Upstream(), sluggish = try await Upstream()
        try await TestDaemon.run(arguments: []) { daemon in
            try await Run.apply(daemon.socket, """
                workflow: down
                nodes:
                  call: {kind: http, config: {url: "\(upstream.base)/status?key=down&code=503"}}
                ---
                workflow: slow
                nodes:
                  call: {kind: http, timeout_ms: 300, config: {url: "\(sluggish.base)/slow?key=slow&ms=5000"}}
                """)
            // A step past its timeout is ended, as a timeout (another endpoint: breakers are per endpoint).
            let began = ContinuousClock.now
            let slow = try await Run.finish(daemon.socket, try await Run.start(daemon.socket, "slow"))
            #expect((Run.step(slow, "call")["error"] as? [String: Any])?["kind"] as? String == "timeout", "\(slow)")
            #expect(ContinuousClock.now - began < .seconds(3))

            // The default breaker opens after 5 failures within 30 s.
            for _ in 0..<5 {
                let failed = try await Run.finish(daemon.socket, try await Run.start(daemon.socket, "down"))
                #expect((Run.step(failed, "call")["error"] as? [String: Any])?["kind"] as? String == "server_error")
            }
            let fast = try await Run.finish(daemon.socket, try await Run.start(daemon.socket, "down"))
            #expect((Run.step(fast, "call")["error"] as? [String: Any])?["kind"] as? String == "circuit_open", "\(fast)")
            #expect(try await upstream.calls("down") == 5)

            // Breakers are per org: another tenant's calls to the same server still go out.
            let other = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "bea", role: "admin", org: "beta"))
            try await Run.apply(other, "workflow: down\nnodes:\n  call: {kind: http, config: {url: \"\(upstream.base)/status?key=down&code=503\"}}\n")
            let theirs = try await Run.finish(other, try await Run.start(other, "down"))
            #expect((Run.step(theirs, "call")["error"] as? [String: Any])?["kind"] as? String == "server_error", "\(theirs)")
            #expect(try await upstream.calls("down") == 6)

            let breakers = try await daemon.socket.call(.GET, "/api/v1/breakers").json?["items"] as? [[String: Any]] ?? []
            let endpoint = breakers.filter { $0["endpoint"] as? String == "127.0.0.1:\(upstream.port)" }
            #expect(endpoint.count == 2 && Set(endpoint.compactMap { $0["state"] as? String }) == ["open", "closed"], "\(breakers)")
            let defaultOrg = try await daemon.socket.call(.GET, "/api/v1/orgs/default").json?["id"] as? String
            #expect(endpoint.first { $0["state"] as? String == "open" }?["org"] as? String == defaultOrg, "\(breakers)")

        }
    }

    @Test func childWorkflowsCancelAndIdempotentCreation() async throws {
        let upstream = try await Upstream()
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, """
                workflow: child
                input: {type: object, properties: {x: {type: integer}}, required: [x]}
                nodes:
                  double: {kind: transform, config: {output: "{{ input.x * 2 }}"}}
                ---
                workflow: parent
                nodes:
                  run_child: {kind: workflow, config: {workflow: child, input: {x: 21}}}
                output: {child: "{{ nodes.run_child.output.output }}"}
                ---
                workflow: hang
                nodes:
                  call: {kind: http, config: {url: "\(upstream.base)/slow?key=hang&ms=20000", timeout_ms: 30000}}
                """)
            let parent = try await Run.finish(daemon.socket, try await Run.start(daemon.socket, "parent"))
            #expect(parent["status"] as? String == "succeeded", "\(parent)")
            #expect((parent["output"] as? [String: Any])?["child"] as? [String: Int] == ["double": 42])

            let hanging = try await Run.start(daemon.socket, "hang")
            // Wait until the request is out, then cancel: the step stops at once.
            let deadline = ContinuousClock.now + .seconds(10)
            while try await upstream.calls("hang") == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let began = ContinuousClock.now
            let cancelled = try await daemon.socket.call(.POST, "/api/v1/executions/\(hanging)/cancel").json
            #expect(cancelled?["status"] as? String == "cancelled")
            let after = try await Run.finish(daemon.socket, hanging)
            #expect(Run.step(after, "call")["status"] as? String == "cancelled")
            #expect(ContinuousClock.now - began < .seconds(5))
            let again = try await daemon.socket.send(.POST, "/api/v1/executions/\(hanging)/cancel")
            #expect(again.status == 409)
            #expect(again.json?["code"] as? String == "already_finished")

            // The same key and body: the same execution; another body: 409.
            let body = try JSONSerialization.data(withJSONObject: ["workflow": "child", "input": ["x": 1]])
            let first = try await daemon.socket.send(.POST, "/api/v1/executions", body: body, headers: [("Idempotency-Key", "k-1")])
            let second = try await daemon.socket.send(.POST, "/api/v1/executions", body: body, headers: [("Idempotency-Key", "k-1")])
            #expect(first.status == 202 && second.status == 200)
            #expect(first.json?["id"] as? String == second.json?["id"] as? String)
            let other = try JSONSerialization.data(withJSONObject: ["workflow": "child", "input": ["x": 2]])
            let conflict = try await daemon.socket.send(.POST, "/api/v1/executions", body: other, headers: [("Idempotency-Key", "k-1")])
            #expect(conflict.status == 409)
            #expect(conflict.json?["code"] as? String == "idempotency_conflict")
        }
    }

    @Test func badRequestsAreRefusedWithTheirCodeAndNothingStarts() async throws {
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, """
                workflow: typed
                input: {type: object, properties: {x: {type: integer}, y: {type: string}}, required: [x, y], additionalProperties: false}
                nodes:
                  a: {kind: transform, config: {output: 1}}
                """)
            func start(_ body: [String: Any]) async throws -> ClientResponse {
                try await daemon.socket.send(.POST, "/api/v1/executions", body: try JSONSerialization.data(withJSONObject: body))
            }
            let invalid = try await start(["workflow": "typed", "input": ["x": "one", "z": 1]])
            #expect(invalid.status == 422)
            let fields = (invalid.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(Set(fields) == ["input.x", "input.y", "input.z"], "\(fields)")
            let staging = try await start(["workflow": "typed", "input": ["x": 1, "y": "a"], "environment": "staging"])
            #expect(staging.status == 409)
            #expect(staging.json?["code"] as? String == "not_deployed")
            #expect(try await start(["workflow": "nope"]).status == 404)
            let huge = try await start(["workflow": "typed", "input": ["x": 1, "y": String(repeating: "y", count: 300_000)]])
            #expect(huge.status == 422)
            let list = try await daemon.socket.call(.GET, "/api/v1/executions").json?["items"] as? [Any]
            #expect(list?.isEmpty == true)

            // Another org's admin cannot see one that ran.
            let id = try await Run.start(daemon.socket, "typed", input: ["x": 1, "y": "a"])
            _ = try await Run.finish(daemon.socket, id)
            let foreign = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "eve", role: "admin", org: "elsewhere"))
            #expect(try await foreign.send(.GET, "/api/v1/executions/\(id)").status == 404)
            #expect(try await foreign.send(.GET, "/api/v1/executions/\(id)/events").status == 404)
            #expect(try await foreign.send(.POST, "/api/v1/executions/\(id)/cancel").status == 404)

            // Events resume after Last-Event-ID.
            var seen: [Int] = []
            try await daemon.socket.events("/api/v1/executions/\(id)/events", lastEventID: 2) { seq, _, _ in
                if let seq { seen.append(seq) }
                return true
            }
            #expect(seen.first == 3 && !seen.isEmpty, "\(seen)")
        }
    }

    @Test func agentctlRunFollowsToTheEnd() async throws {
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, "workflow: hello\nnodes:\n  a: {kind: transform, config: {output: {greeting: \"hi {{ input.name }}\"}}}\n")
            let agentctl = TestDaemon.binaries + "/agentctl"
            let run = try await runProgram(agentctl, ["run", "hello", "--input", #"{"name": "ada"}"#, "--follow", "--socket", daemon.socketPath])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("✓ a") && run.stdout.contains("succeeded") && run.stdout.contains("hi ada"), "\(run.stdout)")
            let bad = try await runProgram(agentctl, ["run", "hello", "--input", "[1]", "--socket", daemon.socketPath])
            #expect(bad.status == 2)
            let list = try await runProgram(agentctl, ["executions", "list", "--status", "succeeded", "--since", "1h", "--socket", daemon.socketPath])
            #expect(list.stdout.contains("hello"), "\(list.stdout)")
        }
    }
}

/// Steps read secrets from the vault by path, in their own environment, and never store them.
@Suite(.serialized) struct StepSecretTests {
    @Test func stepsUseSecretsOfTheirEnvironmentAndStoreOnlyMarkers() async throws {
        let upstream = try await Upstream()
        try await TestDaemon.run { daemon in
            _ = try await daemon.socket.call(.PUT, "/api/v1/secrets",
                                             json: ["environment": "dev", "path": "api/token", "value": #"{"token":"s3cr3t-dev-value-123"}"#])
            try await Run.apply(daemon.socket, """
                agent: call-api
                kind: http
                config:
                  method: POST
                  url: "\(upstream.base)/echo?key=sec"
                  headers: {Authorization: "Bearer {{ secret('api/token', 'token') }}"}
                  body: {copy: "{{ secrets.api.token }}"}
                  secrets: {api: api/token}
                ---
                workflow: uses-secret
                nodes:
                  call: {agent: call-api}
                  encoded:
                    kind: http
                    config: {method: POST, url: "\(upstream.base)/b64?key=b64", body: "{{ secret('api/token', 'token') }}"}
                """)
            let dev = try await Run.finish(daemon.socket, try await Run.start(daemon.socket, "uses-secret"))
            #expect(dev["status"] as? String == "succeeded", "\(dev)")
            let stored = String(describing: dev)
            #expect(!stored.contains("s3cr3t-dev-value-123"), "a secret value was stored: \(stored)")
            let echoed = (Run.step(dev, "call")["output"] as? [String: Any])?["body"] as? [String: Any]
            #expect((echoed?["headers"] as? [String: String])?["Authorization"] == "Bearer [secret:api/token]", "\(String(describing: echoed))")
            #expect((echoed?["body"] as? String)?.contains("[secret:api/token]") == true)
            let base64 = Data("s3cr3t-dev-value-123".utf8).base64EncodedString()
            let encoded = ((Run.step(dev, "encoded")["output"] as? [String: Any])?["body"] as? [String: Any])?["b64"] as? String
            #expect(encoded == "[secret:api/token]", "the base64 form must be scrubbed too: \(String(describing: encoded))")
            #expect(!stored.contains(base64))
            let events = String(describing: try await Run.events(daemon.socket, dev["id"] as! String))
            #expect(!events.contains("s3cr3t-dev-value-123"))

            // The read is audited; a prod run never sees the dev value.
            let audit = try await daemon.socket.call(.GET, "/api/v1/audit?action=secret.read").json?["items"] as? [[String: Any]] ?? []
            #expect(audit.contains { $0["target_id"] as? String == "dev/api/token" }, "\(audit)")
            _ = try await daemon.socket.call(.POST, "/api/v1/workflows/uses-secret/deploy", json: ["environment": "prod"])
            let prodID = try #require(try await daemon.socket.call(.POST, "/api/v1/executions",
                                                                 json: ["workflow": "uses-secret", "environment": "prod"]).json?["id"] as? String)
            let prod = try await Run.finish(daemon.socket, prodID)
            #expect(prod["status"] as? String == "failed")
            // Both steps read it; whichever fails first ends the execution with its error.
            let failure = ((prod["error"] as? [String: Any])?["error"] as? [String: Any])?["message"] as? String
            #expect(failure?.contains("no secret api/token in prod") == true, "\(prod)")
        }
    }
}

@Suite(.serialized) struct ExecutionRetryTests {
    @Test func aRetryReusesSucceededStepsAndRunsTheRest() async throws {
        let upstream = try await Upstream()
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, """
                workflow: two-calls
                nodes:
                  first: {kind: http, config: {url: "\(upstream.base)/ok?key=first"}}
                  second: {kind: http, config: {url: "\(upstream.base)/flaky?key=second&fail=1"}}
                edges: [first -> second]
                """)
            let failedID = try await Run.start(daemon.socket, "two-calls")
            let failed = try await Run.finish(daemon.socket, failedID)
            #expect(failed["status"] as? String == "failed")
            let retried = try await daemon.socket.call(.POST, "/api/v1/executions/\(failedID)/retry").json ?? [:]
            let again = try await Run.finish(daemon.socket, try #require(retried["id"] as? String))
            #expect(again["status"] as? String == "succeeded", "\(again)")
            #expect(try await upstream.calls("first") == 1, "a succeeded step must not run again")
            #expect(try await upstream.calls("second") == 2)
            let refused = try await daemon.socket.send(.POST, "/api/v1/executions/\(again["id"] as! String)/retry")
            #expect(refused.status == 409)
        }
    }
}


@Suite(.serialized) struct TeamSecretTests {
    @Test func aTeamsSecretIsNotFoundForOthersAndReadOnlyByItsExecutions() async throws {
        try await TestDaemon.run { daemon in
            for team in ["red", "blue"] { _ = try await daemon.socket.call(.POST, "/api/v1/teams", json: ["name": team]) }
            let red = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "rae", role: "developer"))
            let blue = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "ben", role: "developer"))
            _ = try await daemon.socket.call(.PUT, "/api/v1/teams/red/members/rae", json: [:])
            _ = try await daemon.socket.call(.PUT, "/api/v1/teams/blue/members/ben", json: [:])
            let put = try await red.call(.PUT, "/api/v1/secrets", json: ["environment": "dev", "path": "red/db", "value": "red-password-value", "team": "red"]).json
            #expect(put?["team_id"] as? String != nil)

            #expect(try await blue.send(.GET, "/api/v1/secrets/versions?environment=dev&path=red/db").status == 404)
            #expect(try await blue.send(.DELETE, "/api/v1/secrets?environment=dev&path=red/db").status == 404)
            let listed = try await blue.call(.GET, "/api/v1/secrets").json?["items"] as? [[String: Any]] ?? []
            #expect(!listed.contains { $0["path"] as? String == "red/db" })
            #expect(try await red.send(.GET, "/api/v1/secrets/versions?environment=dev&path=red/db").status == 200)

            for team in ["red", "blue"] {
                let client = team == "red" ? red : blue
                try await Run.apply(client, "workflow: \(team)-reads\nteam: \(team)\nnodes:\n  a: {kind: transform, config: {output: \"{{ secret('red/db') }}\"}}\n")
            }
            let mine = try await Run.finish(red, try await Run.start(red, "red-reads"))
            #expect(mine["status"] as? String == "succeeded", "\(mine)")
            #expect(Run.step(mine, "a")["output"] as? String == "[secret:red/db]")
            let theirs = try await Run.finish(blue, try await Run.start(blue, "blue-reads"))
            #expect(theirs["status"] as? String == "failed")
            #expect(((Run.step(theirs, "a")["error"] as? [String: Any])?["message"] as? String)?.contains("no secret red/db") == true)
        }
    }
}


/// http steps trust the CA bundle agentd is configured with (an internal CA), and only that.
@Suite(.serialized) struct InternalCATests {
    /// A CA and a certificate it signed for 127.0.0.1, made with openssl.
    static func makeCertificates(in directory: String) async throws -> (ca: String, cert: String, key: String) {
        let script = """
            set -e
            cd \(directory)
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=agentd-test-ca 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext 2>/dev/null
            """
        let result = try await runProgram("/bin/sh", ["-c", script])
        guard result.status == 0 else { throw TestFailure("openssl failed: \(result.stderr)") }
        return (directory + "/ca.pem", directory + "/server.pem", directory + "/server.key")
    }

    @Test func httpsStepsTrustTheConfiguredCA() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try await Self.makeCertificates(in: directory)
        let upstream = try await Upstream(tls: (files.cert, files.key))
        let document = "workflow: secure\nnodes:\n  call: {kind: http, config: {url: \"\(upstream.base)/ok\"}}\n"

        let trusting = try await TestDaemon.start(environment: ["AGENTD_ENGINE_CA_BUNDLE": files.ca])
        try await Run.apply(trusting.socket, document)
        let ok = try await Run.finish(trusting.socket, try await Run.start(trusting.socket, "secure"))
        #expect(ok["status"] as? String == "succeeded", "\(ok)")
        #expect(try await trusting.stop() == 0)

        let stranger = try await TestDaemon.start()
        try await Run.apply(stranger.socket, document)
        let refused = try await Run.finish(stranger.socket, try await Run.start(stranger.socket, "secure"))
        #expect(refused["status"] as? String == "failed")
        #expect((Run.step(refused, "call")["error"] as? [String: Any])?["kind"] as? String == "connection", "\(refused)")
        #expect(try await stranger.stop() == 0)
    }
}

@Suite(.serialized) struct ConcurrencyLimitTests {
    /// Each execution's one step is a call the upstream holds until the test releases it: the
    /// first is still running when the second starts, however slow the machine.
    @Test func executionsOverALimitWaitQueuedAndStartAsOthersEnd() async throws {
        let upstream = try await Upstream()
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, """
                workflow: one-at-a-time
                concurrency: 1
                nodes:
                  call: {kind: http, config: {url: "\(upstream.base)/hold?key=limit"}}
                """)
            let first = try await Run.start(daemon.socket, "one-at-a-time")
            let second = try await Run.start(daemon.socket, "one-at-a-time")
            try await upstream.waitForCalls("limit")
            let waiting = try await daemon.socket.call(.GET, "/api/v1/executions/\(second)").json
            #expect(waiting?["status"] as? String == "queued")
            #expect(try await upstream.calls("limit") == 1, "the second started while the first ran")
            try await upstream.release("limit")
            let done = try await Run.finish(daemon.socket, second)
            #expect(done["status"] as? String == "succeeded")
            let events = try await Run.events(daemon.socket, second).compactMap { $0["type"] as? String }
            #expect(events.prefix(2) == ["execution.queued", "execution.started"], "\(events)")
            // The first ended before the second started.
            let firstEnd = try await daemon.socket.call(.GET, "/api/v1/executions/\(first)").json?["finished_at"] as? String ?? ""
            let secondStart = try await Run.events(daemon.socket, second).first { $0["type"] as? String == "execution.started" }?["at"] as? String ?? ""
            #expect(!firstEnd.isEmpty && firstEnd <= secondStart, "\(firstEnd) \(secondStart)")

            // The org's plan: the free plan runs 5 at once; with an override of 1, a second waits.
            _ = try await daemon.socket.call(.PUT, "/api/v1/orgs/default/plan",
                                             json: ["plan": "enterprise", "overrides": ["concurrent_executions": 1]])
            try await Run.apply(daemon.socket, "workflow: short\nnodes:\n  call: {kind: http, config: {url: \"\(upstream.base)/hold?key=plan\"}}\n")
            let a = try await Run.start(daemon.socket, "short"), b = try await Run.start(daemon.socket, "short")
            try await upstream.waitForCalls("plan")
            #expect(try await daemon.socket.call(.GET, "/api/v1/executions/\(b)").json?["status"] as? String == "queued")
            let quota = try await daemon.socket.call(.GET, "/api/v1/orgs/default/quota").json?["quotas"] as? [String: [String: Any]]
            #expect(quota?["concurrent_executions"]?["limit"] as? Int == 1)
            try await upstream.release("plan")
            #expect((try await Run.finish(daemon.socket, b))["status"] as? String == "succeeded")
            #expect((try await Run.finish(daemon.socket, a))["status"] as? String == "succeeded")
            #expect(try await upstream.calls("plan") == 2)
        }
    }
}
