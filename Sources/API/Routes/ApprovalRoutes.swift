import Core
import Foundation
import Hummingbird
import Storage

/// Approval requests of `approval` steps (`agentctl approvals`, docs/governance.md). Reading
/// needs executions.view; deciding and delegating need approvals.decide, and a person: the
/// policy names people (by login, role or team), and a decision is theirs.
public enum ApprovalRoutes: RouteFile {
    static let voteSchema: JSON = [
        "type": "object",
        "properties": [
            "by": ["type": "string"], "on_behalf_of": ["type": ["string", "null"]], "decision": ["enum": ["approved", "rejected"]],
            "comment": ["type": ["string", "null"]], "at": Schemas.timestamp,
        ],
    ]
    static let schema: JSON = [
        "type": "object", "required": ["id", "execution_id", "node", "workflow", "status", "approvers", "quorum", "created_at"],
        "properties": [
            "id": ["type": "string"], "execution_id": ["type": "string"], "node": ["type": "string"], "attempt": ["type": "integer"],
            "workflow": ["type": "string"], "environment": Schemas.environment, "team": ["type": ["string", "null"]],
            "message": ["type": ["string", "null"]],
            "approvers": ["type": "array", "items": ["type": "string"], "description": "Logins, role:NAME and team:NAME."],
            "quorum": ["type": "integer"], "on_expiry": ["enum": ["reject", "approve", "fail"]],
            "status": ["enum": ["pending", "approved", "rejected", "expired", "cancelled"]],
            "requested_by": ["type": ["string", "null"], "description": "The user who started the execution (who may not decide)."],
            "approvals": ["type": "integer", "description": "Distinct approvals so far."],
            "votes": ["type": "array", "items": voteSchema],
            "created_at": Schemas.timestamp, "expires_at": ["type": ["string", "null"], "format": "date-time"],
            "decided_at": ["type": ["string", "null"], "format": "date-time"],
        ],
    ]
    static let delegationSchema: JSON = [
        "type": "object", "required": ["from", "to", "until"],
        "properties": ["from": ["type": "string"], "to": ["type": "string"], "until": Schemas.timestamp, "created_at": Schemas.timestamp],
    ]

