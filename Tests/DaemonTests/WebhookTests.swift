import Client
import Core
import Foundation
import AgentSecurity
import Testing

/// Webhook receivers against the real daemon over real TCP: a sender signs as docs/triggers.md
/// says (here in process, and once with the doc's own curl + openssl recipe), and each refusal
/// the issue names is answered and recorded: bad, expired and replayed signatures, oversized
/// bodies, rate limits, transform errors, addresses not allowed. Unknown webhooks and bad
/// signatures get the same answer.
@Suite struct WebhookTests {
    static let agentctl = TestDaemon.binaries + "/agentctl"
    static let workflow = "workflow: ingest\nnodes:\n  a: {kind: transform, config: {output: {got: \"{{ input }}\"}}}\n"

    func agentctl(_ daemon: TestDaemon, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runProgram(Self.agentctl, arguments + ["--socket", daemon.socketPath])
    }

    /// Creates a webhook with agentctl and returns its JSON (with the generated secret).
    func create(_ daemon: TestDaemon, _ name: String, _ extra: [String] = []) async throws -> [String: Any] {
        let created = try await agentctl(daemon, ["webhooks", "create", name, "--workflow", "ingest", "--secret-path", "hooks/\(name)",
                                                  "--output", "json"] + extra)
        #expect(created.status == 0, "\(created.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any], "\(created.stdout)")
    }

    /// Posts `body` to the webhook, signed with `secret` at `timestamp` (now by default).
    func deliver(_ daemon: TestDaemon, _ url: String, _ body: String, secret: String?, timestamp: Int64? = nil, delivery: String? = nil,
                 contentType: String = "application/json") async throws -> ClientResponse {
        var headers = [("Content-Type", contentType)]
        let t = timestamp ?? Int64(Date().timeIntervalSince1970)
        if let secret {
            let mac = WebhookSigner.mac(key: Array(secret.utf8), message: WebhookSignature.message(timestamp: t, body: Array(body.utf8)))
            headers.append(("Agentd-Signature", WebhookSignature.header(timestamp: t, mac: mac)))
        }
        if let delivery { headers.append(("Agentd-Delivery", delivery)) }
        return try await daemon.tcp.send(.POST, url, body: Data(body.utf8), headers: headers)
    }

    static func deliveries(_ daemon: TestDaemon, _ name: String) async throws -> [[String: Any]] {
        try await daemon.socket.call(.GET, "/api/v1/webhooks/\(name)/deliveries?limit=200").json?["items"] as? [[String: Any]] ?? []
    }

