import Core
import Foundation
import Hummingbird
import Storage

/// Change requests (`agentctl changes`, docs/governance.md#change-requests): an org's gated acts
/// (deploying to prod) held until approved. Reading needs workflows.view; deciding needs
/// changes.approve and a person named by the policy; setting the policy needs settings.manage.
public enum ChangeRoutes: RouteFile {
    static let schema: JSON = [
        "type": "object", "required": ["id", "action", "target", "summary", "status", "approvers", "quorum", "created_at"],
        "properties": [
            "id": ["type": "string"], "action": ["enum": .array(ChangeAction.allCases.map { .string($0.rawValue) })], "target": ["type": "string"],
            "summary": ["type": "string"], "diff": ["type": ["object", "null"]], "payload": ["type": "object"],
            "approvers": ["type": "array", "items": ["type": "string"]], "quorum": ["type": "integer"],
            "status": ["enum": ["pending", "approved", "rejected", "expired", "cancelled"]],
            "requested_by": ["type": "string", "description": "Who asked (who may not approve)."],
            "approvals": ["type": "integer"], "votes": ["type": "array", "items": ApprovalRoutes.voteSchema],
            "result": ["type": ["object", "null"], "description": "What carrying it out did."],
            "created_at": Schemas.timestamp, "decided_at": ["type": ["string", "null"], "format": "date-time"],
            "expires_at": ["type": ["string", "null"], "format": "date-time", "description": "Undecided by then, it expires and nothing is done."],
        ],
    ]
    /// What a gated act answers (202): the request it opened.
    static let requestedSchema: JSON = ["type": "object", "required": ["change_request"], "properties": ["change_request": schema]]
    static let policySchema: JSON = [
        "type": "object", "required": ["action", "approvers", "quorum"],
        "properties": ["action": ["type": "string"], "approvers": ["type": "array", "items": ["type": "string"]], "quorum": ["type": "integer"],
                       "expires_in": ["type": ["string", "null"], "description": "How long a request may wait (e.g. 72h); null: until decided."],
                       "summary": ["type": "string"]],
    ]