    public typealias Services = ApprovalService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/approvals", needs: .permission(.executionsView),
                      Operation(id: "listApprovals", summary: "Approval requests, newest first; `mine=true`: those you may decide now.", tag: "approvals",
                                query: Pagination.parameters + [
                                    ("status", ["enum": ["pending", "approved", "rejected", "expired", "cancelled"]], "Only this status."),
                                    ("mine", ["type": "boolean"], "Only pending requests you may decide (your right, or one delegated to you)."),
                                ],
                                success: (200, Schemas.list(of: schema), "application/json"), problems: [400]),
                      handler: list),
            RouteSpec(.get, "/api/v1/approvals/{approval}", needs: .permission(.executionsView),
                      Operation(id: "getApproval", summary: "One approval request with its votes.", tag: "approvals",
                                success: (200, schema, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.post, "/api/v1/approvals/{approval}/approve", needs: .permission(.approvalsDecide),
                      Operation(id: "approveApproval", summary: "Approve; the quorum's last approval completes the step.", tag: "approvals",
                                requestBody: DecisionBody.schema.json, success: (200, schema, "application/json"),
                                problems: [400, 403, 404, 409, 413, 415]),
                      handler: approve),
            RouteSpec(.post, "/api/v1/approvals/{approval}/reject", needs: .permission(.approvalsDecide),
                      Operation(id: "rejectApproval", summary: "Reject; one rejection completes the step with decision rejected.", tag: "approvals",
                                requestBody: DecisionBody.schema.json, success: (200, schema, "application/json"),
                                problems: [400, 403, 404, 409, 413, 415]),
                      handler: reject),
            RouteSpec(.put, "/api/v1/approvals/delegation", needs: .permission(.approvalsDecide),
                      Operation(id: "delegateApprovals", summary: "Lend your approval rights to a colleague until a time (replaces an earlier one).",
                                tag: "approvals", requestBody: DelegationBody.schema.json, success: (200, delegationSchema, "application/json"),
                                problems: [400, 403, 404, 413, 415, 422]),
                      handler: delegate),
            RouteSpec(.get, "/api/v1/approvals/delegation", needs: .permission(.approvalsDecide),
                      Operation(id: "listDelegations", summary: "The delegations you gave or hold that have not ended.", tag: "approvals",
                                success: (200, Schemas.list(of: delegationSchema), "application/json"), problems: [403]),
                      handler: delegations),
            RouteSpec(.delete, "/api/v1/approvals/delegation", needs: .permission(.approvalsDecide),
                      Operation(id: "endDelegation", summary: "Take your delegation back; `ended` says whether there was one.", tag: "approvals",
                                success: (200, ["type": "object", "properties": ["ended": ["type": "boolean"]]], "application/json"), problems: [403]),
                      handler: endDelegation),
        ]
    }

    struct DecisionBody: RequestBody {
        let comment: String?
        static let schema = ObjectSchema([
            .init("comment", ["type": "string", "maxLength": 4000], "Why; part of the step's output and of the audit trail."),
        ])
    }

    struct DelegationBody: RequestBody {
        let to: String
        let until: String
        static let schema = ObjectSchema([
            .init("to", ["type": "string"], required: true, "A member of your org (login or ID)."),
            .init("until", ["type": "string"], required: true, "An RFC 3339 time, or a date (`2026-12-24`: until that day starts, UTC)."),
        ])
    }

    /// The person a decision or delegation is made by: a user (an API key acts for its owner).
    static func person(_ context: AgentRequestContext) throws -> UserID {
        guard let user = try requireCaller(context).userID else { throw APIError.personRequired("Deciding on an approval") }
        return user
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = ApprovalStore.Filter()
        if let text = query["status"] {
            guard let status = ApprovalStatus(rawValue: String(text)) else {
                throw APIError.invalidParameter(name: "status", "must be pending, approved, rejected, expired or cancelled; got `\(text)`")
            }
            filter.status = status
        }
        switch query["mine"].map(String.init) {
        case nil, "false": break
        case "true": filter.decidableBy = try person(context)
        case let other?: throw APIError.invalidParameter(name: "mine", "must be true or false; got `\(other)`")
        }
        let listing = filter.decidableBy == nil ? "approvals" : "approvals-mine"
        let page = try await services.approvals.list(in: context.scope(), filter: filter, now: services.clock.now(),
                                                     page: Pagination.request(from: request, listing: listing))
        return DefinitionResources.respond(.ok, DefinitionResources.list(page.items.map(resource), next: page.nextAfter.map {
            Pagination.cursor(after: $0, listing: listing)
        }))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        DefinitionResources.respond(.ok, resource(try await services.approvals.get(context.parameters.require("approval"), in: context.scope())))
    }

    static func approve(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await decide(.approve, request, context, services)
    }

    static func reject(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await decide(.reject, request, context, services)
    }

    /// A decision's comment (optional body, at most 4000 characters) and the person deciding:
    /// what deciding an approval request and a change request both read first.
    static func decision(_ request: Request, _ context: AgentRequestContext, limits: RequestLimits, what: String) async throws
        -> (comment: String?, user: UserID) {
        let body = try await BodyDecoder.decodeIfPresent(DecisionBody.self, from: request, limits: limits)
        if let comment = body?.comment, comment.count > 4000 { throw ValidationError(field: "comment", "is longer than 4000 characters") }
        guard let user = try requireCaller(context).userID else { throw APIError.personRequired(what) }
        return (body?.comment, user)
    }

    static func decide(_ choice: ApprovalVote.Choice, _ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (comment, user) = try await decision(request, context, limits: services.limits, what: "Deciding on an approval")
        let record = try await services.decide(context.parameters.require("approval"), choice, comment: comment, by: user,
                                               context: context.change(services.clock))
        return DefinitionResources.respond(.ok, resource(record))
    }

    static func delegate(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(DelegationBody.self, from: request, limits: services.limits)
        guard let until = Instant(rfc3339: body.until) ?? Instant(rfc3339: body.until + "T00:00:00Z") else {
            throw ValidationError(field: "until", "must be an RFC 3339 time (2026-12-24T17:00:00Z) or a date (2026-12-24)")
        }
        let record = try await services.approvals.delegate(from: try person(context), to: body.to, until: until, context: context.change(services.clock))
        return DefinitionResources.respond(.ok, delegation(record))
    }

    static func delegations(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let records = try await services.approvals.delegations(of: try person(context), in: context.scope(), now: services.clock.now())
        return DefinitionResources.respond(.ok, DefinitionResources.list(records.map(delegation), next: nil))
    }

    static func endDelegation(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let ended = try await services.approvals.endDelegation(of: try person(context), context: context.change(services.clock))
        return DefinitionResources.respond(.ok, ["ended": .bool(ended)])
    }

    static func delegation(_ record: ApprovalDelegationRecord) -> JSONValue {
        ["from": .string(record.fromLogin), "to": .string(record.toLogin), "until": .string(record.until.rfc3339),
         "created_at": .string(record.createdAt.rfc3339)]
    }

    static func resource(_ record: ApprovalRecord) -> JSONValue {
        let votes: [JSONValue] = record.votes.map { vote in
            ["by": .string(vote.login), "on_behalf_of": vote.onBehalfOfLogin.map(JSONValue.string) ?? .null,
             "decision": .string(vote.choice == .approve ? "approved" : "rejected"), "comment": vote.comment.map(JSONValue.string) ?? .null,
             "at": .string(vote.at.rfc3339)]
        }
        return [
            "id": .string(record.id.rawValue), "execution_id": .string(record.executionID), "node": .string(record.node),
            "attempt": .integer(record.attempt), "workflow": .string(record.workflow), "environment": .string(record.environment.rawValue),
            "team": record.teamID.map { .string($0.rawValue) } ?? .null, "message": record.message.map(JSONValue.string) ?? .null,
            "approvers": .array(record.policy.approvers.map { .string($0.description) }), "quorum": .integer(record.policy.quorum),
            "on_expiry": .string(record.policy.onExpiry.rawValue), "status": .string(record.status.rawValue),
            "requested_by": record.requestedBy.map(JSONValue.string) ?? .null,
            "approvals": .integer(Set(record.votes.filter { $0.choice == .approve }.map(\.counted)).count), "votes": .array(votes),
            "created_at": .string(record.createdAt.rfc3339), "expires_at": record.expiresAt.map { .string($0.rfc3339) } ?? .null,
            "decided_at": record.decidedAt.map { .string($0.rfc3339) } ?? .null,
        ]
    }
}
