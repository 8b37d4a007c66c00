import Core
import Foundation
import GRDB

/// A registered model endpoint of an org.
public struct ModelRecord: Sendable, Hashable {
    public let id: ModelID
    public let orgID: OrgID
    public var spec: ModelSpec
    /// What its server accepts (dialect, tools): kept apart from the spec, so a model declared
    /// in agentd.toml keeps what `agentctl models test` found across starts.
    public var capabilities: ModelCapabilities
    /// When `agentctl models test` last detected the capabilities; nil: assumed or set by hand.
    public var testedAt: Instant?
    public let createdAt: Instant
    public var updatedAt: Instant
}

/// The OpenAI-compatible model endpoints an org's llm steps may call (`agentctl models`).
/// Changing one is an admin's act (settings.manage) and is audited; the API key stays in the
/// vault, named by path.
public struct ModelStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    public func create(_ spec: ModelSpec, capabilities: ModelCapabilities = .assumed, orgReference: String?,
                       context: ChangeContext) async throws -> ModelRecord {
        let violations = spec.violations
        guard violations.isEmpty else { throw ValidationError(violations) }
        let audit = self.audit
        let record = try await database.writer.submit { db in
            let org = try UserStore.org(orgReference, context.scope, db)
            let record = ModelRecord(id: ModelID.generate(at: context.now), orgID: org, spec: spec, capabilities: capabilities, testedAt: nil,
                                     createdAt: context.now, updatedAt: context.now)
            do {
                try db.execute(sql: """
                    INSERT INTO model (id, org_id, name, base_url, model, api_key_secret, input_price, output_price, timeout_ms,
                                       structured_output, tool_calling, created_by, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [record.id.rawValue, org.rawValue, spec.name, spec.baseURL, spec.model, spec.apiKeySecret,
                                     spec.price.inputMicrosPerMillion, spec.price.outputMicrosPerMillion, spec.timeoutMs,
                                     capabilities.structuredOutput.rawValue, capabilities.toolCalling, context.actor,
                                     context.now.millisecondsSinceEpoch, context.now.millisecondsSinceEpoch])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StorageError.alreadyExists(.model, field: "name", value: spec.name)
            }
            try audit.append(Self.event(.modelCreated, record, context), in: db)
            return record
        }
        database.llmSettings.invalidate(org: record.orgID)
        return record
    }

    /// Replaces a model's spec (its name stays) and capabilities. Capabilities set here are an
    /// admin's word: they clear `tested_at`.
    public func update(_ reference: String, context: ChangeContext,
                       _ change: @escaping @Sendable (inout ModelSpec, inout ModelCapabilities) -> Void) async throws -> ModelRecord {
        let audit = self.audit
        let updated = try await database.writer.submit { db in
            var record = try Self.resolve(reference, context.scope, db)
            let before = record.capabilities
            change(&record.spec, &record.capabilities)
            let violations = record.spec.violations
            guard violations.isEmpty else { throw ValidationError(violations) }
            record.updatedAt = context.now
            if record.capabilities != before { record.testedAt = nil }
            let spec = record.spec
            try db.execute(sql: """
                UPDATE model SET base_url = ?, model = ?, api_key_secret = ?, input_price = ?, output_price = ?, timeout_ms = ?,
                                 structured_output = ?, tool_calling = ?, tested_at = ?, updated_at = ?
                WHERE id = ?
                """, arguments: [spec.baseURL, spec.model, spec.apiKeySecret, spec.price.inputMicrosPerMillion, spec.price.outputMicrosPerMillion,
                                 spec.timeoutMs, record.capabilities.structuredOutput.rawValue, record.capabilities.toolCalling,
                                 record.testedAt?.millisecondsSinceEpoch, context.now.millisecondsSinceEpoch, record.id.rawValue])
            try audit.append(Self.event(.modelUpdated, record, context), in: db)
            return record
        }
        database.llmSettings.invalidate(org: updated.orgID)
        return updated
    }

    /// Stores what `agentctl models test` detected, audited as a change of the model. Fails
    /// with notFound when the model was removed meanwhile.
    public func recordTest(_ id: ModelID, capabilities: ModelCapabilities, context: ChangeContext) async throws -> ModelRecord {
        let audit = self.audit
        let updated = try await database.writer.submit { db in
            var record = try Self.resolve(id.rawValue, context.scope, db)
            record.capabilities = capabilities
            record.testedAt = context.now
            record.updatedAt = context.now
            try db.execute(sql: "UPDATE model SET structured_output = ?, tool_calling = ?, tested_at = ?, updated_at = ? WHERE id = ?",
                           arguments: [capabilities.structuredOutput.rawValue, capabilities.toolCalling, context.now.millisecondsSinceEpoch,
                                       context.now.millisecondsSinceEpoch, record.id.rawValue])
            try audit.append(Self.event(.modelUpdated, record, context, extra: ["detected_by": "models test"]), in: db)
            return record
        }
        database.llmSettings.invalidate(org: updated.orgID)
        return updated
    }

    public func delete(_ reference: String, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let record = try Self.resolve(reference, context.scope, db)
            try db.execute(sql: "DELETE FROM model WHERE id = ?", arguments: [record.id.rawValue])
            try audit.append(Self.event(.modelDeleted, record, context), in: db)
        }
        database.llmSettings.invalidate(org: context.scope.orgID)
    }

    public enum Declared: Sendable { case created, updated, unchanged }

    /// A model declared in agentd.toml (`[[models]]`): created, or brought back to the file's
    /// spec, audited with actor `config`. Throws notFound when the org does not exist.
    public func declare(_ spec: ModelSpec, orgName: String, now: Instant) async throws -> Declared {
        let violations = spec.violations
        guard violations.isEmpty else { throw ValidationError(violations) }
        let audit = self.audit
        let (org, outcome) = try await database.writer.submit { db -> (OrgID, Declared) in
            guard let orgText = try String.fetchOne(db, sql: "SELECT id FROM org WHERE name = ?", arguments: [orgName]), let org = OrgID(orgText) else {
                throw StorageError.notFound(.org, id: orgName)
            }
            let context = ChangeContext(scope: Scope(orgID: org, reach: .org, roles: [.admin]), actor: "config", requestID: nil, now: now)
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM model WHERE org_id = ? AND name = ?", arguments: [org.rawValue, spec.name]) {
                var record = try Self.record(row)
                guard record.spec != spec else { return (org, .unchanged) }
                record.spec = spec
                record.updatedAt = now
                try db.execute(sql: """
                    UPDATE model SET base_url = ?, model = ?, api_key_secret = ?, input_price = ?, output_price = ?, timeout_ms = ?, updated_at = ?
                    WHERE id = ?
                    """, arguments: [spec.baseURL, spec.model, spec.apiKeySecret, spec.price.inputMicrosPerMillion, spec.price.outputMicrosPerMillion,
                                     spec.timeoutMs, now.millisecondsSinceEpoch, record.id.rawValue])
                try audit.append(Self.event(.modelUpdated, record, context), in: db)
                return (org, .updated)
            }
            let record = ModelRecord(id: ModelID.generate(at: now), orgID: org, spec: spec, capabilities: .assumed, testedAt: nil, createdAt: now, updatedAt: now)
            try db.execute(sql: """
                INSERT INTO model (id, org_id, name, base_url, model, api_key_secret, input_price, output_price, timeout_ms,
                                   created_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'config', ?, ?)
                """, arguments: [record.id.rawValue, org.rawValue, spec.name, spec.baseURL, spec.model, spec.apiKeySecret,
                                 spec.price.inputMicrosPerMillion, spec.price.outputMicrosPerMillion, spec.timeoutMs,
                                 now.millisecondsSinceEpoch, now.millisecondsSinceEpoch])
            try audit.append(Self.event(.modelCreated, record, context), in: db)
            return (org, .created)
        }
        database.llmSettings.invalidate(org: org)
        return outcome
    }

    public func list(in scope: Scope) async throws -> [ModelRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM model WHERE org_id = ? ORDER BY name", arguments: [scope.orgID.rawValue]).map(Self.record)
        }
    }

    public func get(_ reference: String, in scope: Scope) async throws -> ModelRecord {
        try await database.read { db in try Self.resolve(reference, scope, db) }
    }

    /// The engine's lookup: the org's model of that name, nil when there is none. Cached until
    /// the org's models change.
    public func lookup(org: OrgID, name: String) async throws -> ModelRecord? {
        try await database.llmSettings.model(org: org, name: name) {
            try await database.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM model WHERE org_id = ? AND name = ?", arguments: [org.rawValue, name]).map(Self.record)
            }
        }
    }

    static func resolve(_ reference: String, _ scope: Scope, _ db: Database) throws -> ModelRecord {
        let row: Row?
        if let id = ModelID(reference) {
            row = try Row.fetchOne(db, sql: "SELECT * FROM model WHERE id = ? AND org_id = ?", arguments: [id.rawValue, scope.orgID.rawValue])
        } else {
            row = try Row.fetchOne(db, sql: "SELECT * FROM model WHERE name = ? AND org_id = ?", arguments: [reference, scope.orgID.rawValue])
        }
        guard let row else { throw StorageError.notFound(.model, id: reference) }
        return try record(row)
    }

    static func record(_ row: Row) throws -> ModelRecord {
        guard let id = ModelID(row["id"] as String), let org = OrgID(row["org_id"] as String) else { throw StorageError.notFound(.model, id: row["id"] ?? "?") }
        let spec = ModelSpec(name: row["name"], baseURL: row["base_url"], model: row["model"], apiKeySecret: row["api_key_secret"],
                             price: ModelPrice(input: row["input_price"], output: row["output_price"]), timeoutMs: row["timeout_ms"])
        // The column's CHECK holds it to the four names; an unknown one would be a newer
        // binary's, read as the assumption.
        let dialect = StructuredOutputDialect(rawValue: row["structured_output"] ?? "") ?? .jsonSchema
        let capabilities = ModelCapabilities(structuredOutput: dialect, toolCalling: (row["tool_calling"] as Int?) != 0)
        let testedAt = (row["tested_at"] as Int64?).map { Instant(millisecondsSinceEpoch: $0) }
        return ModelRecord(id: id, orgID: org, spec: spec, capabilities: capabilities, testedAt: testedAt,
                           createdAt: Instant(millisecondsSinceEpoch: row["created_at"]), updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]))
    }

    private static func event(_ action: AuditAction, _ record: ModelRecord, _ context: ChangeContext, extra: [String: String] = [:]) -> AuditEntry {
        var details = ["name": record.spec.name, "base_url": record.spec.baseURL, "model": record.spec.model,
                       "input_price": Money.format(record.spec.price.inputMicrosPerMillion),
                       "output_price": Money.format(record.spec.price.outputMicrosPerMillion)]
        if let key = record.spec.apiKeySecret { details["api_key_secret"] = key }
        details["structured_output"] = record.capabilities.structuredOutput.rawValue
        details["tool_calling"] = record.capabilities.toolCalling ? "yes" : "no"
        details.merge(extra) { _, new in new }
        return AuditEntry(at: context.now, orgID: record.orgID.rawValue, actor: context.actor, action: action,
                          targetType: ResourceType.model.rawValue, targetID: record.id.rawValue, requestID: context.requestID, details: details)
    }
}