    public typealias Services = ApprovalService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/changes", needs: .permission(.workflowsView),
                      Operation(id: "listChanges", summary: "Change requests, newest first.", tag: "approvals",
                                query: Pagination.parameters + [("status", ["enum": ["pending", "approved", "rejected", "expired", "cancelled"]], "Only this status.")],
                                success: (200, Schemas.list(of: schema), "application/json"), problems: [400]),
                      handler: list),
            RouteSpec(.get, "/api/v1/changes/{change}", needs: .permission(.workflowsView),
                      Operation(id: "getChange", summary: "One change request: what, its diff, its votes.", tag: "approvals",
                                success: (200, schema, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.post, "/api/v1/changes/{change}/approve", needs: .permission(.changesApprove),
                      Operation(id: "approveChange", summary: "Approve; the last approval the policy needs carries the act out.", tag: "approvals",
                                requestBody: ApprovalRoutes.DecisionBody.schema.json, success: (200, schema, "application/json"),
                                problems: [400, 403, 404, 409, 413, 415, 422]),
                      handler: approve),
            RouteSpec(.post, "/api/v1/changes/{change}/reject", needs: .permission(.changesApprove),
                      Operation(id: "rejectChange", summary: "Reject; nothing is done.", tag: "approvals",
                                requestBody: ApprovalRoutes.DecisionBody.schema.json, success: (200, schema, "application/json"),
                                problems: [400, 403, 404, 409, 413, 415, 422]),
                      handler: reject),
            RouteSpec(.get, "/api/v1/change-policies", needs: .permission(.workflowsView),
                      Operation(id: "listChangePolicies", summary: "The acts this org holds for approval, with who approves.", tag: "approvals",
                                success: (200, Schemas.list(of: policySchema), "application/json")),
                      handler: policies),
            RouteSpec(.put, "/api/v1/change-policies/{action}", needs: .permission(.settingsManage),
                      Operation(id: "setChangePolicy", summary: "Hold an act (deploy.prod) for approval: approvers and quorum.", tag: "approvals",
                                requestBody: PolicyBody.schema.json, success: (200, policySchema, "application/json"),
                                problems: [400, 404, 413, 415, 422]),
                      handler: setPolicy),
            RouteSpec(.delete, "/api/v1/change-policies/{action}", needs: .permission(.settingsManage),
                      Operation(id: "deleteChangePolicy", summary: "Stop holding an act for approval (open requests stay).", tag: "approvals",
                                success: (200, ["type": "object", "properties": ["action": ["type": "string"]]], "application/json"), problems: [404]),
                      handler: deletePolicy),
        ]
    }

    struct PolicyBody: RequestBody {
        let approvers: [String]
        let quorum: Int?
        let expiresIn: String?

        enum CodingKeys: String, CodingKey { case approvers, quorum, expiresIn = "expires_in" }

        static let schema = ObjectSchema([
            .init("approvers", ["type": "array", "items": ["type": "string"], "minItems": 1, "maxItems": 100], required: true,
                  "Logins, role:NAME and team:NAME."),
            .init("quorum", ["type": "integer", "minimum": 1, "maximum": 100], "Distinct approvals needed (default 1)."),
            .init("expires_in", ["type": "string"], "How long a request may wait undecided, 1s to 365d (e.g. 72h); it then expires and nothing is done. Default: until decided."),
        ])
    }

    static func action(_ context: AgentRequestContext) throws -> ChangeAction {
        let text = try context.parameters.require("action")
        guard let action = ChangeAction(rawValue: text) else {
            throw StorageError.notFound(.change, id: "no gated act \(text) (known: \(ChangeAction.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return action
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        var status: ApprovalStatus?
        if let text = request.uri.queryParameters["status"] {
            guard let value = ApprovalStatus(rawValue: String(text)) else {
                throw APIError.invalidParameter(name: "status", "must be pending, approved, rejected, expired or cancelled; got `\(text)`")
            }
            status = value
        }
        let page = try await services.changes.list(in: context.scope(), status: status, page: Pagination.request(from: request, listing: "changes"))
        return DefinitionResources.respond(.ok, DefinitionResources.list(page.items.map(resource), next: page.nextAfter.map {
            Pagination.cursor(after: $0, listing: "changes")
        }))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        DefinitionResources.respond(.ok, resource(try await services.changes.get(context.parameters.require("change"), in: context.scope())))
    }

    static func approve(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await decide(.approve, request, context, services)
    }

    static func reject(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await decide(.reject, request, context, services)
    }

    static func decide(_ choice: ApprovalVote.Choice, _ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (comment, user) = try await ApprovalRoutes.decision(request, context, limits: services.limits, what: "Deciding on a change request")
        let record = try await services.changes.decide(context.parameters.require("change"), choice, comment: comment, by: user,
                                                       context: context.change(services.clock))
        if record.action == .roleChange, record.status == .approved { services.authenticator?.forgetAll() }
        return DefinitionResources.respond(.ok, resource(record))
    }

    static func policies(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let items: [JSONValue] = try await services.changes.policies(in: context.scope()).map { policy($0.0, $0.1) }
        return DefinitionResources.respond(.ok, DefinitionResources.list(items, next: nil))
    }

    static func setPolicy(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let action = try action(context)
        let body = try await BodyDecoder.decode(PolicyBody.self, from: request, limits: services.limits)
        let parsed: ApprovalPolicy
        var config: [String: JSONValue] = ["approvers": .array(body.approvers.map(JSONValue.string)), "quorum": .integer(body.quorum ?? 1)]
        if let expires = body.expiresIn { config["expires_in"] = .string(expires) }
        do {
            parsed = try ApprovalPolicy.parse(.object(config))
        } catch {
            let message = error.message.replacingOccurrences(of: "config.", with: "")
            throw ValidationError(field: message.hasPrefix("expires_in") ? "expires_in" : "approvers", message)
        }
        try await services.changes.setPolicy(action, parsed, context: context.change(services.clock))
        return DefinitionResources.respond(.ok, policy(action, parsed))
    }

    static func deletePolicy(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let action = try action(context)
        try await services.changes.setPolicy(action, nil, context: context.change(services.clock))
        return DefinitionResources.respond(.ok, ["action": .string(action.rawValue)])
    }

    static func policy(_ action: ChangeAction, _ policy: ApprovalPolicy) -> JSONValue {
        ["action": .string(action.rawValue), "approvers": .array(policy.approvers.map { .string($0.description) }), "quorum": .integer(policy.quorum),
         "expires_in": policy.expiresAfterMs.map { .string(TimeFilter.text(milliseconds: $0)) } ?? .null, "summary": .string(action.summary)]
    }

    static func resource(_ record: ChangeRecord) -> JSONValue {
        let votes: [JSONValue] = record.votes.map { vote in
            ["by": .string(vote.login), "on_behalf_of": vote.onBehalfOfLogin.map(JSONValue.string) ?? .null,
             "decision": .string(vote.choice == .approve ? "approved" : "rejected"), "comment": vote.comment.map(JSONValue.string) ?? .null,
             "at": .string(vote.at.rfc3339)]
        }
        return [
            "id": .string(record.id.rawValue), "action": .string(record.action.rawValue), "target": .string(record.targetName),
            "summary": .string(record.summary), "diff": record.diff ?? .null, "payload": record.payload,
            "approvers": .array(record.policy.approvers.map { .string($0.description) }), "quorum": .integer(record.policy.quorum),
            "status": .string(record.status.rawValue), "requested_by": .string(record.requestedActor),
            "approvals": .integer(Set(record.votes.filter { $0.choice == .approve }.map(\.counted)).count), "votes": .array(votes),
            "result": record.result ?? .null, "created_at": .string(record.createdAt.rfc3339),
            "decided_at": record.decidedAt.map { .string($0.rfc3339) } ?? .null,
            "expires_at": record.expiresAt.map { .string($0.rfc3339) } ?? .null,
        ]
    }
}
