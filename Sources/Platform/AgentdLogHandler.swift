import Core
import Logging

/// What agentd's log handlers (`JournalLogHandler`, `LogfmtLogHandler`) share, written once:
/// the level lives in one `LogLevelControl` for every handler, so a reload changes them all; a
/// handler's own metadata (`logger[metadataKey:]`) is merged under each event's, the event's
/// value winning. A conforming handler keeps the control and `metadata`, and writes events.
public protocol AgentdLogHandler: LogHandler {
    /// Shared by every handler: a reload changes it for all.
    var levelControl: LogLevelControl { get }
}

extension AgentdLogHandler {
    public var logLevel: Logger.Level {
        get { levelControl.level }
        nonmutating set { levelControl.level = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// This handler's metadata with `event`'s on top: what one event carries, its values
    /// masked when `[privacy] mask_logs` is on.
    func metadata(of event: LogEvent) -> Logger.Metadata {
        let merged = event.metadata.map { extra in metadata.merging(extra) { _, new in new } } ?? metadata
        guard levelControl.masksPersonalData, !merged.isEmpty else { return merged }
        return merged.mapValues(LogMasking.mask)
    }
}

/// Personal data in log metadata values (an email in an error text, an address in a client
/// field), masked as `[email]`, `[ipv4]`, … before a handler writes them. Every value is
/// checked, so the check is cheap for those that cannot hold any: a value without a digit, an
/// `@` or a `:` holds none of the kinds PII detection finds, and is passed on unscanned.
public enum LogMasking {
    public static func mask(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): return mask(text).map(Logger.Metadata.Value.string) ?? value
        case .stringConvertible(let convertible): return mask(convertible.description).map(Logger.Metadata.Value.string) ?? value
        case .array(let items): return .array(items.map(mask))
        case .dictionary(let entries): return .dictionary(entries.mapValues(mask))
        }
    }

    /// The text masked, or nil when nothing in it is personal data. Loopback and unspecified
    /// addresses (`127.0.0.1`, `::1`, `0.0.0.0`) stay: they identify no one, and they are where
    /// agentd itself listens.
    public static func mask(_ text: String) -> String? {
        guard text.utf8.count >= 3, text.utf8.contains(where: { (0x30...0x3A).contains($0) || $0 == 0x40 }) else { return nil }
        let bytes = Array(text.utf8)
        let matches = PIIDetector.find(in: text).filter { match in
            guard match.kind == .ipv4 || match.kind == .ipv6,
                  let address = IPAddress(String(decoding: bytes[match.range], as: UTF8.self))?.normalized else { return true }
            return !(address.family == .v4 ? (address.bits >> 24 == 127 || address.bits == 0) : (address.bits <= 1))
        }
        guard !matches.isEmpty else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var position = 0
        for match in matches {
            output += bytes[position..<match.range.lowerBound]
            output += Array("[\(match.kind.rawValue)]".utf8)
            position = match.range.upperBound
        }
        output += bytes[position...]
        return String(decoding: output, as: UTF8.self)
    }
}
