import Core
import AgentSecurity
import Storage

extension LoginService {
    /// Sets the password of `reference` (a login or user ID) to `password`, as `caller`.
    ///
    /// Another user's password needs users.manage, and a caller without it learns nothing about
    /// other users (403 before any look-up). One's own password needs a person, not a key
    /// (`loginSessionRequired`), and the current password when one is set. The new one must
    /// pass the policy and not be among the last `historyDepth + 1`. The caller's own session
    /// survives the change; the user's other sessions end.
    public func setPassword(of reference: String, to password: String, currentPassword: String?, caller: Caller,
                            change: ChangeContext) async throws {
        // why first: a caller without users.manage must learn nothing about other users.
        let namesSelf = reference == caller.login || UserID(reference) == caller.userID
        if !namesSelf && !caller.scope.allows(.usersManage) { throw APIError.forbidden(.usersManage) }
        let policy = passwordPolicy
        let (user, hashes) = try await logins.passwordHashes(of: reference, in: caller.scope, depth: policy.historyDepth,
                                                             actingUser: caller.userID)
        let ownPassword = user.id == caller.userID
        // why: an admin could mint a key owned by this user; with no password set yet, the key
        // alone would otherwise choose one (no current password to give) and take the account.
        if ownPassword { try caller.requirePerson("Changing your own password") }
        if !ownPassword {
            guard caller.scope.allows(.usersManage) else { throw APIError.forbidden(.usersManage) }
        } else if !hashes.isEmpty {
            // why: a stolen session must not be enough to take over the account for good.
            guard let currentPassword, await PasswordLogin.verifyOffThread(currentPassword, against: hashes[0]) else {
                throw ValidationError(field: "current_password", "is missing or wrong")
            }
        }
        if let violation = policy.check(password, login: user.login) { throw ValidationError([violation]) }
        for old in hashes where await PasswordLogin.verifyOffThread(password, against: old) {
            throw ValidationError(field: "password", "was used recently; choose one not among your last \(policy.historyDepth + 1)")
        }
        guard let hash = await PasswordLogin.hashOffThread(password) else {
            throw APIError.notReady("The password could not be hashed (out of memory); try again.")
        }
        try await logins.setPassword(of: user.id, hash: hash, historyDepth: policy.historyDepth,
                                     keeping: ownPassword ? caller.sessionID : nil, context: change)
    }
}
