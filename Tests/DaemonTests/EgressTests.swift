import Client
import Foundation
import NIOHTTP1
import Testing

/// The egress policy against the real daemon (docs/security.md, "Egress"): loopback, agentd's
/// own port, link-local and metadata are refused on the resolved address before any
/// connection; allow lists narrow; an org only narrows; a refusal is `egress_denied`, not
/// retried and not a breaker failure.
@Suite(.serialized) struct EgressTests {
    /// A daemon with the built-in policy: the suite's usual allow of 127.0.0.1/32 taken away.
    static let defaults = ["AGENTD_EGRESS_ALLOW": ""]

    static func http(_ name: String, _ url: String, method: String = "GET", headers: String = "{}") -> String {
        """
        workflow: \(name)
        nodes:
          call:
            kind: http
            config: {url: "\(url)", method: \(method), headers: \(headers)}
            retry: {max_attempts: 3, initial_backoff_ms: 10, max_backoff_ms: 20}
        """
    }

    /// Runs workflow `name` to its end; returns the step's error (kind, message, retryable) and attempt.
    static func denial(_ daemon: TestDaemon, _ name: String) async throws -> (error: [String: Any], attempt: Int?, status: String?) {
        let execution = try await Run.finish(daemon.socket, try await Run.start(daemon.socket, name))
        let step = Run.step(execution, "call")
        return (step["error"] as? [String: Any] ?? [:], step["attempt"] as? Int, execution["status"] as? String)
    }

