import Logging
import OTel
import Platform
import ServiceLifecycle
import Tracing

/// The process's tracer (`[tracing] otlp_endpoint`, docs/observability.md#tracing): spans go in
/// batches to the collector over OTLP/HTTP protobuf. Only tracing is taken from swift-otel: logs
/// stay with journald and metrics with agentd's own registry. Must run before any HTTP client is
/// made (async-http-client takes the tracer when its configuration is made).
enum TracingSetup {
    /// Bootstraps the tracer; the service that exports, to run first in the group so that it
    /// stops last and sends what the others ended. Nil when tracing is off.
    static func start(_ tracing: Config.Tracing, logger: Logger) throws -> (any Service)? {
        guard let url = tracing.tracesURL else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "agentd"
        // Its own level: swift-otel sets its diagnostic logger's level, which on agentd's shared
        // handlers would set every logger's.
        configuration.diagnosticLogger = .custom(Logger(label: "agentd.tracing") { _ in OwnLevelLogHandler(over: logger, level: .warning) })
        configuration.diagnosticLogLevel = .warning
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.propagators = [.traceContext]
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.traces.otlpExporter.endpoint = url
        configuration.traces.otlpExporter.certificateFilePath = tracing.caBundle
        configuration.traces.sampler = .parentBasedTraceIDRatio(ratio: Double(tracing.samplePercent) / 100) ?? .parentBasedAlwaysOn
        configuration.traces.batchSpanProcessor.scheduleDelay = .milliseconds(tracing.exportDelayMilliseconds)
        // why not OTel.bootstrap: it would also bootstrap logging and metrics whenever
        // OTEL_SDK_DISABLED is set to false or empty in the environment.
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        logger.info("tracing to an OpenTelemetry collector", metadata: ["endpoint": "\(url)", "sample_percent": "\(tracing.samplePercent)"])
        return backend.service
    }
}

/// Runs the span exporter until agentd stops; on a graceful stop it sends what is batched.
struct TracingService: Service {
    let exporter: any Service

    func run() async throws { try await exporter.run() }
}
