import Core
import Foundation
import Hummingbird
import Storage

/// What happened in the org that someone should notice (`agentctl activity`): budget alerts,
/// failed executions and approvals that wait, newest first, as far as the caller may see them.
public enum ActivityRoutes: RouteFile {
    static let schema: JSON = [
        "type": "object", "required": ["at", "kind", "summary"],
        "properties": [
            "at": Schemas.timestamp,
            "kind": ["enum": .array(ActivityItem.Kind.allCases.map { .string($0.rawValue) })],
            "summary": ["type": "string", "description": "One line for people."],
            "team": ["type": ["string", "null"]], "execution": ["type": ["string", "null"]], "workflow": ["type": ["string", "null"]],
            "error": ["type": ["object", "null"], "description": "execution.failed: the execution's error."],
            "budget": ["type": ["string", "null"], "description": "budget.alert: org, or team NAME."],
            "threshold": ["type": ["integer", "null"], "description": "budget.alert: the percentage crossed."],
            "spent_micros": ["type": ["integer", "null"]], "limit_micros": ["type": ["integer", "null"]],
            "approval": ["type": ["string", "null"], "description": "approval.pending: the request (agentctl approvals show ID)."],
            "message": ["type": ["string", "null"], "description": "approval.pending: the request's message."],
        ],
    ]

    public typealias Services = AuditService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/activity", needs: .permission(.executionsView),
                      Operation(id: "listActivity",
                                summary: "Budget alerts, failed executions and approvals that wait, newest first (budget alerts need costs.view).",
                                tag: "executions",
                                query: [("since", ["type": "string"], "From this time: RFC 3339, or back from now like 24h or 30d; default 7d."),
                                        ("kind", ["enum": .array(ActivityItem.Kind.allCases.map { .string($0.rawValue) })], "Only this kind.")]
                                    + Pagination.parameters,
                                success: (200, Schemas.list(of: schema), "application/json"), problems: [400]),
                      handler: list),
        ]
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let query = request.uri.queryParameters
        let now = services.clock.now()
        var since = now.adding(milliseconds: -7 * Milliseconds.day)
        if let text = query["since"] {
            guard let instant = ExecutionResources.since(String(text), now: now) else {
                throw APIError.invalidParameter(name: "since", "must be an RFC 3339 time or a duration like 90s, 30m, 24h or 7d; got `\(text)`")
            }
            since = instant
        }
        var kinds = Set(ActivityItem.Kind.allCases)
        if let text = query["kind"] {
            guard let kind = ActivityItem.Kind(rawValue: String(text)) else {
                throw APIError.invalidParameter(name: "kind", "must be one of \(ActivityItem.Kind.allCases.map(\.rawValue).joined(separator: ", ")); got `\(text)`")
            }
            kinds = [kind]
        }
        let page = try await services.activity.list(in: context.scope(), kinds: kinds, since: since,
                                                    page: Pagination.request(from: request, listing: "activity"))
        return DefinitionResources.respond(.ok, DefinitionResources.list(page.items.map(resource),
                                                                         next: page.nextAfter.map { Pagination.cursor(after: $0, listing: "activity") }))
    }

    static func resource(_ item: ActivityItem) -> JSONValue {
        var object: [String: JSONValue] = [
            "at": .string(item.at.rfc3339), "kind": .string(item.kind.rawValue), "summary": .string(summary(item)),
            "team": item.teamID.map { .string($0.rawValue) } ?? .null, "execution": item.executionID.map(JSONValue.string) ?? .null,
            "workflow": item.workflow.map(JSONValue.string) ?? .null,
        ]
        switch item.kind {
        case .executionFailed:
            object["error"] = item.error ?? .null
        case .budgetAlert:
            object["budget"] = item.budget.map(JSONValue.string) ?? .null
            object["threshold"] = item.threshold.map(JSONValue.integer) ?? .null
            object["spent_micros"] = item.spentMicros.map { .integer(Int($0)) } ?? .null
            object["limit_micros"] = item.limitMicros.map { .integer(Int($0)) } ?? .null
        case .approvalPending:
            object["approval"] = item.approvalID.map(JSONValue.string) ?? .null
            object["message"] = item.message.map(JSONValue.string) ?? .null
        }
        return .object(object)
    }

    /// One line: what happened and where to look next.
    static func summary(_ item: ActivityItem) -> String {
        switch item.kind {
        case .budgetAlert:
            let spend = item.spentMicros.map(Money.format) ?? "?", limit = item.limitMicros.map(Money.format) ?? "?"
            return "budget \(item.budget ?? "?") passed \(item.threshold ?? 0) % ($\(spend) of $\(limit))"
                + (item.executionID.map { " with execution \($0)" } ?? "")
        case .executionFailed:
            var message = "\(item.workflow ?? "?") failed"
            if case .object(let error)? = item.error {
                if case .string(let node)? = error["node"] { message += " at \(node)" }
                // A step's error is {node, error: {kind, message}}; the execution's own (a passed
                // deadline) is {kind, message}.
                var detail = error
                if case .object(let inner)? = error["error"] { detail = inner }
                if case .string(let kind)? = detail["kind"] { message += ": \(kind)" }
                if case .string(let text)? = detail["message"] { message += ": \(text)" }
            }
            return message
        case .approvalPending:
            return "\(item.workflow ?? "?") waits for approval" + (item.message.map { ": \($0)" } ?? "")
                + (item.approvalID.map { " (agentctl approvals show \($0))" } ?? "")
        }
    }
}
