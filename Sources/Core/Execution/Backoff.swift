/// When the next attempt of a failed step may start: exponential backoff with full jitter
/// (a uniformly random delay between 0 and min(cap, initial × 2^(attempt-1))), never before a
/// server's Retry-After. `unit` is a random number in [0, 1) passed in, so this stays pure.
public enum Backoff {
    public static func delayMs(afterAttempt attempt: Int, policy: RetryPolicy, error: StepError, unit: Double) -> Int {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(Double(policy.maxBackoffMs), Double(policy.initialBackoffMs) * Double(1 << exponent))
        let jittered = Int(ceiling * min(max(unit, 0), 0.999_999))
        return max(jittered, min(max(error.retryAfterMs ?? 0, 0), 3_600_000))
    }

    /// Whether a failed attempt is tried again.
    public static func shouldRetry(attempt: Int, policy: RetryPolicy?, error: StepError) -> Bool {
        guard error.retryable, let policy else { return false }
        return attempt < policy.maxAttempts
    }
}
