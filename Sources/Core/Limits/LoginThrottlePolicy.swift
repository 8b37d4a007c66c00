import Foundation

/// How password logins are throttled before any hash is checked: a token bucket per client
/// address and one per login name, each refilled over `periodMilliseconds`.
///
/// why two kinds and no global one: a shared bucket for every login let about twenty addresses
/// exhaust it and block everyone's logins. Per address bounds one client; per login bounds
/// guessing one account from many addresses (besides the lockout), and exhausting it blocks
/// that login only. The login bucket is keyed by the name as typed (normalised), whether or not
/// such a user exists, so its 429 tells nothing about existence.
public struct LoginThrottlePolicy: Sendable, Hashable {
    public var perAddress: Int
    public var perLogin: Int
    public var periodMilliseconds: Int64
    /// Logins are at most this long (`UserRules`); longer names are cut so keys stay small.
    public static let maximumLoginLength = 128

    public init(perAddress: Int = 30, perLogin: Int = 10, periodMilliseconds: Int64 = 60_000) {
        self.perAddress = perAddress
        self.perLogin = perLogin
        self.periodMilliseconds = periodMilliseconds
    }

    /// The buckets (key, capacity) one attempt from `address` for `login` takes a token from.
    ///
    /// ```swift
    /// LoginThrottlePolicy().buckets(address: "10.0.0.7", login: " Alice ")
    /// // [("login-address:10.0.0.7", 30), ("login-name:alice", 10)]
    /// ```
    public func buckets(address: String, login: String) -> [(key: String, capacity: Int)] {
        [("login-address:\(address)", perAddress), ("login-name:\(Self.normalise(login))", perLogin)]
    }

    /// The form a login name is counted under: trimmed, lower-cased (logins are lower case, so
    /// `Alice` and `alice` are one account's guesses), and cut to `maximumLoginLength`.
    public static func normalise(_ login: String) -> String {
        String(login.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().prefix(maximumLoginLength))
    }
}
