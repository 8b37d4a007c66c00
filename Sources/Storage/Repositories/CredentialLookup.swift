import Core
import Foundation
import GRDB

/// What authentication reads before any scope exists: a key's stored hash and its owner's
/// standing. Deliberately in no area service, so no route handler can reach it; only
/// the identity middleware holds one.
public struct CredentialLookup: Sendable {
    private let database: AgentDatabase

    public init(database: AgentDatabase) { self.database = database }

    /// A key's row with its owner's current role in the key's org.
    public struct KeyCredential: Sendable {
        public let key: APIKey
        public let secretHash: [UInt8]
        /// Nil when the owner is no longer a member of the org or is disabled.
        public let ownerRole: MemberRole?
        public let ownerLogin: String
        public let ownerTeams: Set<TeamID>
    }

    public func apiKey(_ id: APIKeyID) async throws -> KeyCredential? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT k.*, u.login AS owner_login, u.disabled_at AS owner_disabled, m.role AS owner_role
                FROM api_key k
                JOIN user_account u ON u.id = k.user_id
                LEFT JOIN membership m ON m.org_id = k.org_id AND m.user_id = k.user_id
                WHERE k.id = ?
                """, arguments: [id.rawValue]) else { return nil }
            let disabled = (row["owner_disabled"] as Int64?) != nil
            let key = try APIKeyStore.key(from: row)
            let role = disabled ? nil : try (row["owner_role"] as String?).flatMap { try RoleStore.resolve($0, org: key.orgID, db) }
            let hash: Data = row["secret_hash"]
            return KeyCredential(key: key, secretHash: Array(hash), ownerRole: role, ownerLogin: row["owner_login"],
                                 ownerTeams: try TeamStore.teams(of: key.userID, in: key.orgID, db))
        }
    }

    /// Records that a key was used (the caller throttles this to about once a minute per key).
    public func touch(_ id: APIKeyID, at now: Instant) async throws {
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE api_key SET last_used_at = ? WHERE id = ?",
                           arguments: [now.millisecondsSinceEpoch, id.rawValue])
        }
    }
}
