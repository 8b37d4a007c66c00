import Core
import GRDB

/// The storage side of `UserAuthority`: reads what the rule needs about the target, inside the
/// transaction that then acts, and throws the rule's refusal.
extension UserStore {
    /// Throws unless the caller of `scope` (the user `actingUser`) may act on `user`: it must be
    /// able to grant each role `user` holds in the orgs `scope` reaches.
    static func checkAuthority(over user: User, scope: Scope, actingUser: UserID?, _ db: Database) throws {
        let roles = try memberships(of: user.id, in: scope, db).map(\.role)
        if let refusal = UserAuthority.refusal(caller: scope, actingUser: actingUser, target: user.id, login: user.login,
                                               roles: roles) {
            throw refusal
        }
    }

    static func checkAuthority(over user: User, _ context: ChangeContext, _ db: Database) throws {
        try checkAuthority(over: user, scope: context.scope, actingUser: context.actingUser, db)
    }

    /// Throws unless `context` may set or clear host uid mappings (installation reach only).
    static func checkHostUID(_ context: ChangeContext) throws {
        if let refusal = UserAuthority.hostUIDRefusal(caller: context.scope) { throw refusal }
    }
}