    static func expectDenied(_ found: (error: [String: Any], attempt: Int?, status: String?), naming pieces: [String],
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(found.status == "failed", sourceLocation: sourceLocation)
        #expect(found.error["kind"] as? String == "egress_denied", "\(found.error)", sourceLocation: sourceLocation)
        #expect(found.error["retryable"] as? Bool == false, sourceLocation: sourceLocation)
        #expect(found.attempt == 1, "a refusal is not retried: \(found)", sourceLocation: sourceLocation)
        let message = found.error["message"] as? String ?? ""
        for piece in pieces { #expect(message.contains(piece), "\(message) should name \(piece)", sourceLocation: sourceLocation) }
    }

    @Test func loopbackByAddressByNameAndMappedIsRefusedBeforeTheUpstreamSeesAnything() async throws {
        let upstream = try await Upstream()
        let daemon = try await TestDaemon.start(environment: Self.defaults.merging(["AGENTD_ENGINE_BREAKER_FAILURES": "1"]) { _, new in new })
        try await Run.apply(daemon.socket, [
            Self.http("direct", "http://127.0.0.1:\(upstream.port)/ok?key=e1"),
            // `localhost` is only a name: what it resolves to is what is checked.
            Self.http("named", "http://localhost:\(upstream.port)/ok?key=e2"),
            Self.http("mapped", "http://[::ffff:127.0.0.1]:\(upstream.port)/ok?key=e3"),
        ].joined(separator: "\n---\n"))
        Self.expectDenied(try await Self.denial(daemon, "direct"), naming: ["127.0.0.1", "built-in deny of loopback 127.0.0.0/8"])
        Self.expectDenied(try await Self.denial(daemon, "named"), naming: ["localhost (127.0.0.1)", "loopback"])
        Self.expectDenied(try await Self.denial(daemon, "mapped"), naming: ["127.0.0.1", "loopback"])
        // Denied again with a breaker that opens after one failure: refusals are not failures of the endpoint.
        Self.expectDenied(try await Self.denial(daemon, "direct"), naming: ["loopback"])
        for key in ["e1", "e2", "e3"] { #expect(try await upstream.calls(key) == 0, "the upstream saw \(key)") }
        #expect(try await daemon.stop() == 0)
    }

    @Test func metadataIsRefusedWithoutAConnectionAttempt() async throws {
        let daemon = try await TestDaemon.start()
        try await Run.apply(daemon.socket, Self.http("metadata", "http://169.254.169.254/latest/api/token", method: "PUT",
                                                     headers: #"{"X-aws-ec2-metadata-token-ttl-seconds": "21600"}"#))
        let began = ContinuousClock.now
        let found = try await Self.denial(daemon, "metadata")
        // A connection attempt to an unreachable address would end in a connect timeout (10 s)
        // or a connection error; a refusal is at once and says which rule.
        Self.expectDenied(found, naming: ["169.254.169.254", "link-local"])
        #expect(ContinuousClock.now - began < .seconds(5))
        #expect(try await daemon.stop() == 0)
    }

    @Test func agentdsOwnPortIsRefusedEvenWithLoopbackAllowed() async throws {
        let upstream = try await Upstream()
        let daemon = try await TestDaemon.start()  // allows 127.0.0.1/32, like every test daemon
        try await Run.apply(daemon.socket, [
            Self.http("self", "http://127.0.0.1:\(daemon.tcpPort)/healthz"),
            Self.http("upstream", "\(upstream.base)/ok?key=own1"),
        ].joined(separator: "\n---\n"))
        Self.expectDenied(try await Self.denial(daemon, "self"), naming: ["127.0.0.1:\(daemon.tcpPort)", "agentd's own listener"])
        let allowed = try await Run.finish(daemon.socket, try await Run.start(daemon.socket, "upstream"))
        #expect(allowed["status"] as? String == "succeeded", "the explicit allow lets the upstream through: \(allowed)")
        #expect(try await upstream.calls("own1") == 1)
        #expect(try await daemon.stop() == 0)
    }

    @Test func anAllowListNarrowsToWhatItNames() async throws {
        let upstream = try await Upstream()
        let daemon = try await TestDaemon.start(environment: ["AGENTD_EGRESS_ALLOW": "10.0.0.0/8"])
        try await Run.apply(daemon.socket, [
            Self.http("private", "http://192.168.255.1:9/"),
            Self.http("upstream", "\(upstream.base)/ok?key=n1"),
        ].joined(separator: "\n---\n"))
        Self.expectDenied(try await Self.denial(daemon, "private"), naming: ["192.168.255.1", "not on egress.allow"])
        Self.expectDenied(try await Self.denial(daemon, "upstream"), naming: ["loopback"])
        #expect(try await upstream.calls("n1") == 0)
        #expect(try await daemon.stop() == 0)
    }

    @Test func anOrgCanDenyMoreButNeverAllowWhatTheSiteDenies() async throws {
        let upstream = try await Upstream()
        let directory = try TestDaemon.makeDirectory()
        let file = directory + "/agentd.toml"
        try """
            [egress]
            deny = ["*.blocked.example"]

            [egress.orgs.default]
            allow = ["127.0.0.1/32", "169.254.169.254/32"]
            deny = ["127.0.0.1/32"]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let daemon = try await TestDaemon.start(directory: directory, arguments: ["--config", file])
        try await Run.apply(daemon.socket, [
            Self.http("upstream", "\(upstream.base)/ok?key=o1"),
            Self.http("metadata", "http://169.254.169.254/"),
        ].joined(separator: "\n---\n"))
        Self.expectDenied(try await Self.denial(daemon, "upstream"), naming: ["egress.orgs.default.deny \"127.0.0.1/32\""])
        Self.expectDenied(try await Self.denial(daemon, "metadata"), naming: ["link-local"])
        #expect(try await upstream.calls("o1") == 0)
        #expect(try await daemon.stop() == 0)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A request whose problem answer the test reads (`call` would throw it).
    static func send(_ daemon: TestDaemon, _ method: HTTPMethod, _ path: String, _ body: [String: Any]) async throws -> ClientResponse {
        try await daemon.socket.send(method, path, body: try JSONSerialization.data(withJSONObject: body), headers: [("Content-Type", "application/json")])
    }

    @Test func aModelOnLoopbackIsRefusedAtRegistrationTestAndCallTime() async throws {
        let server = try await Upstream(script: "modelserver.py")
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Registered while loopback was allowed...
        let allowing = try await TestDaemon.start(directory: directory)
        try await LLMTests.model(allowing.socket, "local", server)
        try await Run.apply(allowing.socket, "workflow: ask\nnodes:\n  call: {kind: llm, config: {model: local, prompt: hello}, retry: {max_attempts: 3, initial_backoff_ms: 10}}\n")
        #expect(try await allowing.stop() == 0)

        // ...then the policy no longer allows it: every call is checked.
        let daemon = try await TestDaemon.start(directory: directory, environment: Self.defaults)
        let before = try await LLMTests.requests(server).count
        Self.expectDenied(try await Self.denial(daemon, "ask"), naming: ["127.0.0.1:\(server.port)", "loopback"])
        let test = try await Self.send(daemon, .POST, "/api/v1/models/local/test", [:])
        #expect(test.status == 422 && test.json?["code"] as? String == "egress_denied", "\(test.json ?? [:])")
        #expect((test.json?["detail"] as? String)?.contains("loopback") == true)
        let body = ["name": "again", "base_url": server.base + "/v1", "model": "fake-llama"]
        let registered = try await Self.send(daemon, .POST, "/api/v1/models", body)
        #expect(registered.status == 422 && registered.json?["code"] as? String == "egress_denied", "\(registered.json ?? [:])")
        let moved = try await Self.send(daemon, .PATCH, "/api/v1/models/local", ["base_url": "http://localhost:\(server.port)/v1"])
        #expect(moved.status == 422 && moved.json?["code"] as? String == "egress_denied", "\(moved.json ?? [:])")
        // A host that does not resolve cannot be judged yet: accepted, checked at each call.
        let unresolved = try await Self.send(daemon, .POST, "/api/v1/models", ["name": "later", "base_url": "http://gpu01.invalid:8000/v1", "model": "m"])
        #expect(unresolved.status == 201, "\(unresolved.json ?? [:])")
        #expect(try await LLMTests.requests(server).count == before, "the model server saw a request")
        #expect(try await daemon.stop() == 0)
    }

    @Test func checkConfigRefusesMalformedEntriesNamingTheKey() async throws {
        let checks = CheckConfigTests()
        for (toml, environment, key, reason) in [
            ("[egress]\nallow = [\"10.0.0.0/33\"]", [:], "egress.allow", "prefix length must be a number from 0 to 32"),
            ("[egress]\ndeny = [\"10.0.0.1/8\"]", [:], "egress.deny", "did you mean 10.0.0.0/8"),
            ("[egress]\ndeny = [\"300.1.1.1\"]", [:], "egress.deny", "is not an IPv4 address"),
            ("[egress]\nallow = \"10.0.0.0/8\"", [:], "egress.allow", "must be an array of strings"),
            ("[egress]\nalow = []", [:], "egress.alow", "not a known key"),
            ("[egress.orgs.acme]\ndeny = [\"fe80::1/10\"]", [:], "egress.orgs.acme.deny", "did you mean fe80::/10"),
            ("[egress.orgs.acme]\nwiden = []", [:], "egress.orgs.acme.widen", "takes allow, deny"),
            ("", ["AGENTD_EGRESS_DENY": "10.0.0.0/8, bad name!"], "egress.deny", "neither a CIDR"),
        ] as [(String, [String: String], String, String)] {
            let result = try await checks.check(toml, environment: environment)
            #expect(result.status == 1, "\(toml) passed")
            #expect(result.stderr.contains(key) && result.stderr.contains(reason), "\(toml): \(result.stderr)")
        }
        let good = try await checks.check("""
            [egress]
            allow = ["10.0.0.0/8", "fc00::/7", "*.corp.example"]
            deny = ["10.9.0.0/16"]
            [egress.orgs.acme]
            deny = ["api.corp.example"]
            """, environment: ["AGENTD_EGRESS_DENY": "10.8.0.0/16,10.9.0.0/16"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains(#"egress.allow = ["10.0.0.0/8", "fc00::/7", "*.corp.example"]"#), "\(good.stdout)")
        #expect(good.stdout.contains(#"egress.deny = ["10.8.0.0/16", "10.9.0.0/16"]"#), "\(good.stdout)")
        #expect(good.stdout.contains("egress.orgs.acme: allow [], deny [api.corp.example]"), "\(good.stdout)")
    }
}
