import Client
import Foundation
import NIOHTTP1
import Testing

/// Alerting against the real daemon and, on loopback, the systems its channels reach
/// (Fixtures/alertreceivers.py: a Slack-compatible hook, PagerDuty Events v2, an SMS gateway, a
/// signed-webhook receiver; Fixtures/smtpserver.py: an SMTP relay with STARTTLS and AUTH): rules
/// fire, repeat, are silenced and resolve on every channel; a channel that is down is retried and
/// then reported to the others; bad input, missing permissions and other tenants are refused.
@Suite(.serialized) struct AlertTests {
    static let fast = ["AGENTD_ALERTS_EVALUATE_MS": "100", "AGENTD_ALERTS_RETRY_BASE_MS": "50"]

    static func received(_ receivers: Upstream) async throws -> [String: Any] {
        try await AgentClient(endpoint: .url(receivers.base)).call(.GET, "/received").json ?? [:]
    }

    static func list(_ value: Any?) -> [[String: Any]] { value as? [[String: Any]] ?? [] }

    /// Polls `probe` until it answers true, or fails after `limit`.
    static func eventually(_ what: String, within limit: Duration = .seconds(30), _ probe: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !(try await probe()) {
            guard ContinuousClock.now < deadline else { throw TestFailure("\(what): not within \(limit)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Evaluation rounds done so far, from /metrics.
    static func rounds(_ daemon: TestDaemon) async throws -> Int {
        let text = String(decoding: try await daemon.socket.send(.GET, "/metrics").body, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("agentd_alert_evaluation_seconds_count") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    static func secret(_ daemon: TestDaemon, _ path: String, _ value: String) async throws {
        _ = try await daemon.socket.call(.PUT, "/api/v1/secrets", json: ["environment": "prod", "path": path, "value": value])
    }

    static let flaky = """
        workflow: flaky
        input: {type: object, properties: {divisor: {type: integer}}}
        nodes:
          work: {kind: transform, retry: {max_attempts: 1}, config: {output: "{{ 1 / input.divisor }}"}}
        """

    static func run(_ daemon: TestDaemon, fail: Bool) async throws {
        _ = try await Run.finish(daemon.socket, try await Run.start(daemon.socket, "flaky", input: ["divisor": fail ? 0 : 1]))
    }

    @Test func aRuleFiresRepeatsIsSilencedAndResolvesOnEveryChannel() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try await InternalCATests.makeCertificates(in: directory)
        let receivers = try await Upstream(script: "alertreceivers.py", environment: ["PD_ROUTING_KEY": String(repeating: "k", count: 32)])
        let smtp = try await Upstream(script: "smtpserver.py", environment: ["SMTP_CERT": files.cert, "SMTP_KEY": files.key,
                                                                       "SMTP_USER": "agentd", "SMTP_PASSWORD": "relay-pass"])
        let smtpPort = try #require(try await AgentClient(endpoint: .url(smtp.base)).call(.GET, "/mailbox").json?["smtp_port"] as? Int)
        try await TestDaemon.run(environment: Self.fast.merging(["AGENTD_ALERTS_CA_BUNDLE": files.ca]) { $1 }) { daemon in
            let admin = daemon.socket
            try await Run.apply(admin, Self.flaky)
            try await Self.secret(daemon, "alerts/chat", "\(receivers.base)/hooks/T0KEN")
            try await Self.secret(daemon, "alerts/pd", String(repeating: "k", count: 32))
            try await Self.secret(daemon, "alerts/sms", "sms-token")
            try await Self.secret(daemon, "alerts/hook", "hook-secret")
            try await Self.secret(daemon, "alerts/smtp", "relay-pass")
            let channels: [[String: Any]] = [
                ["name": "chat", "type": "slack", "secret_path": "alerts/chat"],
                ["name": "pager", "type": "pagerduty", "url": "\(receivers.base)/v2/enqueue", "secret_path": "alerts/pd"],
                ["name": "phone", "type": "sms", "url": "\(receivers.base)/sms/send", "to": ["+4915112345678"], "secret_path": "alerts/sms",
                 "template": #"{"to":"{{to}}","text":"{{message}}"}"#],
                ["name": "hook", "type": "webhook", "url": "\(receivers.base)/hook", "secret_path": "alerts/hook"],
                ["name": "mail", "type": "email", "url": "smtp://127.0.0.1:\(smtpPort)", "to": ["ops@corp.local"], "from": "agentd@corp.local",
                 "username": "agentd", "secret_path": "alerts/smtp"],
            ]
            for channel in channels { _ = try await admin.call(.POST, "/api/v1/alerts/channels", json: channel) }
            // Each channel takes a test before any rule uses it.
            for name in ["chat", "pager", "phone", "hook", "mail"] {
                let test = try await admin.call(.POST, "/api/v1/alerts/channels/\(name)/test").json ?? [:]
                #expect(test["sent"] as? Bool == true, "\(name): \(test)")
            }
            // agentctl creates the rule as the issue spells it.
            let created = try await runProgram(TestDaemon.binaries + "/agentctl", [
                "alerts", "rules", "create", "flaky-failures", "--expr", "failure_rate(workflow='flaky', window=1h) > 0.5", "--for", "0s",
                "--repeat", "1s", "--severity", "critical", "--notify", "chat,pager,phone,hook,mail", "--description", "runbook: wiki/flaky",
                "--socket", daemon.socketPath])
            #expect(created.status == 0 && created.stdout.contains("failure_rate(min=1, window=1h, workflow='flaky') > 0.5"), "\(created)")

            try await Self.run(daemon, fail: true)
            try await Self.eventually("every channel told of the firing alert") {
                let got = try await Self.received(receivers)
                let mails = Self.list(try await AgentClient(endpoint: .url(smtp.base)).call(.GET, "/mailbox").json?["messages"])
                return ["chat", "pagerduty", "sms", "webhook"].allSatisfy { Self.list(got[$0]).count >= 2 } && mails.count >= 2
            }
            let got = try await Self.received(receivers)
            let chat = Self.list(got["chat"]).compactMap { $0["text"] as? String }
            #expect(chat.contains { $0.hasPrefix("[FIRING critical] flaky-failures in default: flaky") && $0.contains("runbook: wiki/flaky") }, "\(chat)")
            // The test was a trigger and its resolve; then the alert's trigger.
            #expect(Self.list(got["pagerduty"]).prefix(2).map { "\($0["event_action"] ?? "") \($0["dedup_key"] ?? "")" }
                == ["trigger agentd/default/test", "resolve agentd/default/test"])
            let trigger = try #require(Self.list(got["pagerduty"]).first { $0["dedup_key"] as? String == "agentd/default/flaky-failures/flaky" })
            #expect(trigger["event_action"] as? String == "trigger")
            #expect((trigger["payload"] as? [String: Any])?["severity"] as? String == "critical")
            #expect(Self.list(got["sms"]).first?["to"] as? String == "+4915112345678")
            let hook = try #require(Self.list(got["webhook"]).first { ($0["body"] as? [String: Any])?["notice"] as? String == "firing" })
            #expect((hook["body"] as? [String: Any])?["rule"] as? String == "flaky-failures")
            let mails = Self.list(try await AgentClient(endpoint: .url(smtp.base)).call(.GET, "/mailbox").json?["messages"])
            let mail = try #require(mails.first { ($0["data"] as? String)?.contains("Subject: [FIRING critical]") == true })
            #expect(mail["tls"] as? Bool == true && mail["user"] as? String == "agentd" && mail["to"] as? [String] == ["ops@corp.local"], "\(mail)")
            // Repeats: told again while it fires (the repeat is 1 s).
            try await Self.eventually("a repeat") {
                Self.list(try await Self.received(receivers)["chat"]).contains { ($0["text"] as? String)?.hasPrefix("[STILL FIRING") == true }
            }
            let firing = Self.list(try await admin.call(.GET, "/api/v1/alerts").json?["items"])
            #expect(firing.count == 1 && firing[0]["state"] as? String == "firing" && firing[0]["subject"] as? String == "flaky", "\(firing)")

            // Silenced: rounds go by and nothing more is sent.
            let silenced = try await runProgram(TestDaemon.binaries + "/agentctl", ["alerts", "silence", "flaky-failures", "--for", "2h",
                                                                                    "--comment", "deploy", "--socket", daemon.socketPath])
            #expect(silenced.status == 0 && silenced.stdout.contains("quiet until"), "\(silenced)")
            // A round that started before the silence may still send; wait for it to pass.
            let start = try await Self.rounds(daemon)
            try await Self.eventually("two evaluation rounds") { try await Self.rounds(daemon) >= start + 2 }
            let before = Self.list(try await Self.received(receivers)["chat"]).count
            let next = try await Self.rounds(daemon)
            try await Self.eventually("twenty evaluation rounds") { try await Self.rounds(daemon) >= next + 20 }
            #expect(Self.list(try await Self.received(receivers)["chat"]).count == before, "nothing is sent while silenced")
            let silences = Self.list(try await admin.call(.GET, "/api/v1/alerts/silences").json?["items"])
            #expect(silences.count == 1 && silences[0]["comment"] as? String == "deploy")

            // It resolves (2 of 3 succeeded): the resolve goes out although silenced, since the
            // firing was told; PagerDuty gets a resolve with the trigger's key.
            try await Self.run(daemon, fail: false)
            try await Self.run(daemon, fail: false)
            func resolves() async throws -> [[String: Any]] {
                Self.list(try await Self.received(receivers)["pagerduty"]).filter { $0["event_action"] as? String == "resolve" && $0["dedup_key"] as? String != "agentd/default/test" }
            }
            try await Self.eventually("the resolve reaches PagerDuty") { try await !resolves().isEmpty }
            let resolve = try #require(try await resolves().first)
            #expect(resolve["dedup_key"] as? String == trigger["dedup_key"] as? String && resolve["payload"] == nil)
            #expect(Self.list(try await admin.call(.GET, "/api/v1/alerts").json?["items"]).isEmpty)

            // The history and the audit log have every change.
            let history = Self.list(try await admin.call(.GET, "/api/v1/alerts/history?rule=flaky-failures").json?["items"]).map { $0["change"] as? String ?? "" }
            #expect(history == ["resolved", "silenced", "firing"], "\(history)")
            let shown = try await runProgram(TestDaemon.binaries + "/agentctl", ["alerts", "history", "--socket", daemon.socketPath])
            #expect(shown.status == 0 && shown.stdout.contains("channel:mail") && shown.stdout.contains("resolved"), "\(shown)")
            let audit = Self.list(try await admin.call(.GET, "/api/v1/audit?action=alert.state_changed").json?["items"])
            #expect(audit.count == 2 && audit.allSatisfy { $0["actor"] as? String == "system" }, "\(audit)")
            #expect(try await Self.received(receivers)["refused"] as? [String: Int] == ["chat": 0, "pagerduty": 0, "sms": 0, "webhook": 0])
        }
    }

    @Test func aChannelThatIsDownIsRetriedThenTheOtherChannelsAreTold() async throws {
        let receivers = try await Upstream(script: "alertreceivers.py", environment: ["PD_ROUTING_KEY": String(repeating: "k", count: 32)])
        let control = AgentClient(endpoint: .url(receivers.base))
        try await TestDaemon.run(environment: Self.fast.merging(["AGENTD_ALERTS_DELIVERY_ATTEMPTS": "3"]) { $1 }) { daemon in
            let admin = daemon.socket
            try await Run.apply(admin, Self.flaky)
            try await Self.secret(daemon, "alerts/pd", String(repeating: "k", count: 32))
            _ = try await admin.call(.POST, "/api/v1/alerts/channels", json: ["name": "chat", "type": "slack", "url": "\(receivers.base)/hooks/T0KEN"])
            _ = try await admin.call(.POST, "/api/v1/alerts/channels", json: ["name": "pager", "type": "pagerduty", "url": "\(receivers.base)/v2/enqueue",
                                                                            "secret_path": "alerts/pd"])
            _ = try await admin.call(.POST, "/api/v1/alerts/rules", json: ["name": "failures", "expr": "consecutive_failures(workflow='*') >= 1",
                                                                         "notify": ["pager"], "repeat": "0s"])
            _ = try await control.call(.POST, "/_down?kind=pagerduty&on=1")
            try await Self.run(daemon, fail: true)
            try await Self.eventually("the other channel told that pager is down") {
                Self.list(try await Self.received(receivers)["chat"]).contains { ($0["text"] as? String)?.contains("channel pager refuses deliveries") == true }
            }
            // Tried exactly as often as configured, then given up.
            #expect((try await Self.received(receivers)["refused"] as? [String: Int])?["pagerduty"] == 3)
            let pager = try await admin.call(.GET, "/api/v1/alerts/channels/pager").json ?? [:]
            #expect(pager["down_since"] is String && (pager["last_error"] as? String)?.contains("503") == true, "\(pager)")
            let listed = try await runProgram(TestDaemon.binaries + "/agentctl", ["alerts", "channels", "list", "--socket", daemon.socketPath])
            #expect(listed.stdout.contains("down"), "\(listed)")
            let status = try await runProgram(TestDaemon.binaries + "/agentctl", ["status", "--socket", daemon.socketPath])
            #expect(status.stdout.contains("1 firing, 0 pending; 1 channel down"), "\(status)")
            // A test says why, and agentctl exits 1.
            let test = try await runProgram(TestDaemon.binaries + "/agentctl", ["alerts", "channels", "test", "pager", "--socket", daemon.socketPath])
            #expect(test.status == 1 && test.stdout.contains("refused the test notification") && test.stdout.contains("503"), "\(test)")

            // Back up: the resolve goes through, the channel is up, and the other channel hears it.
            _ = try await control.call(.POST, "/_down?kind=pagerduty&on=0")
            try await Self.run(daemon, fail: false)
            try await Self.eventually("the other channel told that pager works again") {
                Self.list(try await Self.received(receivers)["chat"]).contains { ($0["text"] as? String)?.contains("channel pager takes deliveries again") == true }
            }
            #expect(Self.list(try await Self.received(receivers)["pagerduty"]).map { $0["event_action"] as? String } == ["resolve"], "the test went nowhere")
            #expect(try await admin.call(.GET, "/api/v1/alerts/channels/pager").json?["down_since"] is NSNull)
            let history = Self.list(try await admin.call(.GET, "/api/v1/alerts/history?rule=channel:pager").json?["items"]).map { $0["change"] as? String ?? "" }
            #expect(history == ["channel_up", "tested", "channel_down"], "\(history)")
        }
    }

    @Test func badInputMissingPermissionsAndOtherTenantsAreRefused() async throws {
        try await TestDaemon.run(environment: Self.fast) { daemon in
            let admin = daemon.socket
            _ = try await admin.call(.POST, "/api/v1/alerts/channels", json: ["name": "chat", "type": "slack", "url": "https://chat.corp.local/hooks/x"])
            func problem(_ client: AgentClient, _ method: HTTPMethod, _ path: String, _ body: [String: Any]) async throws -> (Int, [String: Any]) {
                let response = try await client.send(method, path, body: try JSONSerialization.data(withJSONObject: body))
                return (Int(response.status), response.json ?? [:])
            }
            var (status, body) = try await problem(admin, .POST, "/api/v1/alerts/rules", ["name": "x", "expr": "failure_rate(window=10s) > 0.2"])
            #expect(status == 422 && (body["errors"] as? [[String: Any]])?.first?["field"] as? String == "expr", "\(body)")
            (status, body) = try await problem(admin, .POST, "/api/v1/alerts/rules", ["name": "x", "expr": "queue_depth() > 5", "notify": ["nope"]])
            #expect(status == 404 && (body["detail"] as? String)?.contains("agentctl alerts channels create nope") == true, "\(body)")
            (status, body) = try await problem(admin, .POST, "/api/v1/alerts/rules", ["name": "Bad Name", "expr": "queue_depth() > 5"])
            #expect(status == 422, "\(body)")
            (status, body) = try await problem(admin, .POST, "/api/v1/alerts/rules", ["name": "x", "expr": "queue_depth() > 5", "severity": "meh"])
            #expect(status == 422, "\(body)")
            (status, body) = try await problem(admin, .POST, "/api/v1/alerts/rules", ["name": "x", "expr": "queue_depth() > 5", "extra": 1])
            #expect(status == 400 && body["code"] as? String == "unknown_field", "\(body)")
            (status, body) = try await problem(admin, .POST, "/api/v1/alerts/channels", ["name": "pd", "type": "pagerduty", "url": "https://pd.local/v2/enqueue",
                                                                                       "secret_path": "payments/api-key"])
            #expect(status == 422 && (body["errors"] as? [[String: Any]])?.first?["field"] as? String == "secret_path", "\(body)")
            let oversized = try await admin.send(.POST, "/api/v1/alerts/rules", body: Data(repeating: 65, count: 3 << 20))
            #expect(oversized.status == 413)
            #expect(Self.list(try await admin.call(.GET, "/api/v1/alerts/rules").json?["items"]).isEmpty, "nothing half-written")

            // The socket administrator reaches the installation; an org admin may not alert on it.
            _ = try await admin.call(.POST, "/api/v1/alerts/rules", json: ["name": "stall", "expr": "writer_stall() > 10s", "notify": ["chat"]])
            let orgAdmin = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "ada", role: "admin"))
            (status, body) = try await problem(orgAdmin, .POST, "/api/v1/alerts/rules", ["name": "disk", "expr": "disk_free() < 10%"])
            #expect(status == 403 && (body["detail"] as? String)?.contains("system.view") == true, "\(body)")
            _ = try await orgAdmin.call(.POST, "/api/v1/alerts/rules", json: ["name": "queue", "expr": "queue_depth() > 100", "notify": ["chat"]])

            // Viewers see nothing; developers read; operators silence.
            let viewer = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "vic", role: "viewer"))
            #expect(try await viewer.send(.GET, "/api/v1/alerts/rules").status == 403)
            let developer = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "dev", role: "developer"))
            #expect(Self.list(try await developer.call(.GET, "/api/v1/alerts/rules").json?["items"]).count == 2)
            (status, _) = try await problem(developer, .POST, "/api/v1/alerts/silences", ["rule": "queue", "for": "1h", "comment": "x"])
            #expect(status == 403)
            let op = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "opal", role: "operator"))
            (status, body) = try await problem(op, .POST, "/api/v1/alerts/silences", ["rule": "queue", "for": "1h", "comment": "maintenance"])
            #expect(status == 201 && body["active"] as? Bool == true, "\(body)")
            (status, _) = try await problem(op, .POST, "/api/v1/alerts/silences", ["rule": "queue", "for": "90d", "comment": "forever"])
            #expect(status == 422)

            // Another org sees none of it, and cannot touch it by name.
            let other = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "eve", role: "admin", org: "globex"))
            #expect(Self.list(try await other.call(.GET, "/api/v1/alerts/rules").json?["items"]).isEmpty)
            #expect(try await other.send(.GET, "/api/v1/alerts/rules/queue").status == 404)
            #expect(try await other.send(.DELETE, "/api/v1/alerts/channels/chat").status == 404)
            #expect(try await other.send(.POST, "/api/v1/alerts/channels/chat/test").status == 404)

            // A channel a rule notifies cannot be deleted; the rule first.
            let refused = try await admin.send(.DELETE, "/api/v1/alerts/channels/chat")
            #expect(refused.status == 409 && String(decoding: refused.body, as: UTF8.self).contains("stall"))
            #expect(try await admin.send(.DELETE, "/api/v1/alerts/rules/stall").status == 204)
            #expect(try await admin.send(.DELETE, "/api/v1/alerts/rules/queue").status == 204)
            #expect(try await admin.send(.DELETE, "/api/v1/alerts/channels/chat").status == 204)
            let audit = Self.list(try await admin.call(.GET, "/api/v1/audit?limit=200").json?["items"]).compactMap { $0["action"] as? String }
            #expect(["alert.channel_created", "alert.rule_created", "alert.silenced", "alert.rule_deleted", "alert.channel_deleted"]
                .allSatisfy(audit.contains), "\(audit)")
        }
    }
}
