import Core
import Foundation
import HTTPTypes
import Hummingbird
import Platform

/// Request budgets: a token bucket per API key, per user and per org (limits from `[limits]`).
/// A request spends one token from each bucket that applies; when one is empty the answer is
/// 429 `rate_limited` with `Retry-After`. Successful answers and the 429 carry `RateLimit-Limit`,
/// `RateLimit-Remaining` and `RateLimit-Reset` for the tightest bucket.
///
/// Socket administrators (root, the admin group) are not limited: they are the box's operators.
/// Buckets live in memory; a restart refills them.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AgentRequestContext
    let limits: RateLimits
    let buckets: BucketStore
    let clock: WallClock

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let caller = context.caller, caller.scope.reach == .org else { return try await next(request, context) }
        var keys: [(String, Int)] = [("org:\(caller.scope.orgID.rawValue)", limits.orgPerHour)]
        if let user = caller.userID { keys.append(("user:\(user.rawValue)", limits.userPerHour)) }
        if caller.name.hasPrefix("key:") { keys.append((caller.name, limits.keyPerHour)) }
        let decision = buckets.take(keys, now: clock.now())
        if !decision.allowed {
            throw RateLimited(decision: decision)
        }
        var response = try await next(request, context)
        Self.addHeaders(decision, to: &response.headers)
        return response
    }

    static func addHeaders(_ decision: TokenBucket.Decision, to headers: inout HTTPFields) {
        headers[.rateLimitLimit] = String(decision.limit)
        headers[.rateLimitRemaining] = String(decision.remaining)
        headers[.rateLimitReset] = String((decision.resetMilliseconds + 999) / 1000)
    }
}

/// The configured budgets, per hour.
public struct RateLimits: Sendable, Hashable {
    public var keyPerHour: Int
    public var userPerHour: Int
    public var orgPerHour: Int

    public init(keyPerHour: Int = 1000, userPerHour: Int = 1000, orgPerHour: Int = 10_000) {
        self.keyPerHour = keyPerHour
        self.userPerHour = userPerHour
        self.orgPerHour = orgPerHour
    }
}

/// The error that becomes a 429 `rate_limited`.
struct RateLimited: Error {
    let decision: TokenBucket.Decision
}

/// All buckets, by key. Taking from several is all-or-nothing: a refused request spends nothing.
///
/// why @unchecked: `buckets` is guarded by `lock`.
///
/// Memory is bounded by `maximumKeys`: when full, buckets that have refilled (the same as new
/// ones) are forgotten first; only if that frees too little is everything forgotten.
public final class BucketStore: @unchecked Sendable {
    private let lock = NSLock()
    private var buckets: [String: TokenBucket] = [:]
    private let maximumKeys: Int
    static let hour = Milliseconds.hour

    public init(maximumKeys: Int = 100_000) {
        self.maximumKeys = max(1, maximumKeys)
    }

    /// How many buckets are held (for tests of the bound).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return buckets.count
    }

    func take(_ keys: [(String, Int)], now: Instant, periodMilliseconds: Int64 = BucketStore.hour) -> TokenBucket.Decision {
        lock.lock()
        defer { lock.unlock() }
        if buckets.count >= maximumKeys {
            buckets = buckets.filter { !$0.value.isFull(now: now) }
            // why a tenth: pruning is a full scan; leave room so it is not redone at every request.
            if buckets.count >= maximumKeys - maximumKeys / 10 { buckets.removeAll(keepingCapacity: true) }
        }
        var taken: [(String, TokenBucket?)] = []
        var tightest: TokenBucket.Decision?
        for (key, capacity) in keys {
            let original = buckets[key]
            var bucket = original ?? TokenBucket(capacity: capacity, periodMilliseconds: periodMilliseconds, now: now)
            let decision = bucket.take(now: now)
            guard decision.allowed else {
                // All or nothing: give back what this request took from the other buckets.
                for (takenKey, previous) in taken { buckets[takenKey] = previous }
                return decision
            }
            buckets[key] = bucket
            taken.append((key, original))
            if let current = tightest, current.remaining <= decision.remaining { continue }
            tightest = decision
        }
        return tightest ?? TokenBucket.Decision(allowed: true, limit: 0, remaining: 0, retryAfterMilliseconds: 0, resetMilliseconds: 0)
    }
}

extension HTTPField.Name {
    static let rateLimitLimit = HTTPField.Name("RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("RateLimit-Reset")!
}
