import Core
import Synchronization

/// The latest API request durations, kept in a ring for the `api_latency_p99` alert rule: the
/// evaluator asks for the 99th percentile over a window without scraping agentd's own /metrics.
public final class RequestLatencies: Sendable {
    static let capacity = 8192
    private let ring = Mutex<(samples: [(at: Int64, micros: Int64)], next: Int)>(([], 0))
    let now: @Sendable () -> Instant

    public init(now: @escaping @Sendable () -> Instant) { self.now = now }

    func record(micros: Int64) {
        let at = now().millisecondsSinceEpoch
        ring.withLock { ring in
            if ring.samples.count < Self.capacity { ring.samples.append((at, micros)) } else { ring.samples[ring.next] = (at, micros) }
            ring.next = (ring.next + 1) % Self.capacity
        }
    }

    /// Seconds; nil when no request ended in the window.
    public func p99(windowMilliseconds: Int64) -> Double? {
        let cutoff = now().millisecondsSinceEpoch - windowMilliseconds
        let values = ring.withLock { ring in ring.samples.filter { $0.at >= cutoff }.map(\.micros) }
        return Percentile.of(values, 0.99).map { Double($0) / 1_000_000 }
    }
}
