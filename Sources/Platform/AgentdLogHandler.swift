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

    /// This handler's metadata with `event`'s on top: what one event carries.
    func metadata(of event: LogEvent) -> Logger.Metadata {
        guard let extra = event.metadata else { return metadata }
        return metadata.merging(extra) { _, new in new }
    }
}
