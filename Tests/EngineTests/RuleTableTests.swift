import Core
import Foundation
import Testing

/// Table tests of the pure rules the engine applies: circuit breakers and retry backoff.
@Suite struct CircuitBreakerTests {
    enum Event: Sendable, CustomStringConvertible {
        case fail(Int64), succeed(Int64)
        /// `allow` at a time, and whether it lets the call out.
        case allow(Int64, Bool)

        var description: String {
            switch self {
            case .fail(let at): "fail@\(at)"
            case .succeed(let at): "ok@\(at)"
            case .allow(let at, let expected): "allow@\(at)=\(expected)"
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let events: [Event]
        let state: CircuitBreaker.State
        let opens: Int
        var testDescription: String { name }
    }

    /// Threshold 3 failures within 1 s; open for 500 ms.
    static let settings = CircuitBreaker.Settings(failureThreshold: 3, windowMs: 1000, openMs: 500)

    static let cases: [Case] = [
        Case(name: "fewer failures than the threshold stay closed", events: [.fail(0), .fail(10), .allow(20, true)], state: .closed, opens: 0),
        Case(name: "N failures within the window open it", events: [.fail(0), .fail(10), .fail(20), .allow(21, false)], state: .open, opens: 1),
        Case(name: "failures outside the window do not add up", events: [.fail(0), .fail(10), .fail(1010), .allow(1011, true)],
             state: .closed, opens: 0),
        Case(name: "failures just within the window open it", events: [.fail(0), .fail(500), .fail(999), .allow(1000, false)],
             state: .open, opens: 1),
        Case(name: "a success while closed forgets earlier failures", events: [.fail(0), .fail(1), .succeed(2), .fail(3), .allow(4, true)],
             state: .closed, opens: 0),
        Case(name: "open refuses until openMs has passed", events: [.fail(0), .fail(1), .fail(2), .allow(501, false), .allow(502, true)],
             state: .halfOpen, opens: 1),
        Case(name: "half-open lets exactly one probe through", events: [.fail(0), .fail(1), .fail(2), .allow(502, true), .allow(503, false),
                                                                       .allow(10_000, false)], state: .halfOpen, opens: 1),
        Case(name: "a probe's success closes it", events: [.fail(0), .fail(1), .fail(2), .allow(502, true), .succeed(510), .allow(511, true),
                                                         .allow(512, true)], state: .closed, opens: 1),
        Case(name: "a probe's failure opens it again for openMs", events: [.fail(0), .fail(1), .fail(2), .allow(502, true), .fail(510),
                                                                         .allow(1009, false), .allow(1010, true)], state: .halfOpen, opens: 2),
        Case(name: "after reopening it needs a full new count to open once closed",
             events: [.fail(0), .fail(1), .fail(2), .allow(502, true), .succeed(503), .fail(504), .fail(505), .allow(506, true)],
             state: .closed, opens: 1),
    ]

    @Test(arguments: cases)
    func breaker(_ scenario: Case) {
        var breaker = CircuitBreaker(settings: Self.settings)
        for (index, event) in scenario.events.enumerated() {
            switch event {
            case .fail(let at): breaker.recordFailure(at: Instant(millisecondsSinceEpoch: at))
            case .succeed(let at): breaker.recordSuccess(at: Instant(millisecondsSinceEpoch: at))
            case .allow(let at, let expected):
                #expect(breaker.allow(at: Instant(millisecondsSinceEpoch: at)) == expected, "event \(index): \(event)")
            }
        }
        #expect(breaker.state == scenario.state)
        #expect(breaker.opens == scenario.opens)
    }
}

extension CircuitBreakerTests {
    /// A call that went out while the breaker was closed and fails after it opened (10 calls in
    /// flight to a server that went down: 5 open it, 5 more fail later) is not another opening:
    /// `opens` (`agentd_breaker_opens_total`) counted 6, and each moved `openedAt` on.
    @Test func aLateFailureOfACallInFlightWhenItOpenedIsNotAnotherOpening() {
        var breaker = CircuitBreaker(settings: Self.settings)
        for at in [0, 1, 2] as [Int64] { breaker.recordFailure(at: Instant(millisecondsSinceEpoch: at)) }
        #expect(breaker.state == .open && breaker.opens == 1)
        let openedAt = breaker.openedAt
        breaker.recordFailure(at: Instant(millisecondsSinceEpoch: 100))
        #expect(breaker.state == .open)
        #expect(breaker.opens == 1)
        #expect(breaker.openedAt == openedAt)
    }
}

@Suite struct BackoffTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let attempt: Int
        let initial: Int
        let cap: Int
        let unit: Double
        let retryAfterMs: Int?
        let expected: Int
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unit 0 retries at once", attempt: 1, initial: 1000, cap: 60_000, unit: 0, retryAfterMs: nil, expected: 0),
        Case(name: "first attempt: up to initial", attempt: 1, initial: 1000, cap: 60_000, unit: 0.5, retryAfterMs: nil, expected: 500),
        Case(name: "doubles each attempt", attempt: 3, initial: 1000, cap: 60_000, unit: 0.5, retryAfterMs: nil, expected: 2000),
        Case(name: "capped at max_backoff_ms", attempt: 10, initial: 1000, cap: 5000, unit: 0.5, retryAfterMs: nil, expected: 2500),
        Case(name: "unit 1 stays below the ceiling", attempt: 1, initial: 1000, cap: 60_000, unit: 1.0, retryAfterMs: nil, expected: 999),
        Case(name: "a negative unit is 0", attempt: 1, initial: 1000, cap: 60_000, unit: -3, retryAfterMs: nil, expected: 0),
        Case(name: "a huge attempt does not overflow", attempt: 1000, initial: 1000, cap: 60_000, unit: 0.5, retryAfterMs: nil, expected: 30_000),
        Case(name: "attempt 0 counts as the first", attempt: 0, initial: 1000, cap: 60_000, unit: 0.5, retryAfterMs: nil, expected: 500),
        Case(name: "Retry-After is a floor", attempt: 1, initial: 1000, cap: 60_000, unit: 0.5, retryAfterMs: 3000, expected: 3000),
        Case(name: "Retry-After below the jitter changes nothing", attempt: 1, initial: 1000, cap: 60_000, unit: 0.5, retryAfterMs: 100,
             expected: 500),
        Case(name: "Retry-After beyond the cap still wins", attempt: 1, initial: 10, cap: 20, unit: 0.5, retryAfterMs: 5000, expected: 5000),
        Case(name: "Retry-After is bounded at an hour", attempt: 1, initial: 1000, cap: 60_000, unit: 0.5, retryAfterMs: 10_000_000,
             expected: 3_600_000),
        Case(name: "a negative Retry-After is ignored", attempt: 1, initial: 1000, cap: 60_000, unit: 0.5, retryAfterMs: -5, expected: 500),
        Case(name: "initial 0 retries at once", attempt: 4, initial: 0, cap: 0, unit: 0.7, retryAfterMs: nil, expected: 0),
    ]

