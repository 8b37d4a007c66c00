import Foundation
import Logging

/// Writes one logfmt line per event to stderr: what agentd logs when it is not under systemd.
///
/// `ts=2025-03-01T10:07:00.123Z level=info msg="listening" transport=tcp address=127.0.0.1:8700`
/// Keys are stable; values with spaces, quotes or `=` are quoted.
public struct LogfmtLogHandler: AgentdLogHandler {
    public var metadata: Logger.Metadata = [:]
    public let levelControl: LogLevelControl
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.init(label: label, control: LogLevelControl(level))
    }

    public init(label: String, control: LogLevelControl) {
        self.label = label
        self.levelControl = control
    }

    public func log(event: LogEvent) {
        var line = "ts=\(WallClock().now().rfc3339) level=\(event.level.rawValue) msg=\(Self.quote(event.message.description))"
        for (key, value) in metadata(of: event).sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(Self.quote(value.description))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.isNewline }
        guard needsQuotes else { return value }
        var escaped = ""
        for character in value {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.append(character)
            }
        }
        return "\"\(escaped)\""
    }
}
