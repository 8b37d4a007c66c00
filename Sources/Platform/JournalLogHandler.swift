import Core
import Foundation
import Logging

/// Writes each log event to the systemd journal as structured fields, over the journal's
/// native protocol (a datagram per event on `/run/systemd/journal/socket`: exactly what
/// `sd_journal_sendv` sends, written here so that the socket can be another in tests).
///
/// Fields: `MESSAGE`, `PRIORITY` (syslog), `SYSLOG_IDENTIFIER=agentd`, `MESSAGE_ID` (stable per
/// event: see `LogEventID`), `AGENTD_LOGGER`, and each metadata key as `AGENTD_KEY` —
/// `org`, `execution`, `workflow`, `action` and `request_id` give the documented
/// `AGENTD_ORG`, `AGENTD_EXECUTION`, `AGENTD_WORKFLOW`, `AGENTD_ACTION`, `AGENTD_REQUEST_ID`.
/// Metadata whose key names a credential is dropped, whatever its value.
public struct JournalLogHandler: AgentdLogHandler {
    public var metadata: Logger.Metadata = [:]
    public let levelControl: LogLevelControl
    private let label: String
    private let sink: JournalSink

    public init(label: String, control: LogLevelControl, sink: JournalSink) {
        self.label = label
        self.levelControl = control
        self.sink = sink
    }

    public func log(event: LogEvent) {
        sink.send(Self.fields(message: event.message.description, level: event.level, label: label, metadata: metadata(of: event),
                              source: event.source, file: event.file, line: event.line, function: event.function))
    }

    /// agentd's own modules: their messages are fixed words, each kind of event its own id.
    static let ownModules: Set<String> = ["agentd", "API", "Engine", "Storage", "Platform", "Security", "Core"]

    static func fields(message: String, level: Logger.Level, label: String, metadata: Logger.Metadata, source: String,
                       file: String, line: UInt, function: String) -> [(String, String)] {
        // A library's messages carry values in their text (Hummingbird's "listening on …"):
        // they get one id per library instead.
        let id = ownModules.contains(source) ? LogEventID.of(message) : LogEventID.of("module " + source)
        var fields: [(String, String)] = [
            ("MESSAGE", message.count > 32_768 ? String(message.prefix(32_768)) + "…" : message),
            ("PRIORITY", String(priority(level))),
            ("SYSLOG_IDENTIFIER", "agentd"),
            ("MESSAGE_ID", id),
            ("AGENTD_LOGGER", label),
            ("AGENTD_SOURCE", source),
            ("CODE_FILE", file), ("CODE_LINE", String(line)), ("CODE_FUNC", function),
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where !isCredential(key) {
            fields.append((fieldName(key), value.description))
        }
        return fields
    }

    /// syslog priorities, as journalctl -p reads them.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// `request_id` → `AGENTD_REQUEST_ID`: upper case, anything else than A-Z, 0-9 becomes `_`.
    static func fieldName(_ key: String) -> String {
        "AGENTD_" + String(key.uppercased().unicodeScalars.prefix(48).map { scalar -> Character in
            (scalar.value >= 65 && scalar.value <= 90) || (scalar.value >= 48 && scalar.value <= 57) ? Character(scalar) : "_"
        })
    }

    static func isCredential(_ key: String) -> Bool {
        let lower = key.lowercased()
        return ["password", "passphrase", "token", "authorization", "api_key", "secret_value", "cookie"].contains { lower.contains($0) }
    }
}

/// The `MESSAGE_ID` of an event: 128 bits of the SHA-256 of `agentd:` and its message, as
/// 32 hex digits. Stable for as long as the message's words are (docs/logging.md lists them),
/// so `journalctl MESSAGE_ID=…` finds every occurrence of one kind of event.
public enum LogEventID {
    public static func of(_ message: String) -> String {
        String(ContentHash.of(text: "agentd:" + message).suffix(64).prefix(32))
    }
}

/// The journal's datagram socket.
public final class JournalSink: Sendable {
    private let descriptor: Int32
    private let path: String

    public static let defaultPath = "/run/systemd/journal/socket"

    public init?(path: String = JournalSink.defaultPath) {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// True when standard error is connected to the journal: `JOURNAL_STREAM` names its device
    /// and inode (systemd sets it for a service whose output goes to the journal).
    public static func standardErrorIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let stream = environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(2, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// One event. A value with a newline is sent in the protocol's binary form (name, newline,
    /// 64-bit little-endian length, bytes, newline).
    func send(_ fields: [(String, String)]) {
        var datagram: [UInt8] = []
        for (name, value) in fields {
            let bytes = Array(value.utf8)
            datagram += Array(name.utf8)
            if bytes.contains(10) {
                datagram.append(10)
                var length = UInt64(bytes.count).littleEndian
                withUnsafeBytes(of: &length) { datagram += $0 }
                datagram += bytes
            } else {
                datagram.append(61)  // "="
                datagram += bytes
            }
            datagram.append(10)
        }
        _ = datagram.withUnsafeBytes { bytes in
            UnixSocketAddress.with(path) { address, length in sendto(descriptor, bytes.baseAddress, bytes.count, 0, address, length) }
        }
    }
}
