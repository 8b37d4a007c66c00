import Foundation
import Logging

/// Writes one logfmt line per event to stderr: what agentd logs when it is not under systemd.
///
/// `ts=2025-03-01T10:07:00.123Z level=info msg="listening" transport=tcp address=127.0.0.1:8700`
/// Keys are stable; values with spaces, quotes or `=` are quoted.
public struct LogfmtLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    /// Shared by every handler: a reload changes it for all.
    private let control: LogLevelControl
    public var logLevel: Logger.Level {
        get { control.level }
        set { control.level = newValue }
    }
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.init(label: label, control: LogLevelControl(level))
    }

    public init(label: String, control: LogLevelControl) {
        self.label = label
        self.control = control
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "ts=\(WallClock().now().rfc3339) level=\(event.level.rawValue) msg=\(Self.quote(event.message.description))"
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
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
