import Core
import Foundation
import Logging
import Metrics
import Storage

/// Forwards every audit event, in chain order and at least once, to the site's collector or a
/// file (`[audit] forward`, docs/observability.md#audit-forwarding). A durable cursor moves only
/// after a batch was written, so an outage loses nothing: the forwarder retries with backoff and
/// catches up when the target is back.
public final class AuditForwarder: Sendable {
    public struct Settings: Sendable {
        public var batch = 500
        /// How often it looks for new events when it is caught up.
        public var pollMilliseconds: Int64 = 500
        public var maximumBackoffMilliseconds: Int64 = 30_000
        /// `jsonl:` targets: rotate past this size.
        public var maxFileBytes = 100 << 20
        /// `syslog+tls:` targets: the CA bundle the collector's certificate is checked against (nil: the system's).
        public var caBundle: String?

        public init() {}
    }

    let target: AuditForwardTarget
    let cursor: AuditForwardCursor
    let sink: any AuditSink
    let settings: Settings
    let now: @Sendable () -> Instant
    let logger: Logger
    let sent: Counter
    let failed: Counter

    public init(target: AuditForwardTarget, database: AgentDatabase, settings: Settings, now: @escaping @Sendable () -> Instant,
                logger: Logger, metrics: (any MetricsFactory)? = nil) throws {
        self.target = target
        cursor = AuditForwardCursor(database: database, target: target.description)
        switch target {
        case .jsonLines(let path): sink = JSONLinesAuditSink(path: path, maxBytes: settings.maxFileBytes)
        case .syslogTLS(let host, let port):
            sink = try SyslogTLSAuditSink(host: host, port: port, caBundle: settings.caBundle, hostname: ProcessInfo.processInfo.hostName)
        }
        self.settings = settings
        self.now = now
        self.logger = logger
        let family = MetricCatalog.auditForwarded
        sent = Counter(label: family.name, dimensions: [("result", "sent")], factory: metrics ?? MetricsSystem.factory)
        failed = Counter(label: family.name, dimensions: [("result", "failed")], factory: metrics ?? MetricsSystem.factory)
    }

    /// Runs until cancelled.
    public func run() async {
        let loop = ForwardLoop(name: "audit forwarding", target: target.description, pollMilliseconds: settings.pollMilliseconds,
                               maximumBackoffMilliseconds: settings.maximumBackoffMilliseconds, now: now, logger: logger)
        await loop.run(round: {
            let batch = try await cursor.pending(limit: settings.batch)
            guard let last = batch.last else { return false }
            try await sink.write(batch)
            try await cursor.advance(to: last.sequence, now: now())
            sent.increment(by: batch.count)
            return true
        }, failed: { reason in
            failed.increment()
            try? await cursor.failed(reason, now: now())
        })
        await sink.close()
    }
}
