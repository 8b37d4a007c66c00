import Core
import GRDB

/// Orgs' privacy policies (docs/compliance.md#pii-detection-and-masking): read and set, each
/// change audited in its own transaction. A policy applies to executions started after it is set.
public struct PrivacyStore: Sendable {
    private let database: AgentDatabase
    private let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    public struct OrgPrivacy: Sendable, Equatable {
        public let orgID: OrgID
        public let name: String
        /// `.off` when the org has set none.
        public let policy: PrivacyPolicy
        /// Whether the org set one (false: never set, off).
        public let isSet: Bool
    }

    public func org(_ reference: String, in scope: Scope) async throws -> OrgPrivacy {
        try await database.read { db in try Self.read(reference, scope, db) }
    }

    /// Replaces the org's policy (checked by the caller); audited with the action, the kinds
    /// and the patterns' names (not their expressions: they may describe what they find).
    public func set(_ policy: PrivacyPolicy, org reference: String, context: ChangeContext) async throws -> OrgPrivacy {
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = try UserStore.org(reference, context.scope, db)
            try db.execute(sql: "UPDATE org SET privacy = ? WHERE id = ?", arguments: [policy.json.canonicalText, org.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .privacyChanged,
                                        targetType: ResourceType.org.rawValue, targetID: org.rawValue, requestID: context.requestID,
                                        details: ["pii": policy.action.rawValue, "kinds": policy.kinds.names.joined(separator: ","),
                                                  "patterns": policy.patterns.map(\.name).joined(separator: ",")]),
                             in: db)
            return try Self.read(org.rawValue, context.scope, db)
        }
    }

    private static func read(_ reference: String, _ scope: Scope, _ db: Database) throws -> OrgPrivacy {
        let org = try UserStore.org(reference, scope, db)
        guard let row = try Row.fetchOne(db, sql: "SELECT id, name, privacy FROM org WHERE id = ?", arguments: [org.rawValue])
        else { throw StorageError.notFound(.org, id: reference) }
        let policy = (row["privacy"] as String?).flatMap { try? DefinitionRows.document($0) }.flatMap(PrivacyPolicy.init(json:))
        return OrgPrivacy(orgID: org, name: row["name"], policy: policy ?? .off, isSet: policy != nil)
    }
}
