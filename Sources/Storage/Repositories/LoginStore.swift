import Core
import Foundation
import GRDB

/// A login session as stored and shown: never its secret.
public struct Session: Sendable, Hashable {
    public let id: SessionID
    public let userID: UserID
    public let orgID: OrgID
    public let createdAt: Instant
    public let lastSeenAt: Instant
    public let revokedAt: Instant?
    /// Where the login came from, for people reviewing sessions (listener and user agent).
    public let client: String
    /// Opened by a user who must enrol in MFA first: it may only enrol (and log out).
    public let mfaPending: Bool
}

/// Passwords, failed-login counting and sessions. Password hashes are computed by the caller
/// (Argon2id takes tens of milliseconds and must not run on the writer thread).
///
/// `candidate` and `session(_:)` read by login or token before any scope exists: they serve
/// authentication only.
public struct LoginStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    // MARK: Passwords

    /// The user and its current and previous password hashes (newest first), for the reuse check.
    /// When `actingUser` is someone else, an org-scoped caller may set the password only of a
    /// user of its org alone.
    public func passwordHashes(of reference: String, in scope: Scope, depth: Int,
                               actingUser: UserID?) async throws -> (User, [String]) {
        try await database.read { db in
            let user = try UserStore.resolve(reference, in: scope, db)
            if user.id != actingUser {
                try UserStore.checkOnlyInScope(user, scope, db)
                try UserStore.checkAuthority(over: user, scope: scope, actingUser: actingUser, db)
            }
            var hashes = try String.fetchAll(db, sql: "SELECT hash FROM password WHERE user_id = ?", arguments: [user.id.rawValue])
            hashes += try String.fetchAll(db, sql: "SELECT hash FROM password_history WHERE user_id = ? ORDER BY set_at DESC LIMIT ?",
                                          arguments: [user.id.rawValue, depth])
            return (user, hashes)
        }
    }

    /// Sets a user's password (already hashed), keeping the old one in the history, clearing any
    /// lockout, and ending the user's sessions except `keeping` (the one making the change).
    public func setPassword(of user: UserID, hash: String, historyDepth: Int, keeping: SessionID? = nil,
                            context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            if let old = try Row.fetchOne(db, sql: "SELECT hash, set_at FROM password WHERE user_id = ?", arguments: [user.rawValue]) {
                try db.execute(sql: "INSERT INTO password_history (user_id, hash, set_at) VALUES (?, ?, ?)",
                               arguments: [user.rawValue, old["hash"] as String, old["set_at"] as Int64])
                try db.execute(sql: """
                    DELETE FROM password_history WHERE user_id = ? AND rowid NOT IN
                        (SELECT rowid FROM password_history WHERE user_id = ? ORDER BY set_at DESC LIMIT ?)
                    """, arguments: [user.rawValue, user.rawValue, historyDepth])
            }
            try db.execute(sql: """
                INSERT INTO password (user_id, hash, set_at) VALUES (?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, set_at = excluded.set_at,
                    failed_count = 0, locked_until = NULL
                """, arguments: [user.rawValue, hash, context.now.millisecondsSinceEpoch])
            // why: whoever knew the old password may hold a session; a new password ends them.
            try db.execute(sql: "UPDATE session SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id != ?",
                           arguments: [context.now.millisecondsSinceEpoch, user.rawValue, keeping?.rawValue ?? ""])
            try audit.append(AuditEntry(at: context.now, orgID: context.scope.orgID.rawValue, actor: context.actor,
                                        action: .passwordChanged, targetType: ResourceType.user.rawValue,
                                        targetID: user.rawValue, requestID: context.requestID), in: db)
        }
    }

    // MARK: Login

    /// What a login attempt needs to know about a login name.
    public struct Candidate: Sendable {
        public let user: User
        public let passwordHash: String?
        public let failedCount: Int
        public let lockedUntil: Instant?
        /// The membership the session will act in (`orgName`, else the oldest); nil if none.
        public let membership: Membership?
        /// The user's TOTP enrolment, if any.
        public let mfa: MFAStore.State?
        /// Whether the membership's org requires MFA of the membership's role.
        public let mfaRequired: Bool
        /// The membership's org requires SSO and this login is not one of its break-glass
        /// accounts: the providers it may log in through instead (`/auth/login/NAME`).
        public let ssoOnly: [String]?
    }

    public func candidate(login: String, orgName: String?) async throws -> Candidate? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM user_account WHERE login = ?", arguments: [login]) else {
                return nil
            }
            let user = try UserStore.user(from: row)
            let password = try Row.fetchOne(db, sql: "SELECT * FROM password WHERE user_id = ?", arguments: [user.id.rawValue])
            var sql = """
                SELECT m.org_id, m.role, o.mfa_required_roles, o.sso_required, o.sso_break_glass
                FROM membership m JOIN org o ON o.id = m.org_id WHERE m.user_id = ?
                """
            var arguments: [any DatabaseValueConvertible] = [user.id.rawValue]
            if let orgName {
                sql += " AND (o.name = ? OR o.id = ?)"
                arguments += [orgName, orgName]
            }
            let member = try Row.fetchOne(db, sql: sql + " ORDER BY m.created_at, m.org_id LIMIT 1", arguments: StatementArguments(arguments))
            var membership: Membership?
            if let member, let org = OrgID(member["org_id"]), let role = try RoleStore.resolve(member["role"], org: org, db) {
                membership = Membership(orgID: org, userID: user.id, role: role)
            }
            let required = member.map { MFAStore.roleNames($0["mfa_required_roles"]) } ?? []
            var ssoOnly: [String]?
            if let membership, case let requirement = try SSOStore.requirement(membership.orgID, db),
               !SSOLoginRules.passwordAllowed(login: user.login, ssoRequired: requirement.required, breakGlass: requirement.breakGlass) {
                ssoOnly = try String.fetchAll(db, sql: "SELECT name FROM sso_provider WHERE org_id = ? ORDER BY name",
                                              arguments: [membership.orgID.rawValue])
            }
            return Candidate(user: user, passwordHash: password?["hash"], failedCount: password?["failed_count"] ?? 0,
                             lockedUntil: (password?["locked_until"] as Int64?).map { Instant(millisecondsSinceEpoch: $0) },
                             membership: membership, mfa: try MFAStore.state(user.id, db),
                             mfaRequired: membership.map { required.contains($0.role.name) } ?? false, ssoOnly: ssoOnly)
        }
    }

    /// Counts a failed attempt and locks the account when `lockout` says the new count earns it;
    /// returns the new count and lock, audited.
    ///
    /// why one statement: the count read at the start of a login is stale by the time the slow
    /// hash check has failed; parallel guesses computing `read + 1` would all write the same
    /// number and the lockout would never come. `failed_count + 1 ... RETURNING` counts each.
    public func recordFailure(_ user: User, lockout: LockoutPolicy, orgID: OrgID?, requestID: String?,
                              now: Instant) async throws -> (failures: Int, lockedUntil: Instant?) {
        let audit = self.audit
        return try await database.writer.submit { db in
            let failures = try Int.fetchOne(db, sql: """
                UPDATE password SET failed_count = failed_count + 1 WHERE user_id = ? RETURNING failed_count
                """, arguments: [user.id.rawValue]) ?? 1
            let lockedUntil = lockout.lockedUntil(failures: failures, now: now)
            if let lockedUntil {
                // max: a later failure in a race never shortens a lock an earlier one set.
                try db.execute(sql: "UPDATE password SET locked_until = max(coalesce(locked_until, 0), ?) WHERE user_id = ?",
                               arguments: [lockedUntil.millisecondsSinceEpoch, user.id.rawValue])
            }
            var details = ["login": user.login, "failures": String(failures)]
            if let lockedUntil { details["locked_until"] = lockedUntil.rfc3339 }
            try audit.append(AuditEntry(at: now, orgID: orgID?.rawValue, actor: "login:\(user.login)",
                                        action: lockedUntil == nil ? .loginFailed : .loginLocked, outcome: .denied,
                                        targetType: ResourceType.user.rawValue, targetID: user.id.rawValue,
                                        requestID: requestID, details: details), in: db)
            return (failures, lockedUntil)
        }
    }

    /// Records a successful login: clears failures and stores the new session, audited.
    public func startSession(id: SessionID, secretHash: [UInt8], membership: Membership, login: String, client: String,
                             mfaPending: Bool, ssoProvider: String? = nil, requestID: String?, now: Instant) async throws -> Session {
        let audit = self.audit
        return try await database.writer.submit { db in
            try db.execute(sql: "UPDATE password SET failed_count = 0, locked_until = NULL WHERE user_id = ?",
                           arguments: [membership.userID.rawValue])
            try db.execute(sql: """
                INSERT INTO session (id, user_id, org_id, secret_hash, created_at, last_seen_at, client, mfa_pending, sso_provider)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id.rawValue, membership.userID.rawValue, membership.orgID.rawValue, Data(secretHash),
                                 now.millisecondsSinceEpoch, now.millisecondsSinceEpoch, client, mfaPending, ssoProvider])
            var details = ["login": login, "client": client, "mfa_pending": String(mfaPending)]
            if let ssoProvider { details["sso_provider"] = ssoProvider }
            try audit.append(AuditEntry(at: now, orgID: membership.orgID.rawValue, actor: "user:\(membership.userID.rawValue)",
                                        action: .loginSucceeded, targetType: ResourceType.session.rawValue,
                                        targetID: id.rawValue, requestID: requestID, details: details), in: db)
            return Session(id: id, userID: membership.userID, orgID: membership.orgID, createdAt: now, lastSeenAt: now,
                           revokedAt: nil, client: client, mfaPending: mfaPending)
        }
    }

    // MARK: Sessions

    /// A session's row, its owner's role in the session's org, for authentication only.
    public struct SessionCredential: Sendable {
        public let session: Session
        public let secretHash: [UInt8]
        public let ownerRole: MemberRole?
        public let ownerLogin: String
        public let ownerTeams: Set<TeamID>
    }

    public func credential(_ id: SessionID) async throws -> SessionCredential? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.*, u.login AS owner_login, u.disabled_at AS owner_disabled, m.role AS owner_role
                FROM session s JOIN user_account u ON u.id = s.user_id
                LEFT JOIN membership m ON m.org_id = s.org_id AND m.user_id = s.user_id
                WHERE s.id = ?
                """, arguments: [id.rawValue]) else { return nil }
            let disabled = (row["owner_disabled"] as Int64?) != nil
            let hash: Data = row["secret_hash"]
            let session = try Self.session(from: row)
            let role = disabled ? nil : try (row["owner_role"] as String?).flatMap { try RoleStore.resolve($0, org: session.orgID, db) }
            return SessionCredential(session: session, secretHash: Array(hash), ownerRole: role, ownerLogin: row["owner_login"],
                                     ownerTeams: try TeamStore.teams(of: session.userID, in: session.orgID, db))
        }
    }

    /// Lifts the enrolment-only restriction from a user's sessions once MFA is confirmed.
    public func clearMFAPending(of user: UserID) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE session SET mfa_pending = 0 WHERE user_id = ?", arguments: [user.rawValue])
        }
    }

    /// The identity provider a session was opened through, if any (for the IdP's logout).
    public func ssoProvider(of session: SessionID) async throws -> String? {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT sso_provider FROM session WHERE id = ?", arguments: [session.rawValue])
        }
    }

    public func touch(_ id: SessionID, at now: Instant) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE session SET last_seen_at = max(last_seen_at, ?) WHERE id = ?",
                           arguments: [now.millisecondsSinceEpoch, id.rawValue])
        }
    }

    /// A user's sessions in `org` that have not been revoked, newest first. Per org: a caller
    /// acting in one org learns nothing of (and ends nothing in) the user's other orgs.
    public func sessions(of user: UserID, in org: OrgID) async throws -> [Session] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM session WHERE user_id = ? AND org_id = ? AND revoked_at IS NULL ORDER BY id DESC",
                             arguments: [user.rawValue, org.rawValue]).map(Self.session(from:))
        }
    }

    /// Revokes a session. `mayRevokeOthers` lets an administrator end other users' sessions in
    /// its scope, of users it could grant the roles of; anyone may end their own in the org they
    /// act in (`byUser` nil: the caller owns no sessions, e.g. an API key).
    public func revoke(_ reference: String, byUser: UserID?, mayRevokeOthers: Bool, logout: Bool,
                       context: ChangeContext) async throws -> Session {
        let audit = self.audit
        return try await database.writer.submit { db in
            guard let id = SessionID(reference),
                  let row = try Row.fetchOne(db, sql: "SELECT * FROM session WHERE id = ?", arguments: [id.rawValue]) else {
                throw StorageError.notFound(.session, id: reference)
            }
            let session = try Self.session(from: row)
            let own = session.userID == byUser && session.orgID == context.scope.orgID
            guard own || (mayRevokeOthers && context.scope.canSee(org: session.orgID)) else {
                throw StorageError.notFound(.session, id: reference)
            }
            if !own, let owner = try Row.fetchOne(db, sql: "SELECT * FROM user_account WHERE id = ?",
                                                  arguments: [session.userID.rawValue]) {
                try UserStore.checkAuthority(over: UserStore.user(from: owner), context, db)
            }
            try db.execute(sql: "UPDATE session SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                           arguments: [context.now.millisecondsSinceEpoch, id.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: session.orgID.rawValue, actor: context.actor,
                                        action: logout ? .logout : .sessionRevoked, targetType: ResourceType.session.rawValue,
                                        targetID: id.rawValue, requestID: context.requestID), in: db)
            return session
        }
    }

    static func session(from row: Row) throws -> Session {
        let idText: String = row["id"]
        guard let id = SessionID(idText), let user = UserID(row["user_id"]), let org = OrgID(row["org_id"]) else {
            throw StorageError.notFound(.session, id: idText)
        }
        return Session(id: id, userID: user, orgID: org, createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
                       lastSeenAt: Instant(millisecondsSinceEpoch: row["last_seen_at"]),
                       revokedAt: (row["revoked_at"] as Int64?).map { Instant(millisecondsSinceEpoch: $0) },
                       client: row["client"], mfaPending: row["mfa_pending"])
    }
}
