import Core
import Foundation
import Hummingbird
import Storage

/// GDPR access and erasure (docs/compliance.md#export-and-erasure): everything agentd holds
/// about a person, and erasing them. A person's data spans every org they belong to, so both
/// need compliance.manage over the whole installation; both are audited.
public enum PersonalDataRoutes: RouteFile {
    public typealias Services = ComplianceService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/people/{login}/export", needs: .permission(.complianceManage),
                      Operation(id: "exportPerson", summary: "Everything agentd holds about a person: rows naming or mentioning them, table by table, and archived executions.",
                                tag: "users", success: (200, Schemas.personExport, "application/json"), problems: [403, 404]),
                      handler: export),
            RouteSpec(.post, "/api/v1/people/{login}/erase", needs: .permission(.complianceManage),
                      Operation(id: "erasePerson", summary: "Erase a person: remove their account and what exists only for it, replace every other mention by a pseudonym. Cannot be undone.",
                                tag: "users", requestBody: EraseBody.schema.json, success: (200, Schemas.personErasure, "application/json"),
                                problems: [400, 403, 404, 413, 415, 422]),
                      handler: erase),
        ]
    }

    struct EraseBody: RequestBody {
        let confirm: String?

        static let schema = ObjectSchema([
            .init("confirm", ["type": "string"], "The login being erased, again: erasure cannot be undone."),
        ])
    }

    /// The person named in the path, for an installation-wide caller.
    static func subject(_ context: AgentRequestContext, _ services: Services, act: String) async throws -> ErasureSubject {
        guard try context.scope().reach == .installation else { throw APIError.installationAdminRequired(act) }
        let login = try context.parameters.require("login")
        guard let subject = try await services.personalData.subject(login: login) else {
            throw StorageError.notFound(.user, id: login)
        }
        return subject
    }

    static func export(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let subject = try await subject(context, services, act: "A personal-data export")
        let change = try context.change(services.clock)
        let exported = try await services.personalData.export(subject)
        // Audited after it was gathered and before it is sent: who looked at whose data.
        try await services.audit.record(AuditEntry(at: change.now, orgID: nil, actor: change.actor, action: .personExported,
                                                   targetType: ResourceType.user.rawValue, targetID: subject.userID, requestID: change.requestID))
        var body: JSONValue = exported
        if case .object(var object) = exported {
            object["exported_at"] = .string(change.now.rfc3339)
            body = .object(object)
        }
        return JSONResponse.raw(.ok, Data(body.canonicalText.utf8))
    }

    static func erase(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(EraseBody.self, from: request, limits: services.limits)
        let subject = try await subject(context, services, act: "Erasing a person")
        guard body.confirm == subject.login else { throw APIError.erasureNotConfirmed(subject.login) }
        let change = try context.change(services.clock)
        let erasure = try await services.personalData.erase(subject)
        services.authenticator?.forgetAll()  // the person's keys are gone: no cached one may still open the API
        // The erasure's own event names the pseudonym, never the person.
        try await services.audit.record(AuditEntry(
            at: change.now, orgID: nil, actor: change.actor, action: .personErased, targetType: ResourceType.user.rawValue,
            targetID: erasure.pseudonym, requestID: change.requestID,
            details: ["removed_rows": "\(erasure.removed.values.reduce(0, +))", "pseudonymised_rows": "\(erasure.pseudonymised.values.reduce(0, +))",
                      "audit_kept_unsealed": "\(erasure.auditKeptUnsealed)", "archived_executions": "\(erasure.archivedExecutions)"]))
        return try JSONResponse.make(.ok, Result(pseudonym: erasure.pseudonym, removed: erasure.removed, pseudonymised: erasure.pseudonymised,
                                                 auditKeptUnsealed: erasure.auditKeptUnsealed, archivedExecutions: erasure.archivedExecutions,
                                                 logTruncated: erasure.logTruncated))
    }

    struct Result: Encodable {
        let pseudonym: String
        let removed: [String: Int]
        let pseudonymised: [String: Int]
        let auditKeptUnsealed: Int
        let archivedExecutions: Int
        let logTruncated: Bool
    }
}
