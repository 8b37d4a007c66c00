import Core
import Foundation
import Hummingbird
import Storage

/// Spending limits per org and per team (`agentctl budgets`): alerts at 50/75/90/100 %, and
/// at 100 % new llm steps fail with `budget_exceeded` unless the budget allows overage.
public enum BudgetRoutes: RouteFile {
    static let schema: JSON = [
        "type": "object", "required": ["id", "scope", "period", "limit_micros", "spent_micros", "reserved_micros", "remaining_micros"],
        "properties": [
            "id": ["type": "string"], "scope": ["type": "string", "description": "org, or team NAME"], "team": ["type": ["string", "null"]],
            "period": ["enum": ["monthly", "quarterly"]], "period_start": Schemas.timestamp, "period_end": Schemas.timestamp,
            "limit": ["type": "string"], "limit_micros": ["type": "integer"], "spent": ["type": "string"], "spent_micros": ["type": "integer"],
            "reserved_micros": ["type": "integer"], "remaining": ["type": "string"], "remaining_micros": ["type": "integer"],
            "used_percent": ["type": "number"], "allow_overage": ["type": "boolean"],
            "alerts": ["type": "array", "items": ["type": "integer"], "description": "Thresholds (percent) alerted this period."],
        ],
    ]

    public typealias Services = CostService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/budgets", needs: .permission(.costsView),
                      Operation(id: "listBudgets", summary: "Budgets with this period's spend, reservations and what remains.", tag: "costs",
                                success: (200, Schemas.list(of: schema), "application/json")),
                      handler: list),
            RouteSpec(.put, "/api/v1/budgets", needs: .permission(.budgetsManage),
                      Operation(id: "setBudget", summary: "Set the org's budget, or a team's.", tag: "costs",
                                requestBody: SetBody.schema.json, success: (200, ["anyOf": [schema, ChangeRoutes.requestedSchema]], "application/json"),
                                problems: [400, 404, 413, 415, 422], otherSuccesses: [202]),
                      handler: set),
            RouteSpec(.delete, "/api/v1/budgets", needs: .permission(.budgetsManage),
                      Operation(id: "deleteBudget", summary: "Remove the org's budget, or a team's (`?team=`).", tag: "costs",
                                query: [("team", ["type": "string"], "The team (ID or name); none: the org's budget.")],
                                success: (204, nil, "application/json"), problems: [404]),
                      handler: delete),
        ]
    }

    struct SetBody: RequestBody {
        let team: String?
        let period: String?
        let limit: ModelRoutes.Dollars
        let allowOverage: Bool?
        enum CodingKeys: String, CodingKey { case team, period, limit, allowOverage = "allow_overage" }
        static let schema = ObjectSchema([
            .init("team", ["type": "string"], "A team (ID or name); none: the whole org."),
            .init("period", ["enum": ["monthly", "quarterly"]], "When it starts again (default monthly), on the 1st, UTC."),
            .init("limit", ModelRoutes.priceSchema, required: true, "Dollars per period."),
            .init("allow_overage", ["type": "boolean"], "Let steps run past 100 % (recorded as overage) instead of failing them."),
        ])
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let items = try await services.budgets.list(in: context.scope(), now: services.clock.now())
        return DefinitionResources.respond(.ok, DefinitionResources.list(items.map(resource), next: nil))
    }

    static func set(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(SetBody.self, from: request, limits: services.limits)
        guard let period = BudgetPeriod(rawValue: body.period ?? "monthly") else {
            throw ValidationError(field: "period", "must be monthly or quarterly")
        }
        switch try await services.budgets.set(team: body.team, period: period, limitMicros: body.limit.micros,
                                              allowOverage: body.allowOverage ?? false, context: context.change(services.clock)) {
        case .set(let status):
            return DefinitionResources.respond(.ok, resource(status))
        case .requested(let change):
            return DefinitionResources.respond(.accepted, ["change_request": ChangeRoutes.resource(change)])
        }
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await services.budgets.delete(team: request.uri.queryParameters["team"].map(String.init), context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func resource(_ status: BudgetStatus) -> JSONValue {
        let budget = status.budget
        let used = budget.limitMicros == 0 ? 0 : (Double(status.spentMicros) * 1000 / Double(budget.limitMicros)).rounded() / 10
        return [
            "id": .string(budget.id), "scope": .string(budget.label), "team": budget.teamName.map(JSONValue.string) ?? .null,
            "period": .string(budget.period.rawValue), "period_start": .string(status.periodStart.rfc3339), "period_end": .string(status.periodEnd.rfc3339),
            "limit": .string(Money.format(budget.limitMicros)), "limit_micros": .integer(Int(budget.limitMicros)),
            "spent": .string(Money.format(status.spentMicros)), "spent_micros": .integer(Int(status.spentMicros)),
            "reserved_micros": .integer(Int(status.reservedMicros)),
            "remaining": .string(Money.format(status.remainingMicros)), "remaining_micros": .integer(Int(status.remainingMicros)),
            "used_percent": .number(used), "allow_overage": .bool(budget.allowOverage), "alerts": .array(status.alerted.map { .integer($0) }),
        ]
    }
}