    @Test func aSignedDeliveryStartsTheWorkflow_andEveryRefusalIsAnsweredAndRecorded() async throws {
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, Self.workflow)
            let hook = try await create(daemon, "orders", ["--transform", #"{"order": {{ body.data.id }}, "source": {{ query.source }}}"#])
            let url = try #require(hook["url"] as? String)
            let secret = try #require(hook["secret"] as? String)
            #expect(url.hasPrefix("/hooks/wh_"))
            #expect(secret.count == 64)

            // Accepted: 202 with the execution, whose input the transform made (types kept).
            let accepted = try await deliver(daemon, url + "?source=erp", #"{"data": {"id": 4711}}"#, secret: secret, delivery: "d-1")
            #expect(accepted.status == 202, "\(String(decoding: accepted.body, as: UTF8.self))")
            let executionID = try #require(accepted.json?["execution_id"] as? String)
            let execution = try await daemon.socket.call(.GET, "/api/v1/executions/\(executionID)").json ?? [:]
            #expect(execution["trigger"] as? String == "webhook")
            #expect((execution["created_by"] as? String ?? "").hasPrefix("webhook:wh_"))
            let input = execution["input"] as? [String: Any]
            #expect(input?["order"] as? Int == 4711 && input?["source"] as? String == "erp", "\(execution)")

            // The same delivery id again: 409, nothing started.
            let replay = try await deliver(daemon, url + "?source=erp", #"{"data": {"id": 4711}}"#, secret: secret, delivery: "d-1")
            #expect(replay.status == 409)
            #expect(replay.json?["code"] as? String == "delivery_replayed")
            let detail = replay.json?["detail"] as? String ?? ""
            #expect(detail.contains(executionID), "\(detail)")

            // With ?wait, the execution's result.
            let waited = try await deliver(daemon, url + "?source=erp&wait=10s", #"{"data": {"id": 7}}"#, secret: secret, delivery: "d-2")
            #expect(waited.status == 200, "\(String(decoding: waited.body, as: UTF8.self))")
            #expect(waited.json?["execution_status"] as? String == "succeeded")
            #expect((((waited.json?["output"] as? [String: Any])?["a"] as? [String: Any])?["got"] as? [String: Any])?["order"] as? Int == 7, "\(waited.json ?? [:])")

            // Refusals an unsigned caller can provoke all look the same, known webhook or not.
            let wrong = try await deliver(daemon, url, #"{"data": {"id": 1}}"#, secret: String(repeating: "0", count: 64), delivery: "d-3")
            let unsigned = try await deliver(daemon, url, #"{"data": {"id": 1}}"#, secret: nil, delivery: "d-4")
            let expired = try await deliver(daemon, url, #"{"data": {"id": 1}}"#, secret: secret, timestamp: Int64(Date().timeIntervalSince1970) - 600,
                                            delivery: "d-5")
            let unknown = try await deliver(daemon, "/hooks/wh_01M96W3VK6TPYHNAXH1GVC2T0T", #"{"data": {"id": 1}}"#, secret: secret)
            let garbage = try await deliver(daemon, "/hooks/nothing-like-an-id", #"{"data": {"id": 1}}"#, secret: secret)
            for response in [wrong, unsigned, expired, unknown, garbage] {
                #expect(response.status == 401)
                #expect(response.json?["code"] as? String == "webhook_refused")
                #expect(response.json?["detail"] as? String == wrong.json?["detail"] as? String)
            }

            // The transform fails on a body without data.id.
            let untransformable = try await deliver(daemon, url + "?source=erp", #"{"other": 1}"#, secret: secret, delivery: "d-6")
            #expect(untransformable.status == 422)
            #expect(untransformable.json?["code"] as? String == "transform_failed")

            // Not JSON though it says so; a type it does not take.
            let notJSON = try await deliver(daemon, url, "{nope", secret: secret, delivery: "d-7")
            #expect(notJSON.status == 400 && notJSON.json?["code"] as? String == "malformed_json")
            #expect((notJSON.json?["detail"] as? String)?.contains("not JSON at byte 1: expected a member name in quotes") == true,
                    "\(notJSON.json ?? [:])")
            let xml = try await deliver(daemon, url, "<a/>", secret: secret, delivery: "d-8", contentType: "application/xml")
            #expect(xml.status == 415)
            // A delivery id that is not visible ASCII (here a space) is refused.
            let badID = try await deliver(daemon, url + "?source=erp", #"{"data": {"id": 9}}"#, secret: secret, delivery: "d 9")
            #expect(badID.status == 400 && badID.json?["code"] as? String == "invalid_parameter", "\(badID.status)")

            let outcomes = try await Self.deliveries(daemon, "orders").map { "\($0["delivery_id"] as? String ?? "-"):\($0["outcome"] as? String ?? "")" }
            for expected in ["d-1:accepted", "d-1:replay", "d-2:accepted", "d-3:bad_signature", "d-4:bad_signature", "d-5:expired",
                             "d-6:transform_error", "d-7:invalid_body", "d-8:invalid_body"] {
                #expect(outcomes.contains(expected), "\(expected) not in \(outcomes)")
            }
            let shown = try await agentctl(daemon, ["webhooks", "deliveries", "orders"])
            #expect(shown.status == 0 && shown.stdout.contains("bad_signature") && shown.stdout.contains(executionID), "\(shown.stdout)")
            // Counted by outcome in /metrics.
            let metrics = String(decoding: try await daemon.tcp.send(.GET, "/metrics").body, as: UTF8.self)
            func counted(_ outcome: String) -> Double? {
                metrics.split(separator: "\n").first { $0.hasPrefix("agentd_webhook_deliveries_total{outcome=\"\(outcome)\"}") }
                    .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
            }
            #expect(counted("accepted") == 2 && counted("replay") == 1 && counted("expired") == 1, "\(metrics.split(separator: "\n").filter { $0.contains("webhook") })")
            #expect((counted("bad_signature") ?? 0) >= 2)
        }
    }

    @Test func formBodiesRateLimitsSizeCapsAndAllowLists() async throws {
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, Self.workflow)
            let form = try await create(daemon, "form-hook", ["--rate", "2", "--max-body", "200"])
            let url = try #require(form["url"] as? String), secret = try #require(form["secret"] as? String)

            let accepted = try await deliver(daemon, url + "?wait=10s", "name=ada+l&tag=a&tag=b", secret: secret, delivery: "f-1",
                                             contentType: "application/x-www-form-urlencoded")
            #expect(accepted.status == 200, "\(String(decoding: accepted.body, as: UTF8.self))")
            let got = ((accepted.json?["output"] as? [String: Any])?["a"] as? [String: Any])?["got"] as? [String: Any]
            #expect(got?["name"] as? String == "ada l" && got?["tag"] as? [String] == ["a", "b"], "\(accepted.json ?? [:])")

            let large = try await deliver(daemon, url, "{\"pad\": \"\(String(repeating: "x", count: 300))\"}", secret: secret, delivery: "f-2")
            #expect(large.status == 413)

            #expect(try await deliver(daemon, url, "{}", secret: secret, delivery: "f-3").status == 202)
            let limited = try await deliver(daemon, url, "{}", secret: secret, delivery: "f-4")
            #expect(limited.status == 429)
            #expect(limited.headers.contains { $0.0.lowercased() == "retry-after" && (Int($0.1) ?? 0) >= 1 }, "\(limited.headers)")

            // Only 10.0.0.0/8 may deliver: loopback is refused like a bad signature.
            let fenced = try await create(daemon, "fenced", ["--allow-from", "10.0.0.0/8"])
            let refused = try await deliver(daemon, try #require(fenced["url"] as? String), "{}", secret: try #require(fenced["secret"] as? String),
                                            delivery: "g-1")
            #expect(refused.status == 401)

            // A valid delivery whose input the workflow's schema refuses starts nothing, and says why.
            try await Run.apply(daemon.socket, "workflow: strict\ninput: {type: object, required: [order]}\nnodes:\n  a: {kind: transform, config: {output: 1}}\n")
            let strictCreated = try await agentctl(daemon, ["webhooks", "create", "strict-hook", "--workflow", "strict", "--secret-path", "hooks/strict",
                                                            "--output", "json"])
            let strict = try #require(try JSONSerialization.jsonObject(with: Data(strictCreated.stdout.utf8)) as? [String: Any], "\(strictCreated.stderr)")
            let notStarted = try await deliver(daemon, try #require(strict["url"] as? String), #"{"other": 1}"#,
                                               secret: try #require(strict["secret"] as? String), delivery: "s-1")
            #expect(notStarted.status == 422 && notStarted.json?["code"] as? String == "delivery_not_started", "\(notStarted.status)")
            #expect(try await Self.deliveries(daemon, "strict-hook").first?["outcome"] as? String == "start_failed")

            let outcomes = try await Self.deliveries(daemon, "form-hook").compactMap { $0["outcome"] as? String }
            #expect(outcomes.contains("too_large") && outcomes.contains("rate_limited"), "\(outcomes)")
            let fencedOutcomes = try await Self.deliveries(daemon, "fenced")
            #expect(fencedOutcomes.first?["outcome"] as? String == "ip_refused")
            #expect(fencedOutcomes.first?["remote"] as? String == "127.0.0.1")
        }
    }

    @Test func rotationReplacesTheSecret_auditedWithItsVaultWrite() async throws {
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, Self.workflow)
            let hook = try await create(daemon, "rotating")
            let url = try #require(hook["url"] as? String), old = try #require(hook["secret"] as? String)
            #expect(try await deliver(daemon, url, "{}", secret: old, delivery: "r-1").status == 202)

            let rotated = try await agentctl(daemon, ["webhooks", "rotate", "rotating", "--output", "json"])
            #expect(rotated.status == 0, "\(rotated.stderr)")
            let new = try #require((try JSONSerialization.jsonObject(with: Data(rotated.stdout.utf8)) as? [String: Any])?["secret"] as? String)
            #expect(new != old)
            #expect(try await deliver(daemon, url, "{}", secret: old, delivery: "r-2").status == 401)
            #expect(try await deliver(daemon, url, "{}", secret: new, delivery: "r-3").status == 202)

            // A second webhook on the same path shares the secret: none is generated, none shown.
            let shared = try await agentctl(daemon, ["webhooks", "create", "sharing", "--workflow", "ingest", "--secret-path", "hooks/rotating",
                                                     "--output", "json"])
            #expect(shared.status == 0 && !shared.stdout.contains("\"secret\""), "\(shared.stdout)")
            // Listing and reading never show a secret.
            let listed = try await daemon.socket.call(.GET, "/api/v1/webhooks")
            #expect(!String(decoding: listed.body, as: UTF8.self).contains(new))

            let audit = try await daemon.socket.call(.GET, "/api/v1/audit?limit=200").json?["items"] as? [[String: Any]] ?? []
            let actions = audit.compactMap { $0["action"] as? String }
            #expect(actions.filter { $0 == "webhook.created" }.count == 2)
            #expect(actions.contains("webhook.rotated"))
            #expect(actions.filter { $0 == "secret.written" }.count == 2, "created once, rotated once: \(actions)")
            #expect(!String(decoding: try await daemon.socket.call(.GET, "/api/v1/audit?limit=200").body, as: UTF8.self).contains(new))

            #expect(try await agentctl(daemon, ["webhooks", "delete", "rotating"]).status == 0)
            #expect(try await deliver(daemon, url, "{}", secret: new, delivery: "r-4").status == 401)
        }
    }

    /// docs/triggers.md's sender, run as written: openssl computes the MAC, curl posts.
    @Test func theDocumentedCurlAndOpensslRecipeIsAccepted() async throws {
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, Self.workflow)
            let hook = try await create(daemon, "doc-hook")
            let script = """
                set -eu
                BODY='{"data": {"id": "evt_1"}}'
                T=$(date +%s)
                SIG=$(printf '%s.%s' "$T" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')
                curl -sS -X POST "$AGENTD$URL" -H 'Content-Type: application/json' \\
                  -H "Agentd-Signature: t=$T,v1=$SIG" -H 'Agentd-Delivery: evt_1' --data-binary "$BODY"
                """
            let result = try await runProgram("/bin/sh", ["-c", script], environment: [
                "SECRET": try #require(hook["secret"] as? String), "URL": try #require(hook["url"] as? String),
                "AGENTD": "http://127.0.0.1:\(daemon.tcpPort)",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("\"execution_id\":\"ex_"), "\(result.stdout)\(result.stderr)")
        }
    }
}
