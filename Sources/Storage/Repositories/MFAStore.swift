import Core
import Foundation
import GRDB

/// TOTP enrolment, use and removal, recovery codes, and each org's MFA policy. Seeds arrive
/// sealed and codes arrive hashed: this store never sees a secret in the clear.
public struct MFAStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    public struct State: Sendable {
        public let secretBox: [UInt8]
        public let confirmed: Bool
        public let lastStep: Int64?
    }

    public func state(of user: UserID) async throws -> State? {
        try await database.read { db in try Self.state(user, db) }
    }

    static func state(_ user: UserID, _ db: Database) throws -> State? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM mfa_totp WHERE user_id = ?", arguments: [user.rawValue]) else {
            return nil
        }
        let box: Data = row["secret_box"]
        return State(secretBox: Array(box), confirmed: (row["confirmed_at"] as Int64?) != nil, lastStep: row["last_step"])
    }

    /// Stores a new, unconfirmed seed and recovery codes (replacing an unconfirmed enrolment).
    public func startEnrolment(of user: UserID, secretBox: [UInt8], recoveryHashes: [[UInt8]], context: ChangeContext) async throws {
        let audit = self.audit
        let now = context.now
        try await database.writer.submit { db in
            if let existing = try Self.state(user, db), existing.confirmed {
                throw StorageError.alreadyExists(.user, field: "mfa", value: "totp")
            }
            try db.execute(sql: """
                INSERT INTO mfa_totp (user_id, secret_box, created_at) VALUES (?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET secret_box = excluded.secret_box, created_at = excluded.created_at,
                    confirmed_at = NULL, last_step = NULL
                """, arguments: [user.rawValue, Data(secretBox), now.millisecondsSinceEpoch])
            try db.execute(sql: "DELETE FROM mfa_recovery_code WHERE user_id = ?", arguments: [user.rawValue])
            for hash in recoveryHashes {
                try db.execute(sql: "INSERT INTO mfa_recovery_code (user_id, code_hash) VALUES (?, ?)",
                               arguments: [user.rawValue, Data(hash)])
            }
            try audit.append(AuditEntry(at: now, orgID: context.scope.orgID.rawValue, actor: context.actor,
                                        action: .mfaEnrolmentStarted, targetType: ResourceType.user.rawValue,
                                        targetID: user.rawValue, requestID: context.requestID), in: db)
        }
    }

    /// Marks the enrolment confirmed with the step of the code that proved it.
    public func confirm(_ user: UserID, step: Int64, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE mfa_totp SET confirmed_at = ?, last_step = ? WHERE user_id = ? AND confirmed_at IS NULL",
                           arguments: [context.now.millisecondsSinceEpoch, step, user.rawValue])
            guard db.changesCount == 1 else { throw StorageError.notFound(.user, id: "pending MFA enrolment") }
            try audit.append(AuditEntry(at: context.now, orgID: context.scope.orgID.rawValue, actor: context.actor,
                                        action: .mfaEnrolled, targetType: ResourceType.user.rawValue, targetID: user.rawValue,
                                        requestID: context.requestID), in: db)
        }
    }

    /// Records that the code of `step` was used; false if that step (or a later one) was already
    /// used: a replayed code. Conditional, so two logins racing with one code cannot both win.
    public func use(_ user: UserID, step: Int64) async throws -> Bool {
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE mfa_totp SET last_step = ? WHERE user_id = ? AND (last_step IS NULL OR last_step < ?)",
                           arguments: [step, user.rawValue, step])
            return db.changesCount == 1
        }
    }

    /// Spends a recovery code; false if no unused code has that hash.
    public func useRecoveryCode(_ user: UserID, hash: [UInt8], orgID: OrgID?, now: Instant, requestID: String?) async throws -> Bool {
        let audit = self.audit
        return try await database.writer.submit { db in
            try db.execute(sql: "UPDATE mfa_recovery_code SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
                           arguments: [now.millisecondsSinceEpoch, user.rawValue, Data(hash)])
            guard db.changesCount >= 1 else { return false }
            let left = try Int.fetchOne(db, sql: "SELECT count(*) FROM mfa_recovery_code WHERE user_id = ? AND used_at IS NULL",
                                        arguments: [user.rawValue]) ?? 0
            try audit.append(AuditEntry(at: now, orgID: orgID?.rawValue, actor: "user:\(user.rawValue)", action: .mfaRecoveryUsed,
                                        targetType: ResourceType.user.rawValue, targetID: user.rawValue, requestID: requestID,
                                        details: ["codes_left": String(left)]), in: db)
            return true
        }
    }

    /// Removes a user's TOTP and recovery codes (the user must enrol again).
    public func remove(_ reference: String, context: ChangeContext, actingUser: UserID?) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let user = try UserStore.resolve(reference, in: context.scope, db)
            if user.id != actingUser {
                try UserStore.checkOnlyInScope(user, context.scope, db)
                try UserStore.checkAuthority(over: user, scope: context.scope, actingUser: actingUser, db)
            }
            try db.execute(sql: "DELETE FROM mfa_totp WHERE user_id = ?", arguments: [user.id.rawValue])
            guard db.changesCount == 1 else { throw StorageError.notFound(.user, id: "\(reference) MFA enrolment") }
            try db.execute(sql: "DELETE FROM mfa_recovery_code WHERE user_id = ?", arguments: [user.id.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: context.scope.orgID.rawValue, actor: context.actor,
                                        action: .mfaRemoved, targetType: ResourceType.user.rawValue, targetID: user.id.rawValue,
                                        requestID: context.requestID), in: db)
        }
    }

    /// Sets which roles (built-in or the org's custom ones, by name) must use MFA in an org.
    public func setRequiredRoles(_ roles: Set<String>, org reference: String, context: ChangeContext) async throws -> Set<String> {
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = try UserStore.org(reference, context.scope, db)
            for name in roles { _ = try RoleStore.require(name, org: org, field: "required_roles", db) }
            let text = roles.sorted().joined(separator: ",")
            try db.execute(sql: "UPDATE org SET mfa_required_roles = ? WHERE id = ?", arguments: [text, org.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .mfaPolicyChanged,
                                        targetType: ResourceType.org.rawValue, targetID: org.rawValue,
                                        requestID: context.requestID, details: ["required_roles": text]), in: db)
            return roles
        }
    }

    /// The roles (by name) that must use MFA in an org.
    public func requiredRoles(org reference: String, in scope: Scope) async throws -> Set<String> {
        try await database.read { db in
            let org = try UserStore.org(reference, scope, db)
            return Self.roleNames(try String.fetchOne(db, sql: "SELECT mfa_required_roles FROM org WHERE id = ?",
                                                      arguments: [org.rawValue]) ?? "")
        }
    }

    static func roleNames(_ text: String) -> Set<String> {
        Set(text.split(separator: ",").map(String.init))
    }
}
