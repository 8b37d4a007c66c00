import Core
import AgentSecurity
import Storage

extension LoginService {
    /// Removes the second factor of `reference` (a login or user ID), as `caller`.
    ///
    /// Another user's needs users.manage. One's own needs a person, not a key
    /// (`loginSessionRequired`), and a current code or a recovery code (`code`); guessing codes
    /// is throttled like logins, 5 a minute per user (`RateLimited`).
    public func removeMFA(of reference: String, code: String?, caller: Caller, change: ChangeContext) async throws {
        let own = reference == caller.login || UserID(reference) == caller.userID
        if !own && !caller.scope.allows(.usersManage) { throw APIError.forbidden(.usersManage) }
        if own, let user = caller.userID {
            try caller.requirePerson("Removing your own MFA")
            // why: a stolen session or key alone must not be enough to strip the second factor.
            let decision = loginBuckets.take([("mfa-remove:\(user.rawValue)", 5)], now: clock.now(), periodMilliseconds: Milliseconds.minute)
            guard decision.allowed else { throw RateLimited(decision: decision) }
            guard try await mfa.checkOwnCode(code ?? "", user: user, now: clock.now(), requestID: change.requestID) else {
                throw ValidationError(field: "code", "give a current code from your app or a recovery code (?code=…)")
            }
        }
        try await mfaStore.remove(reference, context: change, actingUser: caller.userID)
    }
}
