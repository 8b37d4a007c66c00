import Core
import Foundation
import Hummingbird
import Storage

/// Cost analytics of the caller's org (`agentctl costs`): breakdowns, daily trend, top
/// spenders, a forecast to the period's end and advice. Money is integer micro-dollars, with
/// a dollar string beside it for people.
public enum CostRoutes: RouteFile {
    static let totals: JSON = [
        "type": "object", "properties": [
            "key": ["type": "string"], "calls": ["type": "integer"], "failed_calls": ["type": "integer"], "prompt_tokens": ["type": "integer"],
            "completion_tokens": ["type": "integer"], "cost_micros": ["type": "integer"], "cost": ["type": "string"],
        ],
    ]
    static let window: [(name: String, schema: JSON, description: String)] = [
        ("since", ["type": "string"], "From this day or time (RFC 3339, 2026-01-01, or back from now: 30d); default 30d."),
        ("until", ["type": "string"], "Up to (not including) this day; default: now."),
    ]

    public typealias Services = CostService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/costs", needs: .permission(.costsView),
                      Operation(id: "costBreakdown", summary: "Costs and tokens by team, workflow, agent, model, user (who started the executions) or day.", tag: "costs",
                                query: window + [("by", ["enum": .array(CostDimension.allCases.map { .string($0.rawValue) })], "Default workflow.")],
                                success: (200, Schemas.list(of: totals), "application/json"), problems: [400]),
                      handler: breakdown),
            RouteSpec(.get, "/api/v1/costs/trend", needs: .permission(.costsView),
                      Operation(id: "costTrend", summary: "Daily costs, days without calls included.", tag: "costs", query: window,
                                success: (200, Schemas.list(of: totals), "application/json"), problems: [400]),
                      handler: trend),
            RouteSpec(.get, "/api/v1/costs/top", needs: .permission(.costsView),
                      Operation(id: "costTop", summary: "The biggest spenders: executions (default) or teams, workflows, agents, models.",
                                tag: "costs",
                                query: window + [("by", ["enum": ["execution", "team", "workflow", "agent", "model", "user"]], "Default execution."),
                                                 ("limit", ["type": "integer", "minimum": 1, "maximum": 100], "Default 10.")],
                                success: (200, Schemas.list(of: ["type": "object"]), "application/json"), problems: [400]),
                      handler: top),
            RouteSpec(.get, "/api/v1/costs/forecast", needs: .permission(.costsView),
                      Operation(id: "costForecast", summary: "Spend so far this period and its projection to the period's end.", tag: "costs",
                                success: (200, ["type": "object"], "application/json")),
                      handler: forecast),
            RouteSpec(.get, "/api/v1/costs/advice", needs: .permission(.costsView),
                      Operation(id: "costAdvice", summary: "Where money could be saved: cheaper models, grown prompts, failing calls.",
                                tag: "costs", query: window, success: (200, Schemas.list(of: ["type": "object"]), "application/json"), problems: [400]),
                      handler: advice),
        ]
    }

    static func range(_ request: Request, now: Instant) throws -> (since: Instant, until: Instant) {
        let query = request.uri.queryParameters
        func read(_ name: String, default value: Instant) throws -> Instant {
            guard let text = query[Substring(name)].map(String.init) else { return value }
            guard let instant = TimeFilter.instant(text, now: now) else {
                throw APIError.invalidParameter(name: name, "must be an RFC 3339 UTC time, a day (2026-01-01) or a duration back from now like 30d; got `\(text)`")
            }
            return instant
        }
        let since = try read("since", default: now.adding(milliseconds: -30 * Milliseconds.day))
        // Days are whole: by default the window ends with today.
        let tomorrow = Instant(millisecondsSinceEpoch: (now.millisecondsSinceEpoch / Milliseconds.day + 1) * Milliseconds.day)
        let until = try read("until", default: tomorrow)
        guard since < until else { throw APIError.invalidParameter(name: "since", "must be before until") }
        guard until.millisecondsSinceEpoch - since.millisecondsSinceEpoch <= 3660 * Milliseconds.day else {
            throw APIError.invalidParameter(name: "since", "a window spans at most ten years")
        }
        return (since, until)
    }

    static func breakdown(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let window = try range(request, now: services.clock.now())
        let byText = request.uri.queryParameters["by"].map(String.init) ?? "workflow"
        guard let dimension = CostDimension(rawValue: byText) else {
            throw APIError.invalidParameter(name: "by", "must be one of \(CostDimension.allCases.map(\.rawValue).joined(separator: ", ")); got `\(byText)`")
        }
        let rows = try await services.costs.breakdown(in: context.scope(), by: dimension, since: window.since, until: window.until)
        return respond(rows, window, extra: ["by": .string(dimension.rawValue)])
    }

    static func trend(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let window = try range(request, now: services.clock.now())
        return respond(try await services.costs.trend(in: context.scope(), since: window.since, until: window.until), window, extra: [:])
    }

    static func top(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let window = try range(request, now: services.clock.now())
        let query = request.uri.queryParameters
        let limitText = query["limit"].map(String.init) ?? "10"
        guard let limit = Int(limitText), (1...100).contains(limit) else {
            throw APIError.invalidParameter(name: "limit", "must be 1 to 100; got `\(limitText)`")
        }
        let byText = query["by"].map(String.init) ?? "execution"
        if byText == "execution" {
            let rows = try await services.costs.topExecutions(in: context.scope(), since: window.since, limit: limit)
            return DefinitionResources.respond(.ok, ["by": "execution", "items": .array(rows.map { row in
                ["id": .string(row.id), "workflow": .string(row.workflow), "status": .string(row.status), "created_at": .string(row.createdAt.rfc3339),
                 "cost_micros": .integer(Int(row.costMicros)), "cost": .string(Money.format(row.costMicros)),
                 "prompt_tokens": .integer(row.usage.promptTokens), "completion_tokens": .integer(row.usage.completionTokens)]
            })])
        }
        guard let dimension = CostDimension(rawValue: byText), dimension != .day else {
            throw APIError.invalidParameter(name: "by", "must be execution, team, workflow, agent, model or user; got `\(byText)`")
        }
        let rows = try await services.costs.breakdown(in: context.scope(), by: dimension, since: window.since, until: window.until)
        return respond(Array(rows.prefix(limit)), window, extra: ["by": .string(dimension.rawValue)])
    }

    static func forecast(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (projection, budget) = try await services.costs.forecast(in: context.scope(), now: services.clock.now())
        var object: [String: JSONValue] = [
            "period_start": .string(projection.periodStart.rfc3339), "period_end": .string(projection.periodEnd.rfc3339),
            "spent_micros": .integer(Int(projection.spentMicros)), "spent": .string(Money.format(projection.spentMicros)),
            "daily_rate_micros": .integer(Int(projection.dailyRateMicros)), "daily_rate": .string(Money.format(projection.dailyRateMicros)),
            "projected_micros": .integer(Int(projection.projectedMicros)), "projected": .string(Money.format(projection.projectedMicros)),
        ]
        if let budget {
            object["budget"] = BudgetRoutes.resource(budget)
            object["projected_percent_of_budget"] = .number((Double(projection.projectedMicros) * 1000 / Double(max(1, budget.budget.limitMicros))).rounded() / 10)
        }
        return DefinitionResources.respond(.ok, .object(object))
    }

    static func advice(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let now = services.clock.now()
        let window = try range(request, now: now)
        let items = try await services.costs.advice(in: context.scope(), since: window.since, now: now)
        return DefinitionResources.respond(.ok, DefinitionResources.list(items.map { item in
            ["rule": .string(item.rule), "subject": .string(item.subject), "message": .string(item.message),
             "saving_micros": item.savingMicros.map { .integer(Int($0)) } ?? .null]
        }, next: nil))
    }

    static func respond(_ rows: [CostTotals], _ window: (since: Instant, until: Instant), extra: [String: JSONValue]) -> Response {
        var object = extra
        object["since"] = .string(window.since.rfc3339)
        object["until"] = .string(window.until.rfc3339)
        object["total_micros"] = .integer(Int(rows.reduce(0) { $0 + $1.costMicros }))
        object["items"] = .array(rows.map { row in
            ["key": .string(row.key), "calls": .integer(row.calls), "failed_calls": .integer(row.failedCalls), "prompt_tokens": .integer(row.promptTokens),
             "completion_tokens": .integer(row.completionTokens), "cost_micros": .integer(Int(row.costMicros)), "cost": .string(Money.format(row.costMicros))]
        })
        return DefinitionResources.respond(.ok, .object(object))
    }
}
