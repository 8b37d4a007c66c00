import Core
import Synchronization

/// One circuit breaker per outbound endpoint (host:port), shared by every worker (DESIGN §5).
public final class CircuitBreakers: Sendable {
    private let breakers = Mutex<[String: CircuitBreaker]>([:])
    private let settings: CircuitBreaker.Settings

    public init(settings: CircuitBreaker.Settings = .init()) { self.settings = settings }

    /// Whether a call to `endpoint` may go out now.
    func allow(_ endpoint: String, at now: Instant) -> Bool {
        breakers.withLock { all in
            var breaker = all[endpoint] ?? CircuitBreaker(settings: settings)
            defer { all[endpoint] = breaker }
            return breaker.allow(at: now)
        }
    }

    func record(_ endpoint: String, success: Bool, at now: Instant) {
        breakers.withLock { all in
            var breaker = all[endpoint] ?? CircuitBreaker(settings: settings)
            if success { breaker.recordSuccess(at: now) } else { breaker.recordFailure(at: now) }
            all[endpoint] = breaker
        }
    }

    /// Every endpoint's breaker, for `GET /api/v1/breakers` and the metrics.
    public func snapshot() -> [(endpoint: String, breaker: CircuitBreaker)] {
        breakers.withLock { all in all.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }
}