    @Test(arguments: cases)
    func delay(_ scenario: Case) {
        let policy = RetryPolicy(maxAttempts: 5, initialBackoffMs: scenario.initial, maxBackoffMs: scenario.cap)
        let error = StepError(.rateLimited, "HTTP 429", retryAfterMs: scenario.retryAfterMs)
        #expect(Backoff.delayMs(afterAttempt: scenario.attempt, policy: policy, error: error, unit: scenario.unit) == scenario.expected)
    }

    /// Full jitter: for any unit in [0, 1) the delay is in [0, min(cap, initial × 2^(attempt-1))).
    @Test func fullJitterStaysWithinItsBounds() {
        var random = SeededGenerator(seed: testSeed("BackoffTests.fullJitterStaysWithinItsBounds"))
        for _ in 0..<10_000 {
            let initial = Int.random(in: 1...5000, using: &random)
            let cap = Int.random(in: initial...100_000, using: &random)
            let attempt = Int.random(in: 1...40, using: &random)
            let unit = Double.random(in: 0..<1, using: &random)
            let policy = RetryPolicy(maxAttempts: 50, initialBackoffMs: initial, maxBackoffMs: cap)
            let delay = Backoff.delayMs(afterAttempt: attempt, policy: policy, error: StepError(.serverError, "HTTP 500"), unit: unit)
            let ceiling = min(Double(cap), Double(initial) * pow(2, Double(min(attempt - 1, 30))))
            #expect(delay >= 0 && Double(delay) < ceiling, "initial \(initial) cap \(cap) attempt \(attempt) unit \(unit): \(delay)")
        }
    }

    @Test(arguments: [
        (1, 3, StepError.Kind.serverError, true), (2, 3, .serverError, true), (3, 3, .serverError, false), (4, 3, .serverError, false),
        (1, 3, .timeout, true), (1, 3, .rateLimited, true), (1, 3, .connection, true), (1, 3, .circuitOpen, true), (1, 3, .internal, true),
        (1, 3, .clientError, false), (1, 3, .validation, false), (1, 3, .budgetExceeded, false), (1, 3, .cancelled, false),
        (1, 3, .poisoned, false), (1, 3, .egressDenied, false), (1, 1, .serverError, false), (1, nil, .serverError, false),
    ] as [(Int, Int?, StepError.Kind, Bool)])
    func shouldRetry(attempt: Int, maxAttempts: Int?, kind: StepError.Kind, expected: Bool) {
        let policy = maxAttempts.map { RetryPolicy(maxAttempts: $0) }
        #expect(Backoff.shouldRetry(attempt: attempt, policy: policy, error: StepError(kind, "x")) == expected)
    }
}
