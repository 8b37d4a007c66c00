/// What each kind of channel is sent for a notification, byte for byte (pure: the clients in
/// Engine only add transport). The shapes follow each receiver's public documentation.
public enum AlertMessages {
    /// Slack's incoming webhook (Mattermost and Rocket.Chat take the same): `text` is required.
    public static func chat(_ notification: AlertNotification) -> String {
        JSONValue.object(["text": .string(notification.text)]).canonicalText
    }

    /// PagerDuty Events API v2: one event per instance, keyed so a resolve closes its trigger.
    /// A resolve carries only the routing key, the action and the dedup key. A test is a trigger
    /// and its resolve, so it leaves no incident open.
    public static func pagerDuty(_ notification: AlertNotification, routingKey: String, source: String) -> [String] {
        if notification.notice == .test {
            var resolve = notification
            resolve.notice = .resolved
            return pagerDutyEvents(notification, routingKey: routingKey, source: source) + pagerDutyEvents(resolve, routingKey: routingKey, source: source)
        }
        return pagerDutyEvents(notification, routingKey: routingKey, source: source)
    }

    static func pagerDutyEvents(_ notification: AlertNotification, routingKey: String, source: String) -> [String] {
        notification.instances.map { instance in
            var event: [String: JSONValue] = ["routing_key": .string(routingKey), "dedup_key": .string(notification.dedupKey(instance))]
            guard notification.notice != .resolved else {
                event["event_action"] = "resolve"
                return JSONValue.object(event).canonicalText
            }
            event["event_action"] = "trigger"
            var summary = "\(notification.rule): \(notification.expression)" + (instance.subject.isEmpty ? "" : " for \(instance.subject)")
            if summary.count > 1024 { summary = String(summary.prefix(1021)) + "..." }
            event["payload"] = [
                "summary": .string(summary), "source": .string(source), "severity": .string(notification.severity.rawValue),
                "timestamp": .string(notification.at.rfc3339), "component": .string(instance.subject.isEmpty ? "agentd" : instance.subject),
                "group": .string(notification.org), "class": .string(notification.rule),
                "custom_details": ["value": .number(instance.value), "since": .string(instance.since.rfc3339), "notice": .string(notification.notice.rawValue)],
            ]
            return JSONValue.object(event).canonicalText
        }
    }

    /// An SMS gateway's body from the channel's template, once per number: `{{to}}` and
    /// `{{message}}` are escaped for JSON when the template is JSON, percent-encoded otherwise (a
    /// form body). The message is the title only: a text message is short.
    public static func sms(_ notification: AlertNotification, template: String, to number: String) -> (body: String, contentType: String) {
        let isJSON = template.first == "{" || template.first == "["
        let message = String(notification.title.prefix(300))
        func escape(_ text: String) -> String {
            isJSON ? String(JSONValue.string(text).canonicalText.dropFirst().dropLast()) : formEncoded(text)
        }
        let body = template.replacingAll("{{to}}", with: escape(number)).replacingAll("{{message}}", with: escape(message))
        return (body, isJSON ? "application/json" : "application/x-www-form-urlencoded")
    }

    /// A signed webhook's body: the notification as JSON.
    public static func webhook(_ notification: AlertNotification) -> String { notification.json.canonicalText }

    /// An RFC 5322 message (CRLF lines, headers folded to ASCII) for SMTP.
    public static func email(_ notification: AlertNotification, from: String, to: [String], messageID: String) -> String {
        let subject = String(notification.title.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? Character($0) : "?" }.prefix(200))
        let body = notification.text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
        return [
            "Date: \(rfc5322Date(notification.at))", "From: \(from)", "To: \(to.joined(separator: ", "))", "Subject: \(subject)",
            "Message-ID: <\(messageID)>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
            "X-Agentd-Rule: \(notification.rule)", "", body, "",
        ].joined(separator: "\r\n")
    }

    /// `Mon, 07 Dec 2026 10:10:16 +0000`
    static func rfc5322Date(_ instant: Instant) -> String {
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let text = instant.rfc3339 // 2026-12-07T10:10:16Z or with fractions
        let weekday = days[Int(((instant.daysSinceEpoch % 7) + 7) % 7)]
        let year = text.prefix(4), month = Int(text.dropFirst(5).prefix(2)) ?? 1, day = text.dropFirst(8).prefix(2), time = text.dropFirst(11).prefix(8)
        return "\(weekday), \(day) \(months[month - 1]) \(year) \(time) +0000"
    }

    static func formEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "): out += "+"
            default: out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
