import Core
import Foundation
import GRDB

/// A SAML 2.0 identity provider as stored.
public struct SAMLProvider: Sendable, Equatable {
    public let name: String
    public let orgID: OrgID
    public let orgName: String
    public let settings: SAMLProviderSettings
    public let createdAt: Instant
    public let createdBy: String
    public let updatedAt: Instant

    public var provisioning: SSOStore.Provisioning {
        SSOStore.Provisioning(name: name, orgID: orgID, mappings: settings.mappings, linkExisting: settings.linkExisting)
    }
}

/// SAML providers, and the assertion IDs already used (a replayed assertion is refused).
extension SSOStore {
    /// The kind of the provider `name` (oidc, saml), nil when there is none.
    public func kind(of name: String) async throws -> String? {
        try await database.read { db in try String.fetchOne(db, sql: "SELECT kind FROM sso_provider WHERE name = ?", arguments: [name]) }
    }

    @discardableResult
    public func saveSAML(_ settings: SAMLProviderSettings, orgReference: String?, replace: Bool, context: ChangeContext) async throws -> SAMLProvider {
        let violations = settings.violations()
        if !violations.isEmpty { throw ValidationError(violations) }
        let audit = self.audit
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        return try await database.writer.submit { db in
            let org = try UserStore.org(orgReference, context.scope, db)
            try Self.checkMappings(settings.mappings, org: org, programs: [], db)
            let added = try Self.upsert(settings.name, kind: "saml", org: org, settings: json, replace: replace, context: context, db)
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor,
                                        action: added ? .ssoProviderAdded : .ssoProviderChanged,
                                        targetType: ResourceType.ssoProvider.rawValue, targetID: settings.name, requestID: context.requestID,
                                        details: ["kind": "saml", "idp_entity_id": settings.idpEntityID, "sp_entity_id": settings.spEntityID,
                                                  "mappings": settings.mappings.map(\.text).joined(separator: " ")]), in: db)
            guard let provider = try Self.samlProvider(settings.name, db) else { throw StorageError.notFound(.ssoProvider, id: settings.name) }
            return provider
        }
    }

    public func samlProvider(_ name: String) async throws -> SAMLProvider? {
        try await database.read { db in try Self.samlProvider(name, db) }
    }

    public func samlProviders() async throws -> [SAMLProvider] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.*, o.name AS org_name FROM sso_provider p JOIN org o ON o.id = p.org_id WHERE p.kind = 'saml' ORDER BY p.name
                """).map(Self.samlProvider(from:))
        }
    }

    static func samlProvider(_ name: String, _ db: Database) throws -> SAMLProvider? {
        try Row.fetchOne(db, sql: """
            SELECT p.*, o.name AS org_name FROM sso_provider p JOIN org o ON o.id = p.org_id WHERE p.name = ? AND p.kind = 'saml'
            """, arguments: [name]).map(samlProvider(from:))
    }

    static func samlProvider(from row: Row) throws -> SAMLProvider {
        let name: String = row["name"]
        guard let org = OrgID(row["org_id"]) else { throw StorageError.notFound(.ssoProvider, id: name) }
        return SAMLProvider(name: name, orgID: org, orgName: row["org_name"],
                            settings: try JSONDecoder().decode(SAMLProviderSettings.self, from: Data((row["settings"] as String).utf8)),
                            createdAt: Instant(millisecondsSinceEpoch: row["created_at"]), createdBy: row["created_by"],
                            updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]))
    }

    /// Records an assertion's ID until `until`; false when it was seen already (a replay).
    /// Forgets IDs whose time has passed.
    public func firstUse(ofAssertion id: String, provider: String, until: Instant, now: Instant) async throws -> Bool {
        try await database.writer.submit { db in
            try db.execute(sql: "DELETE FROM sso_saml_assertion WHERE expires_at < ?", arguments: [now.millisecondsSinceEpoch])
            try db.execute(sql: "INSERT OR IGNORE INTO sso_saml_assertion (provider, id, expires_at) VALUES (?, ?, ?)",
                           arguments: [provider, id, max(until.millisecondsSinceEpoch, now.millisecondsSinceEpoch) + SSOLoginRules.pendingMilliseconds])
            return db.changesCount == 1
        }
    }
}
