import Core
import Foundation
import Hummingbird
import Storage

/// The audit hash chain: list with filters, verify, export as JSON lines.
public enum AuditRoutes: RouteFile {
    static let filterParameters: [(name: String, schema: JSON, description: String)] = [
        ("action", ["type": "string", "enum": .array(AuditAction.allCases.map { .string($0.rawValue) })], "Only this action."),
        ("actor", ["type": "string"], "Only this actor, e.g. `uid:0`."),
        ("since", ["type": "string", "format": "date-time"], "Events at or after this time (RFC 3339, or a duration like `1h`, `7d`)."),
        ("until", ["type": "string", "format": "date-time"], "Events before this time (RFC 3339)."),
    ]

    public typealias Services = AuditService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/audit", needs: .permission(.auditView),
                      Operation(id: "listAudit", summary: "List audit events you can see, oldest first.", tag: "audit",
                                query: filterParameters + Pagination.parameters,
                                success: (200, Schemas.list(of: Schemas.auditEvent), "application/json"), problems: [400]),
                      handler: list),
            RouteSpec(.get, "/api/v1/audit/verify", needs: .permission(.auditVerify),
                      Operation(id: "verifyAudit", summary: "Recompute the whole chain and check its keyed checkpoints; name the first broken row and the checkpoint the chain contradicts.",
                                tag: "audit", success: (200, Schemas.auditVerification, "application/json")),
                      handler: verify),
            RouteSpec(.get, "/api/v1/audit/export", needs: .permission(.auditView),
                      Operation(id: "exportAudit", summary: "Audit events you can see as JSON lines, for a SIEM.",
                                tag: "audit", query: filterParameters,
                                success: (200, nil, "application/x-ndjson"), problems: [400]),
                      handler: export),
        ]
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let filter = try Self.filter(from: request, now: services.clock.now())
        let page = try await services.audit.list(in: context.scope(), filter: filter,
                                                 page: Pagination.request(from: request, listing: "audit"))
        return try JSONResponse.make(.ok, ListBody(items: page.items.map(AuditEventResource.init),
                                                   nextCursor: page.nextAfter.map { Pagination.cursor(after: $0, listing: "audit") }))
    }

    static func verify(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let result = try await services.audit.verify()
        return try JSONResponse.make(.ok, VerificationBody(
            ok: result.isIntact, checked: result.checked, lastSeq: result.lastSequence,
            brokenSeq: result.firstBreak?.sequence, reason: result.firstBreak?.reason,
            checkpointsChecked: result.checkpointsChecked, lastCheckpoint: result.lastCheckpoint.map(CheckpointBody.init),
            checkpointProblem: result.checkpointFinding.map(CheckpointProblemBody.init), removedThrough: result.removedThrough))
    }

    static func export(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let filter = try Self.filter(from: request, now: services.clock.now())
        let scope = try context.scope()
        let audit = services.audit
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        let body = ResponseBody { writer in
            var after: String?
            repeat {
                let page = try await audit.list(in: scope, filter: filter, page: PageRequest(limit: PageRequest.maximumLimit, after: after))
                var buffer = ByteBuffer()
                for record in page.items {
                    buffer.writeBytes(try JSONResponse.encoder.encode(AuditEventResource(record)))
                    buffer.writeInteger(UInt8(ascii: "\n"))
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
                after = page.nextAfter
            } while after != nil
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func filter(from request: Request, now: Instant) throws -> AuditLog.Filter {
        let query = request.uri.queryParameters
        var filter = AuditLog.Filter()
        if let text = query["action"].map(String.init) {
            guard let action = AuditAction(rawValue: text) else {
                throw APIError.invalidParameter(name: "action", "must be one of \(AuditAction.allCases.map(\.rawValue).joined(separator: ", ")); got `\(text)`")
            }
            filter.action = action
        }
        filter.actor = query["actor"].map(String.init)
        if let text = query["since"].map(String.init) {
            guard let since = TimeFilter.instant(text, now: now) else {
                throw APIError.invalidParameter(name: "since", "must be an RFC 3339 UTC time or a duration like 30m, 1h, 7d; got `\(text)`")
            }
            filter.since = since
        }
        if let text = query["until"].map(String.init) {
            guard let until = TimeFilter.instant(text, now: now) else {
                throw APIError.invalidParameter(name: "until", "must be an RFC 3339 UTC time or a duration like 30m, 1h, 7d; got `\(text)`")
            }
            filter.until = until
        }
        return filter
    }

    struct VerificationBody: Encodable {
        let ok: Bool
        let checked: Int64
        let lastSeq: Int64
        let brokenSeq: Int64?
        let reason: String?
        let checkpointsChecked: Int?
        let lastCheckpoint: CheckpointBody?
        let checkpointProblem: CheckpointProblemBody?
        /// Rows 1 to this were removed by retention (0: none).
        let removedThrough: Int64
    }

    /// A checkpoint as the API shows it: the same fields as agentd's `audit checkpoint` log line.
    struct CheckpointBody: Encodable {
        let number: Int64
        let count: Int64
        let headHash: String
        let at: String

        init(_ checkpoint: AuditCheckpoint) {
            number = checkpoint.number
            count = checkpoint.sequence
            headHash = checkpoint.headHash
            at = checkpoint.at.rfc3339
        }
    }

    struct CheckpointProblemBody: Encodable {
        let kind: String
        let checkpoint: Int64
        let reason: String

        init(_ finding: AuditCheckpoints.Finding) {
            kind = finding.kind
            checkpoint = finding.checkpointNumber
            reason = finding.reason
        }
    }
}

/// An audit event as the API shows it.
struct AuditEventResource: Encodable {
    let seq: Int64
    let at: String
    let orgId: String?
    let actor: String
    let action: String
    let outcome: String
    let targetType: String?
    let targetId: String?
    let requestId: String?
    let details: [String: String]
    let prevHash: String
    let hash: String
    let form: Int
    let salt: String?
    let sealed: [String: String]?

    init(_ record: AuditRecord) {
        seq = record.sequence
        at = record.entry.at.rfc3339
        orgId = record.entry.orgID
        actor = record.entry.actor
        action = record.entry.action.rawValue
        outcome = record.entry.outcome.rawValue
        targetType = record.entry.targetType
        targetId = record.entry.targetID
        requestId = record.entry.requestID
        details = record.entry.details
        prevHash = record.previousHash
        hash = record.hash
        form = record.form
        salt = record.salt
        sealed = record.sealed.isEmpty ? nil : record.sealed
    }
}
