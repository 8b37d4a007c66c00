import Core
import Engine
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Tracing

/// The process's tracer (`[tracing] otlp_endpoint`, docs/observability.md#tracing): spans go in
/// batches to the collector over OTLP/HTTP protobuf. Must run before any HTTP client is made
/// (async-http-client takes the tracer when its configuration is made).
enum TracingSetup {
    /// Bootstraps the tracer; the service that exports, to run first in the group so that it
    /// stops last and sends what the others ended. Nil when tracing is off.
    static func start(_ tracing: Config.Tracing, logger: Logger, metrics: any MetricsFactory) throws -> TracingService? {
        guard let url = tracing.tracesURL else { return nil }
        let queue = SpanQueue(metrics: metrics)
        let exporter = try OTLPExporter(
            queue: queue,
            settings: OTLPExporter.Settings(endpoint: url, delayMilliseconds: tracing.exportDelayMilliseconds, caBundle: tracing.caBundle,
                                            serviceVersion: AgentdVersion.current, hostName: ProcessInfo.processInfo.hostName),
            logger: logger, metrics: metrics)
        InstrumentationSystem.bootstrap(OTLPTracer(queue: queue, sampleRatio: Double(tracing.samplePercent) / 100))
        logger.info("tracing to an OpenTelemetry collector", metadata: ["endpoint": "\(url)", "sample_percent": "\(tracing.samplePercent)"])
        return TracingService(exporter: exporter)
    }
}

/// Runs the span exporter until agentd stops; on a graceful stop it sends what is queued.
struct TracingService: Service {
    let exporter: OTLPExporter

    func run() async throws {
        await withGracefulShutdownHandler {
            await exporter.run()
        } onGracefulShutdown: {
            exporter.stop()
        }
    }
}
