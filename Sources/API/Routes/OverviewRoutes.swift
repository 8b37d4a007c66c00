import Core
import Foundation
import Hummingbird
import Storage

/// What runs now in the caller's org, on one page (`agentctl top`, docs/observability.md#top):
/// executions by status now and in the last hour, open jobs, step times over the last five
/// minutes, and — for callers with those permissions — spend today, open circuit breakers and
/// the latest error groups. Counted over the teams the caller sees. Needs executions.view.
public enum OverviewRoutes: RouteFile {
    static let counts: JSON = ["type": "object", "additionalProperties": ["type": "integer"]]
    static let schema: JSON = [
        "type": "object", "required": ["at", "executions", "last_hour", "open_jobs", "steps_5m", "breakers_open"],
        "properties": [
            "at": Schemas.timestamp,
            "executions": ["type": "object", "description": "Unfinished executions by status.", "additionalProperties": ["type": "integer"]],
            "last_hour": ["type": "object", "description": "Executions started in the last hour, by status.", "additionalProperties": ["type": "integer"]],
            "failure_rate_last_hour": ["type": ["number", "null"], "description": "failed / (succeeded + failed) of the last hour's ended executions."],
            "open_jobs": ["type": "integer"],
            "steps_5m": ["type": "object", "properties": [
                "count": ["type": "integer"], "p50_ms": ["type": ["number", "null"]], "p95_ms": ["type": ["number", "null"]]]],
            "cost_today": ["type": ["string", "null"], "description": "Dollars spent on llm steps since 00:00 UTC (null without costs.view)."],
            "breakers_open": ["type": "array", "items": ["type": "string"], "description": "Endpoints whose circuit breaker is open or probing."],
            "recent_errors": ["type": ["array", "null"], "description": "Error groups seen in the last hour (null without errors.view).",
                              "items": ["type": "object", "properties": [
                                  "fingerprint": ["type": "string"], "count": ["type": "integer"], "kind": ["type": "string"],
                                  "node": ["type": ["string", "null"]], "message": ["type": "string"], "last_seen": Schemas.timestamp]]],
        ],
    ]

    public typealias Services = ExecutionService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/overview", needs: .permission(.executionsView),
                      Operation(id: "getOverview", summary: "What runs now: executions by status, the last hour, step times, spend today, breakers, errors.",
                                tag: "executions", success: (200, schema, "application/json")),
                      handler: overview),
        ]
    }

    static func overview(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let scope = try context.scope()
        let now = services.clock.now()
        let executions = try await services.executions.overview(in: scope, now: now)
        let steps = services.engine.stepTimes(org: scope.orgID, since: now.adding(milliseconds: -5 * Milliseconds.minute))
        var cost: JSONValue = .null
        if scope.allows(.costsView) {
            cost = .string(Money.format(try await services.executions.costs.spentToday(in: scope, now: now)))
        }
        var errors: JSONValue = .null
        if scope.allows(.errorsView) {
            let groups = try await services.executions.errors.list(in: scope, filter: .init(since: now.adding(milliseconds: -Milliseconds.hour), limit: 5))
            errors = .array(groups.map { group in
                ["fingerprint": .string(group.fingerprint), "count": .integer(group.count), "kind": .string(group.kind),
                 "node": group.node.map(JSONValue.string) ?? .null, "message": .string(group.message), "last_seen": .string(group.lastSeen.rfc3339)]
            })
        }
        let ended = (executions.lastHour[.succeeded] ?? 0) + (executions.lastHour[.failed] ?? 0)
        let breakers = services.openBreakers(of: scope.orgID)
        let milliseconds = { (micros: Int64?) in micros.map { JSONValue.number(Double($0) / 1000) } ?? .null }
        let body: JSONValue = [
            "at": .string(now.rfc3339),
            "executions": .object(Dictionary(uniqueKeysWithValues: [ExecutionStatus.queued, .running, .waiting].map { ($0.rawValue, JSONValue.integer(executions.now[$0] ?? 0)) })),
            "last_hour": .object(Dictionary(uniqueKeysWithValues: executions.lastHour.map { ($0.key.rawValue, JSONValue.integer($0.value)) })),
            "failure_rate_last_hour": ended == 0 ? .null : .number(Double(executions.lastHour[.failed] ?? 0) / Double(ended)),
            "open_jobs": .integer(executions.openJobs),
            "steps_5m": ["count": .integer(steps.count), "p50_ms": milliseconds(steps.p50), "p95_ms": milliseconds(steps.p95)],
            "cost_today": cost, "breakers_open": .array(breakers.map(JSONValue.string)), "recent_errors": errors,
        ]
        return DefinitionResources.respond(.ok, body)
    }
}
