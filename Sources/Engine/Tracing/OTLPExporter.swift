import AsyncHTTPClient
import Core
import Foundation
import Logging
import Metrics
import NIOCore
import NIOSSL
import Synchronization
import Tracing

/// Ended spans waiting for export: bounded, so a collector that is down costs memory up to the
/// bound and then drops spans (counted), never the engine's progress.
public final class SpanQueue: Sendable {
    let capacity: Int
    let batch: Int
    private let spans = Mutex<[FinishedSpan]>([])
    private let dropped: Counter
    private let wake: AsyncStream<Void>.Continuation
    let wakes: AsyncStream<Void>

    public init(capacity: Int = 16_384, batch: Int = 512, metrics: (any MetricsFactory)? = nil) {
        self.capacity = capacity
        self.batch = batch
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        dropped = Counter(label: MetricCatalog.traceSpans.name, dimensions: [("result", "dropped")], factory: metrics ?? MetricsSystem.factory)
    }

    func add(_ span: FinishedSpan) {
        let (accepted, full) = spans.withLock { spans -> (Bool, Bool) in
            guard spans.count < capacity else { return (false, false) }
            spans.append(span)
            return (true, spans.count == batch)
        }
        if !accepted { dropped.increment() }
        // The exporter wakes once a batch is full, not for each span.
        if full { wake.yield() }
    }

    func take() -> [FinishedSpan] {
        spans.withLock { spans in
            let taken = Array(spans.prefix(batch))
            spans.removeFirst(taken.count)
            return taken
        }
    }

    func drop(_ count: Int) { dropped.increment(by: Int64(count)) }
    func wakeExporter() { wake.yield() }
    func finish() { wake.finish() }
}

/// Sends queued spans to an OpenTelemetry collector over OTLP/HTTP protobuf
/// (`POST …/v1/traces`), a batch at a time: when a batch is full or every `delay`. A refused
/// batch (429, 502, 503, 504, or no connection) is tried again after 0.2, 0.4, 0.8 s, as the
/// OTLP specification's retry advice says, then dropped and counted; a collector that is down
/// never holds up the engine.
public final class OTLPExporter: Sendable {
    public struct Settings: Sendable {
        public var endpoint: String
        public var delayMilliseconds: Int
        public var caBundle: String?
        public var serviceVersion: String
        public var hostName: String

        public init(endpoint: String, delayMilliseconds: Int = 5000, caBundle: String? = nil, serviceVersion: String, hostName: String) {
            self.endpoint = endpoint
            self.delayMilliseconds = delayMilliseconds
            self.caBundle = caBundle
            self.serviceVersion = serviceVersion
            self.hostName = hostName
        }
    }

    let queue: SpanQueue
    let settings: Settings
    let http: HTTPClient
    let logger: Logger
    let exported: Counter
    let resource: [(String, SpanAttribute)]

    public init(queue: SpanQueue, settings: Settings, logger: Logger, metrics: (any MetricsFactory)? = nil) throws {
        self.queue = queue
        self.settings = settings
        self.logger = logger
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(5)
        configuration.timeout.read = .seconds(10)
        // Its own requests are not traced: each export would make spans to export.
        configuration.tracing.tracer = nil
        if let caBundle = settings.caBundle {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caBundle)
            configuration.tlsConfiguration = tls
        }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        exported = Counter(label: MetricCatalog.traceSpans.name, dimensions: [("result", "exported")], factory: metrics ?? MetricsSystem.factory)
        resource = [("service.name", .string("agentd")), ("service.version", .string(settings.serviceVersion)),
                    ("host.name", .string(settings.hostName)), ("telemetry.sdk.name", .string("agentd")),
                    ("telemetry.sdk.language", .string("swift"))]
    }

    /// Exports until `stop()`, then sends what is queued (for at most five seconds) and returns.
    public func run() async {
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(settings.delayMilliseconds))
                queue.wakeExporter()
            }
        }
        for await _ in queue.wakes { await sendQueued(until: nil) }
        ticker.cancel()
        await sendQueued(until: ContinuousClock.now + .seconds(5))
        try? await http.shutdown()
    }

    /// Ends `run()` after a last export.
    public func stop() { queue.finish() }

    private func sendQueued(until deadline: ContinuousClock.Instant?) async {
        while true {
            if let deadline, ContinuousClock.now > deadline { return }
            let batch = queue.take()
            if batch.isEmpty { return }
            await send(batch)
        }
    }

    private func send(_ batch: [FinishedSpan]) async {
        let body = OTLPTraceEncoding.request(batch, resource: resource)
        var failure = ""
        for attempt in 0..<4 {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(200 << (attempt - 1))) }
            var request = HTTPClientRequest(url: settings.endpoint)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-protobuf")
            request.headers.add(name: "User-Agent", value: "agentd/\(settings.serviceVersion)")
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await http.execute(request, timeout: .seconds(10))
                let answer = try await response.body.collect(upTo: 64 << 10)
                if (200..<300).contains(response.status.code) {
                    exported.increment(by: Int64(batch.count))
                    return
                }
                failure = "answered \(response.status.code): \(String(buffer: answer).prefix(200))"
                guard [429, 502, 503, 504].contains(response.status.code) else { break }
            } catch {
                failure = "cannot be reached: \(error)"
            }
        }
        queue.drop(batch.count)
        logger.warning("spans dropped: the OpenTelemetry collector refused them",
                       metadata: ["endpoint": "\(settings.endpoint)", "spans": "\(batch.count)", "reason": "\(failure)"])
    }
}
