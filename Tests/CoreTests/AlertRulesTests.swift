import Core
import Testing

/// Alert rules as pure functions: how a condition is read (and refused), the life of an alert
/// (pending, firing, repeats, resolve, silences), what a channel's config must hold, and the bytes
/// each kind of channel is sent.
@Suite struct AlertRulesTests {
    @Test(arguments: [
        ("failure_rate(workflow='*', window=15m) > 0.2", "failure_rate(min=1, window=15m, workflow='*') > 0.2"),
        ("failure_rate() >= 20%", "failure_rate(min=1, window=15m, workflow='*') >= 0.2"),
        ("failure_rate(workflow=\"billing\", min=5, window=1h)>0.5", "failure_rate(min=5, window=1h, workflow='billing') > 0.5"),
        ("consecutive_failures(workflow='triage') >= 3", "consecutive_failures(workflow='triage') >= 3"),
        ("budget_used(team='org') > 80%", "budget_used(team='org') > 0.8"),
        ("queue_depth() > 100", "queue_depth() > 100"),
        ("api_latency_p99(window=5m) > 1500ms", "api_latency_p99(window=5m) > 1.5"),
        ("writer_stall() > 10s", "writer_stall() > 10"),
        ("vault_sealed()", "vault_sealed() > 0"),
        ("  disk_free()  <  10%  ", "disk_free() < 0.1"),
    ])
    func aConditionIsReadAndSpelledCanonically(_ text: String, _ canonical: String) throws {
        let expression = try AlertExpression.parse(text)
        #expect(expression.text == canonical)
        // The canonical spelling reads back to the same condition.
        #expect(try AlertExpression.parse(canonical) == expression)
    }

