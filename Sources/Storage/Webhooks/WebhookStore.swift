import Core
import Foundation
import GRDB

/// Webhook receivers (`agentctl webhooks`): created, rotated and deleted by holders of
/// webhooks.manage, each change audited in its transaction; a secret agentd generates for a
/// webhook is written (and audited) in the same transaction. Reads go through the scope. The
/// receiver itself (`receiver`, `record`) looks a webhook up by ID alone: the ID in the URL
/// and the signature are what a sender has.
public struct WebhookStore: Sendable {
    let database: AgentDatabase
    let audit: AuditLog

    public init(database: AgentDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    /// Creates the webhook. When `secretPath` holds no secret in the environment yet, `seal` is
    /// called with its first version and the new secret is written too (`generated` true).
    public func create(_ request: NewWebhook, context: ChangeContext,
                       seal: @escaping @Sendable (SecretRef) throws -> SealedSecret) async throws -> (WebhookRecord, generated: Bool) {
        try Self.check(request)
        let audit = self.audit
        return try await database.writer.submit { db in
            let org = context.scope.orgID
            let (workflow, team) = try TriggerRows.owner(table: "webhook", type: .webhook, name: request.name, workflow: request.workflow,
                                                         environment: request.environment, team: request.team,
                                                         maximum: WebhookLimits.maximumPerOrg, context.scope, db)
            // The secret: one the caller can see, or a new one for the webhook's team.
            let existing = try Row.fetchOne(db, sql: "SELECT team_id FROM secret WHERE org_id = ? AND environment = ? AND path = ?",
                                            arguments: [org.rawValue, request.environment.rawValue, request.secretPath])
            var generated = false
            if let existing {
                let owner = (existing["team_id"] as String?).flatMap(TeamID.init)
                guard context.scope.canSee(org: org, team: owner), owner == nil || owner == team?.id else {
                    throw ValidationError(field: "secret_path", "\(request.environment.rawValue)/\(request.secretPath) is another team's secret")
                }
            } else {
                _ = try SecretStore.write(path: request.secretPath, environment: request.environment, org: org, team: team?.id.rawValue,
                                          context: context, seal: seal, audit: audit, db)
                generated = true
            }
            let id = WebhookID.generate(at: context.now)
            let now = context.now.millisecondsSinceEpoch
            try db.execute(sql: """
                INSERT INTO webhook (id, org_id, team_id, name, workflow_id, environment, secret_path, transform, rate_per_minute, max_body_bytes,
                    tolerance_seconds, allow_from, created_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id.rawValue, org.rawValue, team?.id.rawValue, request.name, workflow.id.rawValue, request.environment.rawValue,
                                 request.secretPath, request.transform, request.ratePerMinute, request.maxBodyBytes, request.toleranceSeconds,
                                 JSONValue.array(request.allowFrom.map(JSONValue.string)).canonicalText, context.actor, now, now])
            try audit.append(AuditEntry(at: context.now, orgID: org.rawValue, actor: context.actor, action: .webhookCreated,
                                        targetType: ResourceType.webhook.rawValue, targetID: id.rawValue, requestID: context.requestID,
                                        details: ["name": request.name, "workflow": workflow.name, "secret_path": request.secretPath]), in: db)
            return (try Self.record(id.rawValue, db), generated)
        }
    }

    /// Writes a new version of the webhook's secret (`seal` seals it) and audits the rotation,
    /// together. The previous version no longer verifies.
    public func rotate(_ reference: String, context: ChangeContext,
                       seal: @escaping @Sendable (SecretRef) throws -> SealedSecret) async throws -> (WebhookRecord, version: Int) {
        let audit = self.audit
        return try await database.writer.submit { db in
            let webhook = try Self.visible(reference, context.scope, db)
            let info = try SecretStore.write(path: webhook.secretPath, environment: webhook.environment, org: webhook.orgID, team: nil,
                                             context: context, seal: seal, audit: audit, db)
            try db.execute(sql: "UPDATE webhook SET updated_at = ? WHERE id = ?", arguments: [context.now.millisecondsSinceEpoch, webhook.id.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: webhook.orgID.rawValue, actor: context.actor, action: .webhookRotated,
                                        targetType: ResourceType.webhook.rawValue, targetID: webhook.id.rawValue, requestID: context.requestID,
                                        details: ["name": webhook.name, "version": "\(info.currentVersion)"]), in: db)
            return (try Self.record(webhook.id.rawValue, db), info.currentVersion)
        }
    }

    public func list(in scope: Scope, page: PageRequest) async throws -> Page<WebhookRecord> {
        try await database.read { db in
            try TriggerRows.page("webhook", page, scope, db, cursor: \.id.rawValue) { try Self.record($0, db) }
        }
    }

    public func get(_ reference: String, in scope: Scope) async throws -> WebhookRecord {
        try await database.read { db in try Self.visible(reference, scope, db) }
    }

    /// Deletes the webhook and its deliveries; its secret stays in the vault.
    public func delete(_ reference: String, context: ChangeContext) async throws {
        let audit = self.audit
        try await database.writer.submit { db in
            let webhook = try Self.visible(reference, context.scope, db)
            try db.execute(sql: "DELETE FROM webhook WHERE id = ?", arguments: [webhook.id.rawValue])
            try audit.append(AuditEntry(at: context.now, orgID: webhook.orgID.rawValue, actor: context.actor, action: .webhookDeleted,
                                        targetType: ResourceType.webhook.rawValue, targetID: webhook.id.rawValue, requestID: context.requestID,
                                        details: ["name": webhook.name]), in: db)
        }
    }

    /// The webhook's deliveries, newest first.
    public func deliveries(_ reference: String, in scope: Scope, page: PageRequest) async throws -> Page<WebhookDeliveryRecord> {
        try await database.read { db in
            let webhook = try Self.visible(reference, scope, db)
            var query = KeysetQuery("SELECT * FROM webhook_delivery", key: .integer("id"), order: .descending)
            query.filter(" AND webhook_id = ?", [webhook.id.rawValue])
            return try query.page(page, db, cursor: { "\($0.seq)" }) { row in
                WebhookDeliveryRecord(seq: row["id"], deliveryID: row["delivery_id"], receivedAt: Instant(millisecondsSinceEpoch: row["received_at"]),
                                      outcome: WebhookDeliveryStatus(rawValue: row["outcome"]) ?? .invalidBody, executionID: row["execution_id"],
                                      remote: row["remote"], detail: row["detail"])
            }
        }
    }

    /// The webhook a receiver URL names, whoever asks; nil when there is none.
    public func receiver(_ id: String) async throws -> WebhookRecord? {
        guard WebhookID(id) != nil else { return nil }
        return try await database.read { db in try? Self.record(id, db) }
    }

    /// Records a delivery that started nothing.
    public func record(refused outcome: WebhookDeliveryStatus, webhook: WebhookID, deliveryID: String?, remote: String?, detail: String?,
                       now: Instant) async throws {
        try await database.writer.submit { db in
            try Self.insertDelivery(webhook: webhook.rawValue, deliveryID: deliveryID, outcome: outcome, executionID: nil, remote: remote,
                                    detail: detail, now: now, db)
        }
    }

    // MARK: - Rows

    static func check(_ request: NewWebhook) throws {
        var violations: [FieldViolation] = []
        if let violation = OrgRules.checkName(request.name) { violations.append(violation) }
        if let violation = SecretRules.checkPath(request.secretPath) {
            violations.append(FieldViolation(field: "secret_path", message: violation.message))
        }
        if !WebhookLimits.rates.contains(request.ratePerMinute) {
            violations.append(FieldViolation(field: "rate_per_minute", message: "must be \(WebhookLimits.rates.lowerBound) to \(WebhookLimits.rates.upperBound)"))
        }
        if !WebhookLimits.bodyBytes.contains(request.maxBodyBytes) {
            violations.append(FieldViolation(field: "max_body_bytes", message: "must be 1 to \(WebhookLimits.bodyBytes.upperBound)"))
        }
        if !WebhookLimits.toleranceSeconds.contains(request.toleranceSeconds) {
            violations.append(FieldViolation(field: "tolerance_seconds", message: "must be 1 to \(WebhookLimits.toleranceSeconds.upperBound)"))
        }
        if request.allowFrom.count > WebhookLimits.maximumAllowFrom {
            violations.append(FieldViolation(field: "allow_from", message: "at most \(WebhookLimits.maximumAllowFrom) entries"))
        }
        for entry in request.allowFrom where (try? CIDR.parse(entry)) == nil {
            violations.append(FieldViolation(field: "allow_from", message: "`\(entry)` is not an address or a CIDR (10.0.0.0/8, fd00::/8)"))
        }
        if !violations.isEmpty { throw ValidationError(violations) }
    }

    static func insertDelivery(webhook: String, deliveryID: String?, outcome: WebhookDeliveryStatus, executionID: String?, remote: String?,
                               detail: String?, now: Instant, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO webhook_delivery (webhook_id, delivery_id, received_at, outcome, execution_id, remote, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [webhook, deliveryID, now.millisecondsSinceEpoch, outcome.rawValue, executionID, remote,
                                     detail.map { String($0.prefix(500)) }])
    }

    static func visible(_ reference: String, _ scope: Scope, _ db: Database) throws -> WebhookRecord {
        let id = try TriggerRows.id(reference, parsed: WebhookID(reference)?.rawValue, table: "webhook", scope, db)
        guard let id, let record = try? Self.record(id, db), scope.canSee(org: record.orgID, team: record.teamID) else {
            throw StorageError.notFound(.webhook, id: reference)
        }
        return record
    }

    static func record(_ id: String, _ db: Database) throws -> WebhookRecord {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT h.*, w.name AS workflow_name FROM webhook h JOIN workflow w ON w.id = h.workflow_id WHERE h.id = ?
            """), arguments: [id]) else {
            throw StorageError.notFound(.webhook, id: id)
        }
        var allowFrom: [String] = []
        if case .array(let entries)? = try? DefinitionRows.document(row["allow_from"]) {
            allowFrom = entries.compactMap { if case .string(let text) = $0 { text } else { nil } }
        }
        return WebhookRecord(
            id: WebhookID(row["id"] as String)!, orgID: OrgID(row["org_id"] as String)!, teamID: (row["team_id"] as String?).flatMap(TeamID.init),
            name: row["name"], workflowID: WorkflowID(row["workflow_id"] as String)!, workflowName: row["workflow_name"],
            environment: DeployEnvironment(rawValue: row["environment"]) ?? .dev, secretPath: row["secret_path"], transform: row["transform"],
            ratePerMinute: row["rate_per_minute"], maxBodyBytes: row["max_body_bytes"], toleranceSeconds: row["tolerance_seconds"],
            allowFrom: allowFrom, createdBy: row["created_by"], createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
            updatedAt: Instant(millisecondsSinceEpoch: row["updated_at"]))
    }
}
