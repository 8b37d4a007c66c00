import AsyncHTTPClient
import Core
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOSSL
import Storage

/// Sends each failed execution to a self-hosted Sentry as an event in an envelope
/// (`[errors] sentry_dsn`, docs/observability.md#sentry), grouped by agentd's fingerprint. A
/// durable cursor over failures in the order they ended moves only after Sentry accepted a
/// batch; Sentry's 429 is honoured (`Retry-After`), other refusals retried with backoff.
public final class SentryForwarder: Sendable {
    public struct Settings: Sendable {
        public var batch = 50
        public var pollMilliseconds: Int64 = 1000
        /// A failure is sent once it ended this long ago (a later one may still be committing).
        public var settleMilliseconds: Int64 = 2000
        public var maximumBackoffMilliseconds: Int64 = 60_000
        public var caBundle: String?
        public var release = "dev"

        public init() {}
    }

    let dsn: SentryDSN
    let cursor: ErrorForwardCursor
    let settings: Settings
    let http: HTTPClient
    let now: @Sendable () -> Instant
    let logger: Logger
    let sent: Counter
    let failed: Counter

    public init(dsn: SentryDSN, database: AgentDatabase, settings: Settings, now: @escaping @Sendable () -> Instant, logger: Logger,
                metrics: (any MetricsFactory)? = nil) {
        self.dsn = dsn
        cursor = ErrorForwardCursor(database: database, target: ErrorForwardCursor.target(dsn))
        self.settings = settings
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(5)
        configuration.timeout.read = .seconds(30)
        if let caBundle = settings.caBundle {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caBundle)
            configuration.tlsConfiguration = tls
        }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.now = now
        self.logger = logger
        let family = MetricCatalog.errorsForwarded
        sent = Counter(label: family.name, dimensions: [("result", "sent")], factory: metrics ?? MetricsSystem.factory)
        failed = Counter(label: family.name, dimensions: [("result", "failed")], factory: metrics ?? MetricsSystem.factory)
    }

    struct Refused: Error, CustomStringConvertible {
        let description: String
        /// From `Retry-After`, when Sentry limits the rate.
        let retryAfterMilliseconds: Int64?
    }

    /// Runs until cancelled.
    public func run() async {
        do { try await cursor.startIfNew(now: now()) } catch { logger.error("sentry forwarding cannot start", metadata: ["error": "\(error)"]) }
        let loop = ForwardLoop(name: "sentry forwarding", target: dsn.redacted, pollMilliseconds: settings.pollMilliseconds,
                               maximumBackoffMilliseconds: settings.maximumBackoffMilliseconds, now: now, logger: logger)
        await loop.run(round: {
            let batch = try await cursor.pending(limit: settings.batch, settledBefore: now().adding(milliseconds: -settings.settleMilliseconds))
            for (position, failure) in batch {
                try await send(failure)
                try await cursor.advance(to: position, now: now())
                sent.increment()
            }
            return !batch.isEmpty
        }, failed: { reason in
            failed.increment()
            try? await cursor.failed(reason, now: now())
        }, retryAfter: { ($0 as? Refused)?.retryAfterMilliseconds })
        try? await http.shutdown()
    }

    func send(_ failure: SentryEnvelope.Failure) async throws {
        var request = HTTPClientRequest(url: dsn.envelopeURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-sentry-envelope")
        request.headers.add(name: "X-Sentry-Auth", value: dsn.authHeader(client: "agentd/\(settings.release)"))
        request.headers.add(name: "User-Agent", value: "agentd/\(settings.release)")
        request.body = .bytes(ByteBuffer(string: SentryEnvelope.body(failure, release: settings.release, sentAt: now())))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(30))
        } catch {
            throw Refused(description: "cannot reach \(dsn.redacted): \(error)", retryAfterMilliseconds: nil)
        }
        let body = try await response.body.collect(upTo: 64 << 10)
        guard (200..<300).contains(Int(response.status.code)) else {
            let retry = response.status == .tooManyRequests ? response.headers.first(name: "Retry-After").flatMap(Int64.init).map { $0 * 1000 } : nil
            throw Refused(description: "\(dsn.redacted) answered \(response.status.code): \(String(buffer: body).prefix(200))", retryAfterMilliseconds: retry)
        }
    }
}
