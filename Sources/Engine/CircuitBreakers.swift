import Core
import Synchronization

/// One circuit breaker per org and outbound endpoint (host:port), shared by every worker
/// (DESIGN §5). Per org as well: one tenant's failing calls (a wrong path, a bad payload that
/// makes the server fail) must not fail another tenant's calls to the same server, nor tell
/// that tenant about them.
public final class CircuitBreakers: Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public let org: OrgID
        /// `host:port`.
        public let endpoint: String

        public init(org: OrgID, endpoint: String) {
            self.org = org
            self.endpoint = endpoint
        }

        public static func < (a: Key, b: Key) -> Bool { (a.org.rawValue, a.endpoint) < (b.org.rawValue, b.endpoint) }
    }

    private let breakers = Mutex<[Key: CircuitBreaker]>([:])
    private let settings: CircuitBreaker.Settings

    public init(settings: CircuitBreaker.Settings = .init()) { self.settings = settings }

    /// Whether a call may go out now.
    func allow(_ key: Key, at now: Instant) -> Bool {
        breakers.withLock { all in
            var breaker = all[key] ?? CircuitBreaker(settings: settings)
            defer { all[key] = breaker }
            return breaker.allow(at: now)
        }
    }

    func record(_ key: Key, success: Bool, at now: Instant) {
        breakers.withLock { all in
            var breaker = all[key] ?? CircuitBreaker(settings: settings)
            if success { breaker.recordSuccess(at: now) } else { breaker.recordFailure(at: now) }
            all[key] = breaker
        }
    }

    /// Every breaker, for `GET /api/v1/breakers` and the metrics.
    public func snapshot() -> [(key: Key, breaker: CircuitBreaker)] {
        breakers.withLock { all in all.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }
}
