import Core
import Hummingbird
import Prometheus

/// Counts requests and times them by route template (never by concrete path, so labels stay
/// bounded): `agentd_http_requests_total{method,route,status}` and
/// `agentd_http_request_duration_seconds{method,route}`. Also writes the access log (debug).
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = AgentRequestContext
    let registry: PrometheusCollectorRegistry
    let knownPaths: Set<String>
    /// For the `api_latency_p99` alert rule.
    let latencies: RequestLatencies?

    static var requests: MetricNameDescriptor { CatalogMetricsFactory.descriptor(MetricCatalog.httpRequests.name) }
    static var duration: MetricNameDescriptor { CatalogMetricsFactory.descriptor(MetricCatalog.httpRequestDuration.name) }
    static let buckets = CatalogMetricsFactory.durations(MetricCatalog.httpRequestDuration.buckets)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        // Hummingbird fills endpointPath when a route matched; it is a template like /api/v1/orgs/{org}.
        let route = context.endpointPath
            .map { $0.hasPrefix("/") ? $0 : "/" + $0 }
            .flatMap { knownPaths.contains($0) ? $0 : nil } ?? "unmatched"
        let method = request.method.rawValue
        registry.makeCounter(descriptor: Self.requests,
                             labels: [("method", method), ("route", route), ("status", String(response.status.code))])
            .increment()
        registry.makeDurationHistogram(descriptor: Self.duration,
                                       labels: [("method", method), ("route", route)], buckets: Self.buckets)
            .record(elapsed)
        latencies?.record(micros: elapsed.inMicroseconds)
        context.logger.debug("request", metadata: [
            "method": "\(method)", "route": "\(route)", "status": "\(response.status.code)",
            "duration_us": "\(elapsed.inMicroseconds)",
        ])
        return response
    }
}
