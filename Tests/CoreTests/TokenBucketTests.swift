import Core
import Testing

@Suite struct TokenBucketTests {
    let start = Instant(millisecondsSinceEpoch: 1_000_000)

    @Test func allowsCapacityThenRefusesWithRetryAfter() {
        var bucket = TokenBucket(capacity: 3, periodMilliseconds: 3_000, now: start)
        let decisions = (0..<4).map { _ in bucket.take(now: start) }
        #expect(decisions.map(\.allowed) == [true, true, true, false])
        #expect(decisions.map(\.remaining) == [2, 1, 0, 0])
        #expect(decisions[3].retryAfterMilliseconds == 1_000)
    }

    @Test func refillsEvenlyOverThePeriod() {
        var bucket = TokenBucket(capacity: 3, periodMilliseconds: 3_000, now: start)
        for _ in 0..<3 { _ = bucket.take(now: start) }
        #expect(!bucket.take(now: start.adding(milliseconds: 999)).allowed)
        #expect(bucket.take(now: start.adding(milliseconds: 1_000)).allowed)
        #expect(!bucket.take(now: start.adding(milliseconds: 1_000)).allowed)
    }

    @Test func neverHoldsMoreThanItsCapacity() {
        var bucket = TokenBucket(capacity: 2, periodMilliseconds: 1_000, now: start)
        let later = start.adding(milliseconds: 1_000_000)
        #expect((0..<3).map { _ in bucket.take(now: later).allowed } == [true, true, false])
    }

    @Test func aThousandAnHourIsOneEveryThreePointSixSeconds() {
        var bucket = TokenBucket(capacity: 1000, periodMilliseconds: 3_600_000, now: start)
        for _ in 0..<1000 { _ = bucket.take(now: start) }
        let refused = bucket.take(now: start)
        #expect(!refused.allowed)
        #expect(refused.retryAfterMilliseconds == 3_600)
    }
}

@Suite struct PolicyTests {
    let now = Instant(millisecondsSinceEpoch: 5_000_000)

    @Test func lockoutDoublesAfterTheFreeAttemptsUpToTheCap() {
        let policy = LockoutPolicy(freeAttempts: 5, firstLockMilliseconds: 60_000, capMilliseconds: 600_000)
        #expect(policy.lockedUntil(failures: 4, now: now) == nil)
        #expect(policy.lockedUntil(failures: 5, now: now) == now.adding(milliseconds: 60_000))
        #expect(policy.lockedUntil(failures: 6, now: now) == now.adding(milliseconds: 120_000))
        #expect(policy.lockedUntil(failures: 40, now: now) == now.adding(milliseconds: 600_000))
    }

    @Test func sessionsEndWhenIdleOrTooOld() {
        let policy = SessionPolicy(idleMilliseconds: 1_000, absoluteMilliseconds: 10_000)
        #expect(policy.isActive(createdAt: now, lastSeenAt: now, now: now.adding(milliseconds: 999)))
        #expect(!policy.isActive(createdAt: now, lastSeenAt: now, now: now.adding(milliseconds: 1_000)))
        let busy = now.adding(milliseconds: 9_500)
        #expect(!policy.isActive(createdAt: now, lastSeenAt: busy, now: now.adding(milliseconds: 10_000)))
    }

    @Test(arguments: [("correct horse battery staple", true), ("short", false), ("password1234", false),
                      ("zzzzzzzzzzzzzz", false), ("alice-rules-forever", false)])
    func passwordPolicy(_ password: String, _ ok: Bool) {
        #expect((PasswordPolicy().check(password, login: "alice@acme") == nil) == ok)
    }

    @Test func theCommonListShipsInTheBinary() {
        #expect(CommonPasswords.count > 100)
        #expect(CommonPasswords.contains("password1234"))
    }
}
