import Core
import Testing

/// Audit forwarding's pure parts: the targets a config may name, and the syslog record's form.
@Suite struct AuditForwardingTests {
    @Test(arguments: [
        ("syslog+tls://siem.corp.local:6514", AuditForwardTarget.syslogTLS(host: "siem.corp.local", port: 6514)),
        ("syslog+tls://10.0.0.5:514", .syslogTLS(host: "10.0.0.5", port: 514)),
        ("syslog+tls://[fd00::5]:6514", .syslogTLS(host: "fd00::5", port: 6514)),
        ("jsonl:/var/log/agentd/audit.jsonl", .jsonLines(path: "/var/log/agentd/audit.jsonl")),
    ])
    func aTargetReadsAndSaysItselfBack(_ text: String, _ target: AuditForwardTarget) throws {
        #expect(try AuditForwardTarget.parse(text) == target)
        #expect(target.description == text)
    }

    @Test(arguments: ["syslog://siem:514", "syslog+tcp://siem:514", "syslog+tls://siem", "syslog+tls://siem:0", "syslog+tls://siem:70000",
                      "syslog+tls://:6514", "syslog+tls://user@siem:6514", "jsonl:relative.jsonl", "jsonl:/var/log/", "jsonl:", "https://siem"])
    func whatIsNotATargetIsRefusedWithWhatOneLooksLike(_ text: String) {
        #expect(throws: ValidationError.self) { try AuditForwardTarget.parse(text) }
    }

    @Test func aRecordIsRFC5424OctetCounted() {
        let record = AuditRecord(sequence: 7, entry: AuditEntry(at: Instant(millisecondsSinceEpoch: 1_765_000_000_123), orgID: "org_1", actor: "uid:0",
                                                                action: .teamCreated, targetType: "team", targetID: "team_1",
                                                                details: ["name": "zürich ops"]),
                                 previousHash: "p", hash: "h")
        let message = SyslogRecord.message(record, hostname: "app 01\n")
        #expect(message.hasPrefix("<110>1 2025-12-06T05:46:40.123Z app01 agentd - audit - {"), "\(message)")
        #expect(message.hasSuffix(#""seq":7,"target_id":"team_1","target_type":"team"}"#), "\(message)")
        #expect(!message.contains("\n"))
        let frame = SyslogRecord.frame(message)
        // The count is bytes, not characters: ü is two.
        #expect(frame == "\(message.utf8.count) \(message)" && message.utf8.count == message.count + 1)
        #expect(SyslogRecord.message(record, hostname: "").contains(" - agentd - audit - "))
    }
}
