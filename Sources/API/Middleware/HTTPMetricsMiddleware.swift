import Hummingbird
import Prometheus

/// Counts requests and times them by route template (never by concrete path, so labels stay
/// bounded): `agentd_http_requests_total{method,route,status}` and
/// `agentd_http_request_duration_seconds{method,route}`. Also writes the access log (debug).
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = AgentRequestContext
    let registry: PrometheusCollectorRegistry
    let knownPaths: Set<String>

    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "agentd_http_requests", unitName: "total",
                             helpText: "HTTP requests by method, route template and status.")
    }
    static var duration: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "agentd_http_request_duration", unitName: "seconds",
                             helpText: "HTTP request latency by method and route template.")
    }

    static let buckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]

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
        context.logger.debug("request", metadata: [
            "method": "\(method)", "route": "\(route)", "status": "\(response.status.code)",
            "duration_us": "\(elapsed.components.attoseconds / 1_000_000_000_000 + elapsed.components.seconds * 1_000_000)",
        ])
        return response
    }
}
