import Prometheus

/// The metrics backend: one Prometheus registry that `/metrics` emits, with histogram buckets
/// sized for what agentd measures.
enum MetricsSetup {
    static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["agentd_writer_batch_units"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        factory.durationHistogramBuckets["agentd_writer_commit_seconds"] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .seconds(1),
        ]
        factory.durationHistogramBuckets["agentd_step_duration_seconds"] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500),
            .seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600),
        ]
        return factory
    }
}
