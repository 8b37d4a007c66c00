/// Where audit events are forwarded (`[audit] forward`, docs/observability.md#audit-forwarding),
/// and the form they take on the way: one JSON object per event with the fields of `agentctl audit
/// export`, as a line of a file or as the message of an RFC 5424 syslog record framed by octet
/// counting (RFC 6587 §3.4.1, as RFC 5425 uses over TLS).
public enum AuditForwardTarget: Hashable, Sendable, CustomStringConvertible {
    /// `syslog+tls://siem.corp.local:6514`
    case syslogTLS(host: String, port: Int)
    /// `jsonl:/var/log/agentd/audit.jsonl`
    case jsonLines(path: String)

    /// Reads the config value; the error says what a value looks like.
    public static func parse(_ text: String) throws(ValidationError) -> AuditForwardTarget {
        if text.hasPrefix("jsonl:") {
            let path = String(text.dropFirst("jsonl:".count))
            guard path.hasPrefix("/"), !path.hasSuffix("/"), path.count > 1 else {
                throw ValidationError(field: "audit.forward", "jsonl: needs an absolute file path, e.g. jsonl:/var/log/agentd/audit.jsonl")
            }
            return .jsonLines(path: path)
        }
        if text.hasPrefix("syslog+tls://") {
            let rest = String(text.dropFirst("syslog+tls://".count))
            guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else {
                throw ValidationError(field: "audit.forward", "syslog+tls:// needs host:port, e.g. syslog+tls://siem.corp.local:6514")
            }
            var host = String(rest[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty, !host.contains("/"), !host.contains("@") else {
                throw ValidationError(field: "audit.forward", "syslog+tls:// needs a host name or address before the port")
            }
            return .syslogTLS(host: host, port: port)
        }
        throw ValidationError(field: "audit.forward", "must be syslog+tls://HOST:PORT or jsonl:/PATH (plain TCP and UDP syslog are not offered: "
                              + "audit events leave agentd encrypted or not at all)")
    }

    /// The name the durable cursor is kept under: a new target starts from the first event.
    public var description: String {
        switch self {
        case .syslogTLS(let host, let port): "syslog+tls://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .jsonLines(let path): "jsonl:\(path)"
        }
    }
}

extension AuditRecord {
    /// The event as `agentctl audit export` writes it (absent fields left out).
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "seq": .integer(Int(sequence)), "at": .string(entry.at.rfc3339), "actor": .string(entry.actor),
            "action": .string(entry.action.rawValue), "outcome": .string(entry.outcome.rawValue),
            "details": .object(entry.details.mapValues(JSONValue.string)), "prev_hash": .string(previousHash), "hash": .string(hash),
        ]
        if let org = entry.orgID { object["org_id"] = .string(org) }
        if let type = entry.targetType { object["target_type"] = .string(type) }
        if let id = entry.targetID { object["target_id"] = .string(id) }
        if let request = entry.requestID { object["request_id"] = .string(request) }
        return .object(object)
    }
}

public enum SyslogRecord {
    /// Facility 13 (log audit), severity 6 (informational).
    public static let priority = 13 * 8 + 6

    /// `<110>1 TIMESTAMP HOSTNAME agentd - audit - {json}`: the event's time, no structured data
    /// (the JSON carries every field), no BOM (collectors differ on it; the JSON is UTF-8).
    public static func message(_ record: AuditRecord, hostname: String) -> String {
        "<\(priority)>1 \(record.entry.at.rfc3339) \(field(hostname, limit: 255)) agentd - audit - \(record.json.canonicalText)"
    }

    /// Octet counting: the message's length in bytes, a space, the message.
    public static func frame(_ message: String) -> String { "\(message.utf8.count) \(message)" }

    /// A header field: printable US-ASCII without spaces, at most `limit` characters; `-` if empty.
    static func field(_ text: String, limit: Int) -> String {
        let kept = String(text.unicodeScalars.filter { (33...126).contains($0.value) }.prefix(limit).map(Character.init))
        return kept.isEmpty ? "-" : kept
    }
}
