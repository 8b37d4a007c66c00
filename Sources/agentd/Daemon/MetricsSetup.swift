import API
import Prometheus

/// The metrics backend: one Prometheus registry that `/metrics` emits, fed through a factory
/// that takes names' help text and histogram buckets from `MetricCatalog`.
enum MetricsSetup {
    static func factory(registry: PrometheusCollectorRegistry) -> CatalogMetricsFactory {
        CatalogMetricsFactory(registry: registry)
    }
}
