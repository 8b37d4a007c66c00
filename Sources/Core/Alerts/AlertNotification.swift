/// One message to a channel: a rule's instances that changed the same way in one evaluation
/// round, grouped (twenty workflows failing at once are one message, not twenty). Kept as JSON in
/// the delivery outbox until the channel took it.
public struct AlertNotification: Hashable, Sendable {
    public struct Instance: Hashable, Sendable {
        /// The workflow or budget the instance is about; empty for a rule with one instance.
        public var subject: String
        public var value: Double
        public var since: Instant

        public init(subject: String, value: Double, since: Instant) {
            self.subject = subject
            self.value = value
            self.since = since
        }

        /// The value rounded to three places (`0.333`, `12`).
        public var valueText: String { Self.text(value) }

        public static func text(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String((value * 1000).rounded() / 1000)
        }
    }

    public var org: String
    public var rule: String
    public var severity: AlertSeverity
    public var notice: AlertNotice
    public var expression: String
    public var comment: String
    public var instances: [Instance]
    public var at: Instant

    public init(org: String, rule: String, severity: AlertSeverity, notice: AlertNotice, expression: String, comment: String = "",
                instances: [Instance], at: Instant) {
        self.org = org
        self.rule = rule
        self.severity = severity
        self.notice = notice
        self.expression = expression
        self.comment = comment
        self.instances = instances
        self.at = at
    }

    /// `[FIRING critical] high-failures in acme: 3 workflows`
    public var title: String {
        let state = notice == .repeating ? "STILL FIRING" : notice.rawValue.uppercased()
        let what = instances.count == 1 ? (instances[0].subject.isEmpty ? "" : ": \(instances[0].subject)") : ": \(instances.count) \(subjectsNoun)"
        return "[\(state) \(severity.rawValue)] \(rule) in \(org)\(what)"
    }

    var subjectsNoun: String { expression.hasPrefix(AlertExpression.Kind.budgetUsed.rawValue) ? "budgets" : "workflows" }

    /// The title, the condition, and a line per instance.
    public var text: String {
        var lines = [title, "\(expression)"]
        if !comment.isEmpty { lines.append(comment) }
        for instance in instances.prefix(50) {
            let name = instance.subject.isEmpty ? "value" : instance.subject
            lines.append("- \(name) = \(instance.valueText) since \(instance.since.rfc3339)")
        }
        if instances.count > 50 { lines.append("… and \(instances.count - 50) more") }
        return lines.joined(separator: "\n")
    }


    /// The key that makes a PagerDuty trigger and its resolve one incident.
    public func dedupKey(_ instance: Instance) -> String {
        "agentd/\(org)/\(rule)" + (instance.subject.isEmpty ? "" : "/\(instance.subject)")
    }

    public var json: JSONValue {
        [
            "org": .string(org), "rule": .string(rule), "severity": .string(severity.rawValue), "notice": .string(notice.rawValue),
            "expression": .string(expression), "comment": .string(comment), "at": .string(at.rfc3339), "title": .string(title),
            "instances": .array(instances.map { ["subject": .string($0.subject), "value": .number($0.value), "since": .string($0.since.rfc3339)] }),
        ]
    }

    public init?(json: JSONValue) {
        guard let org = json["org"]?.stringValue, let rule = json["rule"]?.stringValue,
              let severity = json["severity"]?.stringValue.flatMap(AlertSeverity.init), let notice = json["notice"]?.stringValue.flatMap(AlertNotice.init),
              let at = json["at"]?.stringValue.flatMap(Instant.init(rfc3339:)), let instances = json["instances"]?.arrayValue else { return nil }
        self.init(org: org, rule: rule, severity: severity, notice: notice, expression: json["expression"]?.stringValue ?? "",
                  comment: json["comment"]?.stringValue ?? "",
                  instances: instances.compactMap { item in
                      guard let since = item["since"]?.stringValue.flatMap(Instant.init(rfc3339:)) else { return nil }
                      return Instance(subject: item["subject"]?.stringValue ?? "", value: item["value"]?.doubleValue ?? 0, since: since)
                  }, at: at)
    }
}
