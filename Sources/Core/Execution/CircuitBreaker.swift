/// A circuit breaker's rules for one outbound endpoint (DESIGN §5), as a value with time passed
/// in: closed → open after `failureThreshold` failures within `windowMs`; open → half-open after
/// `openMs`, when one probe is let through; the probe's success closes it, its failure opens it
/// again. A failure reported while open (a call that was already out) changes nothing.
public struct CircuitBreaker: Hashable, Sendable {
    public enum State: String, Hashable, Sendable, Codable { case closed, open, halfOpen = "half_open" }

    public struct Settings: Hashable, Sendable {
        public var failureThreshold: Int
        public var windowMs: Int64
        public var openMs: Int64

        public init(failureThreshold: Int = 5, windowMs: Int64 = 30_000, openMs: Int64 = 15_000) {
            self.failureThreshold = failureThreshold
            self.windowMs = windowMs
            self.openMs = openMs
        }
    }

    public let settings: Settings
    public private(set) var state: State = .closed
    /// Times of recent failures while closed (at most `failureThreshold` kept).
    public private(set) var failures: [Int64] = []
    public private(set) var openedAt: Int64?
    public private(set) var probeInFlight = false
    public private(set) var opens = 0

    public init(settings: Settings = Settings()) { self.settings = settings }

    /// Whether a call may go out now; in half-open, only one probe at a time.
    public mutating func allow(at now: Instant) -> Bool {
        let time = now.millisecondsSinceEpoch
        switch state {
        case .closed:
            return true
        case .open:
            guard let openedAt, time - openedAt >= settings.openMs else { return false }
            state = .halfOpen
            probeInFlight = true
            return true
        case .halfOpen:
            guard !probeInFlight else { return false }
            probeInFlight = true
            return true
        }
    }

    public mutating func recordSuccess(at now: Instant) {
        state = .closed
        failures = []
        openedAt = nil
        probeInFlight = false
    }

    public mutating func recordFailure(at now: Instant) {
        let time = now.millisecondsSinceEpoch
        switch state {
        case .halfOpen:
            open(at: time)
        case .open:
            // A call that went out before the breaker opened: it is already open, and for as long.
            return
        case .closed:
            failures = failures.filter { time - $0 < settings.windowMs } + [time]
            if failures.count >= settings.failureThreshold { open(at: time) }
        }
    }

    private mutating func open(at time: Int64) {
        state = .open
        openedAt = time
        failures = []
        probeInFlight = false
        opens += 1
    }
}
