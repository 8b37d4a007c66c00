/// What a password must be. Pure: the API calls it before hashing anything.
public struct PasswordPolicy: Sendable, Hashable {
    public var minimumLength: Int
    public var maximumLength: Int
    /// How many previous passwords may not be used again.
    public var historyDepth: Int

    public init(minimumLength: Int = 12, maximumLength: Int = 256, historyDepth: Int = 5) {
        self.minimumLength = minimumLength
        self.maximumLength = maximumLength
        self.historyDepth = historyDepth
    }

    /// The first rule `password` breaks, or nil. (Reuse is checked against stored hashes by the caller.)
    public func check(_ password: String, login: String) -> FieldViolation? {
        let length = password.count
        if length < minimumLength {
            return FieldViolation(field: "password", message: "must be at least \(minimumLength) characters; a passphrase of several words is easiest")
        }
        if length > maximumLength {
            return FieldViolation(field: "password", message: "must be at most \(maximumLength) characters")
        }
        let lowered = password.lowercased()
        if CommonPasswords.contains(lowered) {
            return FieldViolation(field: "password", message: "is one of the most common passwords; choose another")
        }
        if Set(lowered).count <= 2 {
            return FieldViolation(field: "password", message: "repeats too few different characters")
        }
        let name = login.split(separator: "@").first.map { String($0).lowercased() } ?? login.lowercased()
        if name.count >= 3 && lowered.contains(name) {
            return FieldViolation(field: "password", message: "must not contain the login name")
        }
        return nil
    }
}

/// Lockout with backoff after repeated failed logins: the `freeAttempts`-th consecutive failure
/// locks the account for `firstLockMilliseconds`; each later one locks it twice as long as the
/// one before, up to `capMilliseconds`.
public struct LockoutPolicy: Sendable, Hashable {
    public var freeAttempts: Int
    public var firstLockMilliseconds: Int64
    public var capMilliseconds: Int64

    public init(freeAttempts: Int = 5, firstLockMilliseconds: Int64 = 60_000, capMilliseconds: Int64 = 3_600_000) {
        self.freeAttempts = freeAttempts
        self.firstLockMilliseconds = firstLockMilliseconds
        self.capMilliseconds = capMilliseconds
    }

    /// Until when the account is locked after `failures` consecutive failures (nil: not locked).
    public func lockedUntil(failures: Int, now: Instant) -> Instant? {
        guard failures >= freeAttempts else { return nil }
        let doublings = min(failures - freeAttempts, 20)
        let lock = min(capMilliseconds, firstLockMilliseconds << Int64(doublings))
        return now.adding(milliseconds: lock)
    }
}

/// When a login session stops being valid.
public struct SessionPolicy: Sendable, Hashable {
    /// A session unused this long expires.
    public var idleMilliseconds: Int64
    /// A session expires this long after login, however busy.
    public var absoluteMilliseconds: Int64

    public init(idleMilliseconds: Int64 = 30 * 60_000, absoluteMilliseconds: Int64 = 12 * 3_600_000) {
        self.idleMilliseconds = idleMilliseconds
        self.absoluteMilliseconds = absoluteMilliseconds
    }

    public func expiry(createdAt: Instant, lastSeenAt: Instant) -> Instant {
        min(createdAt.adding(milliseconds: absoluteMilliseconds), lastSeenAt.adding(milliseconds: idleMilliseconds))
    }

    public func isActive(createdAt: Instant, lastSeenAt: Instant, now: Instant) -> Bool {
        now < expiry(createdAt: createdAt, lastSeenAt: lastSeenAt)
    }
}
