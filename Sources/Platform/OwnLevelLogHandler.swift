import Logging

/// One of agentd's log handlers with a level of its own. agentd's handlers share one level (a
/// reload changes them all), so a library that sets its logger's level (swift-otel sets its
/// diagnostic logger's to `warning`) would set every agentd logger's; given a logger over this
/// handler, it sets only its own.
public struct OwnLevelLogHandler: LogHandler {
    var base: any LogHandler
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata

    public init(over logger: Logger, level: Logger.Level) {
        base = logger.handler
        logLevel = level
        metadata = logger.handler.metadata
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        event.metadata = metadata.merging(event.metadata ?? [:]) { _, new in new }
        base.log(event: event)
    }
}
