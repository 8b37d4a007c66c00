/// A token bucket: `capacity` requests at once, refilled evenly over `periodMilliseconds`.
/// Pure: the caller keeps the value and passes the time in.
public struct TokenBucket: Hashable, Sendable {
    public let capacity: Int
    public let periodMilliseconds: Int64
    /// Tokens left, in thousandths (so that slow refill rates are not rounded away).
    private(set) var milliTokens: Int64
    private(set) var updatedAt: Instant

    public init(capacity: Int, periodMilliseconds: Int64, now: Instant) {
        self.capacity = max(1, capacity)
        self.periodMilliseconds = max(1, periodMilliseconds)
        self.milliTokens = Int64(self.capacity) * 1000
        self.updatedAt = now
    }

    /// The outcome of asking for one token.
    public struct Decision: Hashable, Sendable {
        public let allowed: Bool
        public let limit: Int
        public let remaining: Int
        /// Milliseconds until one more token is available (0 when allowed).
        public let retryAfterMilliseconds: Int64
        /// Milliseconds until the bucket is full again.
        public let resetMilliseconds: Int64

        public init(allowed: Bool, limit: Int, remaining: Int, retryAfterMilliseconds: Int64, resetMilliseconds: Int64) {
            self.allowed = allowed
            self.limit = limit
            self.remaining = remaining
            self.retryAfterMilliseconds = retryAfterMilliseconds
            self.resetMilliseconds = resetMilliseconds
        }
    }

    /// True when the bucket has refilled to capacity by `now`: it is then the same as a new
    /// one, so a store short of room may forget it without letting anyone spend more.
    public func isFull(now: Instant) -> Bool {
        let elapsed = max(0, now.millisecondsSinceEpoch - updatedAt.millisecondsSinceEpoch)
        let full = Int64(capacity) * 1000
        let refill = elapsed.multipliedReportingOverflow(by: full)
        return refill.overflow || milliTokens + refill.partialValue / periodMilliseconds >= full
    }

    /// Refills for the time passed, then takes one token if there is one.
    public mutating func take(now: Instant) -> Decision {
        let elapsed = max(0, now.millisecondsSinceEpoch - updatedAt.millisecondsSinceEpoch)
        let full = Int64(capacity) * 1000
        // Refill: capacity tokens per period → capacity*1000 milli-tokens per period.
        let refill = elapsed.multipliedReportingOverflow(by: full)
        milliTokens = refill.overflow ? full : min(full, milliTokens + refill.partialValue / periodMilliseconds)
        updatedAt = now
        let perToken = max(1, periodMilliseconds / Int64(capacity))
        if milliTokens >= 1000 {
            milliTokens -= 1000
            return Decision(allowed: true, limit: capacity, remaining: Int(milliTokens / 1000), retryAfterMilliseconds: 0,
                            resetMilliseconds: (full - milliTokens) * periodMilliseconds / full)
        }
        let missing = 1000 - milliTokens
        return Decision(allowed: false, limit: capacity, remaining: 0,
                        retryAfterMilliseconds: max(1, (missing * perToken + 999) / 1000),
                        resetMilliseconds: (full - milliTokens) * periodMilliseconds / full)
    }
}