    @Test(arguments: [
        ("failure_ratio() > 1", "must start with one of"),
        ("failure_rate > 0.2", "parentheses"),
        ("failure_rate(team='x') > 0.2", "takes min, window, workflow; got `team`"),
        ("failure_rate(window=10s) > 0.2", "window must be a duration from 1m to 7d"),
        ("failure_rate(window=30d) > 0.2", "window must be a duration from 1m to 7d"),
        ("failure_rate(min=0) > 0.2", "min must be a whole number"),
        ("failure_rate(workflow='a', workflow='b') > 0", "given twice"),
        ("failure_rate(workflow='a) > 0", "unclosed quote"),
        ("queue_depth(x=1) > 1", "takes no arguments"),
        ("queue_depth() => 1", "comes a comparison"),
        ("queue_depth() > many", "must be a number or a percentage"),
        ("queue_depth() > 5s", "must be a number or a percentage"),
        ("writer_stall() > 5h", "or a duration"),
    ])
    func aBrokenConditionSaysWhatIsWrong(_ text: String, _ fragment: String) {
        #expect {
            _ = try AlertExpression.parse(text)
        } throws: { error in
            let violations = (error as? ValidationError)?.violations ?? []
            return violations.count == 1 && violations[0].field == "expr" && violations[0].message.contains(fragment)
        }
    }

    @Test func comparisonsHoldAsWritten() throws {
        #expect(try AlertExpression.parse("queue_depth() > 5").holds(6) && !(try AlertExpression.parse("queue_depth() > 5").holds(5)))
        #expect(try AlertExpression.parse("queue_depth() >= 5").holds(5))
        #expect(try AlertExpression.parse("disk_free() < 0.1").holds(0.05) && !(try AlertExpression.parse("disk_free() < 0.1").holds(0.1)))
        #expect(try AlertExpression.parse("queue_depth() != 0").holds(1) && !(try AlertExpression.parse("queue_depth() == 0").holds(1)))
        #expect(try AlertExpression.parse("writer_stall() > 1").kind.isInstallationWide && !(try AlertExpression.parse("queue_depth() > 1").kind.isInstallationWide))
    }

    static let t0 = Instant(millisecondsSinceEpoch: 1_800_000_000_000)
    static func at(_ seconds: Int64) -> Instant { t0.adding(milliseconds: seconds * 1000) }

    @Test func anAlertWaitsItsForThenFiresRepeatsAndResolves() {
        let minute: Int64 = 60_000
        var step = AlertTransition.next(nil, holds: true, value: 0.5, now: Self.at(0), forMilliseconds: 5 * minute, repeatMilliseconds: 60 * minute, silenced: false)
        #expect(step.state?.phase == .pending && step.change == .pending && step.notice == nil)
        step = AlertTransition.next(step.state, holds: true, value: 0.6, now: Self.at(240), forMilliseconds: 5 * minute, repeatMilliseconds: 60 * minute, silenced: false)
        #expect(step.state?.phase == .pending && step.change == nil && step.notice == nil && step.state?.value == 0.6)
        step = AlertTransition.next(step.state, holds: true, value: 0.7, now: Self.at(300), forMilliseconds: 5 * minute, repeatMilliseconds: 60 * minute, silenced: false)
        #expect(step.state?.phase == .firing && step.change == .firing && step.notice == .firing && step.state?.since == Self.at(0))
        step = AlertTransition.next(step.state, holds: true, value: 0.7, now: Self.at(3000), forMilliseconds: 5 * minute, repeatMilliseconds: 60 * minute, silenced: false)
        #expect(step.notice == nil && step.change == nil)
        step = AlertTransition.next(step.state, holds: true, value: 0.7, now: Self.at(3900), forMilliseconds: 5 * minute, repeatMilliseconds: 60 * minute, silenced: false)
        #expect(step.notice == .repeating && step.state?.notifiedAt == Self.at(3900))
        step = AlertTransition.next(step.state, holds: false, value: 0.1, now: Self.at(4000), forMilliseconds: 5 * minute, repeatMilliseconds: 60 * minute, silenced: false)
        #expect(step.state == nil && step.change == .resolved && step.notice == .resolved)
    }

    @Test func aPendingAlertThatStopsIsClearedSilently() {
        let pending = AlertTransition.next(nil, holds: true, value: 1, now: Self.at(0), forMilliseconds: 60_000, repeatMilliseconds: 0, silenced: false).state
        let step = AlertTransition.next(pending, holds: false, value: 0, now: Self.at(30), forMilliseconds: 60_000, repeatMilliseconds: 0, silenced: false)
        #expect(step.state == nil && step.change == .cleared && step.notice == nil)
        // No condition, no state: nothing happens.
        let idle = AlertTransition.next(nil, holds: false, value: 0, now: Self.at(0), forMilliseconds: 0, repeatMilliseconds: 0, silenced: false)
        #expect(idle.state == nil && idle.notice == nil && idle.change == nil)
    }

    @Test func aSilenceHoldsBackFiringNotTheResolveOfWhatWasTold() {
        // Fires while silenced: recorded, not told; told once the silence ends.
        var step = AlertTransition.next(nil, holds: true, value: 1, now: Self.at(0), forMilliseconds: 0, repeatMilliseconds: 0, silenced: true)
        #expect(step.change == .firing && step.notice == nil && step.state?.notifiedAt == nil)
        step = AlertTransition.next(step.state, holds: true, value: 1, now: Self.at(10), forMilliseconds: 0, repeatMilliseconds: 0, silenced: true)
        #expect(step.notice == nil)
        let unsilenced = AlertTransition.next(step.state, holds: true, value: 1, now: Self.at(20), forMilliseconds: 0, repeatMilliseconds: 0, silenced: false)
        #expect(unsilenced.notice == .firing && unsilenced.change == nil && unsilenced.state?.notifiedAt == Self.at(20))
        // Never told: its resolve is not told either.
        let quiet = AlertTransition.next(step.state, holds: false, value: 0, now: Self.at(30), forMilliseconds: 0, repeatMilliseconds: 0, silenced: true)
        #expect(quiet.change == .resolved && quiet.notice == nil)
        // Told, then silenced: the resolve still goes (a pager's incident must close).
        let told = AlertTransition.next(unsilenced.state, holds: false, value: 0, now: Self.at(40), forMilliseconds: 0, repeatMilliseconds: 0, silenced: true)
        #expect(told.change == .resolved && told.notice == .resolved)
    }

    @Test(arguments: [
        (AlertChannelConfig(kind: .slack, url: "https://chat.corp/hooks/abc"), nil),
        (AlertChannelConfig(kind: .slack, secretPath: "alerts/chat-hook"), nil),
        (AlertChannelConfig(kind: .slack), "url"),
        (AlertChannelConfig(kind: .pagerduty, url: "https://pd.corp/v2/enqueue"), "secret_path"),
        (AlertChannelConfig(kind: .pagerduty, url: "https://pd.corp/v2/enqueue", secretPath: "payments/key"), "secret_path"),
        (AlertChannelConfig(kind: .email, url: "smtp://relay:587", to: ["ops@corp.local"], from: "agentd@corp.local"), nil),
        (AlertChannelConfig(kind: .email, url: "https://relay", to: ["ops@corp.local"], from: "agentd@corp.local"), "url"),
        (AlertChannelConfig(kind: .email, url: "smtp://relay:587", to: ["not an address"], from: "agentd@corp.local"), "to"),
        (AlertChannelConfig(kind: .email, url: "smtp://relay:587", to: ["ops@corp.local"], from: "agentd@corp.local", username: "agentd"), "secret_path"),
        (AlertChannelConfig(kind: .sms, url: "https://sms.corp/send", to: ["+4915112345678"]), nil),
        (AlertChannelConfig(kind: .sms, url: "https://sms.corp/send", to: ["12"]), "to"),
        (AlertChannelConfig(kind: .sms, url: "https://sms.corp/send", to: ["+4915112345678"], template: "{{to}}"), "template"),
        (AlertChannelConfig(kind: .webhook, url: "https://hooks.corp/in", to: ["x@y.z"], secretPath: "alerts/hook"), "to"),
        (AlertChannelConfig(kind: .webhook, url: "https://hooks.corp/in", from: "a@b.c", secretPath: "alerts/hook"), "from"),
    ] as [(AlertChannelConfig, String?)])
    func aChannelHoldsWhatItsKindNeeds(_ config: AlertChannelConfig, _ refusedField: String?) {
        do {
            let valid = try config.validated()
            #expect(refusedField == nil, "accepted \(config)")
            #expect(AlertChannelConfig(json: valid.json) == valid)
        } catch {
            #expect(error.violations.contains { $0.field == refusedField }, "\(error.violations)")
        }
    }

    static let notification = AlertNotification(org: "acme", rule: "high-failures", severity: .critical, notice: .firing,
                                                expression: "failure_rate(min=1, window=15m, workflow='*') > 0.2", comment: "runbook: wiki/fail",
                                                instances: [.init(subject: "billing", value: 0.5, since: at(0)), .init(subject: "triage", value: 1.0 / 3, since: at(10))],
                                                at: at(60))

    @Test func instancesThatChangedTogetherAreOneMessage() throws {
        #expect(Self.notification.title == "[FIRING critical] high-failures in acme: 2 workflows")
        let chat = try JSONParser.parse(AlertMessages.chat(Self.notification))
        let text = try #require(chat["text"]?.stringValue)
        #expect(text.contains("- billing = 0.5 since") && text.contains("- triage = 0.333 since") && text.contains("runbook: wiki/fail"))
        #expect(AlertNotification(json: Self.notification.json) == Self.notification)
    }

    @Test func pagerDutyGetsAnEventPerInstanceKeyedSoTheResolveClosesIt() throws {
        let triggers = try AlertMessages.pagerDuty(Self.notification, routingKey: "R0UTING", source: "agentd-1").map(JSONParser.parse)
        #expect(triggers.count == 2)
        #expect(triggers[0]["event_action"] == "trigger" && triggers[0]["routing_key"] == "R0UTING" && triggers[0]["dedup_key"] == "agentd/acme/high-failures/billing")
        #expect(triggers[0]["payload"]?["severity"] == "critical" && triggers[0]["payload"]?["source"] == "agentd-1")
        var resolved = Self.notification
        resolved.notice = .resolved
        let resolves = try AlertMessages.pagerDuty(resolved, routingKey: "R0UTING", source: "agentd-1").map(JSONParser.parse)
        #expect(resolves.map { $0["dedup_key"] } == triggers.map { $0["dedup_key"] })
        #expect(resolves[0]["event_action"] == "resolve" && resolves[0]["payload"] == nil)
    }

    @Test func anSMSTemplateIsFilledEscapedForItsContentType() throws {
        let json = AlertMessages.sms(Self.notification, template: #"{"to":"{{to}}","text":"{{message}}"}"#, to: "+4915112345678")
        #expect(json.contentType == "application/json")
        #expect(try JSONParser.parse(json.body)["text"]?.stringValue == Self.notification.title)
        let form = AlertMessages.sms(Self.notification, template: "to={{to}}&msg={{message}}", to: "+4915112345678")
        #expect(form.contentType == "application/x-www-form-urlencoded")
        #expect(form.body.hasPrefix("to=%2B4915112345678&msg=%5BFIRING+critical%5D+high-failures+in+acme"))
    }

    @Test func anEmailIsAnRFC5322MessageWithCRLFLines() {
        let mail = AlertMessages.email(Self.notification, from: "agentd@corp.local", to: ["ops@corp.local", "b@corp.local"], messageID: "1.2@agentd")
        let lines = mail.components(separatedBy: "\r\n")
        // 1 800 000 060 s after the epoch is a Friday.
        #expect(lines.contains("Date: Fri, 15 Jan 2027 08:01:00 +0000"))
        #expect(lines.contains("To: ops@corp.local, b@corp.local") && lines.contains("Subject: [FIRING critical] high-failures in acme: 2 workflows"))
        #expect(lines.contains("Message-ID: <1.2@agentd>") && lines.contains(""))
        #expect(!mail.replacingAll("\r\n", with: "").contains("\n"))
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
    fileprivate func components(separatedBy separator: String) -> [String] {
        split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }
}
