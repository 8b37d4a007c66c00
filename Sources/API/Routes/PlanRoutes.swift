import Core
import Foundation
import Hummingbird
import Storage

/// Each org's plan, quota limits and use.
public enum PlanRoutes: RouteFile {
    public typealias Services = IdentityService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/orgs/{org}/quota", needs: .permission(.orgsView),
                      Operation(id: "getQuota", summary: "The org's plan, limits (null: unlimited) and current use.", tag: "orgs",
                                success: (200, Schemas.quota, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.put, "/api/v1/orgs/{org}/plan", needs: .permission(.plansManage),
                      Operation(id: "setPlan", summary: "Set an org's plan and its own overrides of the plan's limits.", tag: "orgs",
                                requestBody: PlanBody.schema.json, success: (200, Schemas.quota, "application/json"),
                                problems: [400, 404, 413, 415, 422]),
                      handler: set),
        ]
    }

    struct PlanBody: RequestBody {
        let plan: Plan
        let overrides: [String: OverrideValue]?

        /// A number, or the string "unlimited".
        enum OverrideValue: Decodable {
            case limited(Int)
            case unlimited

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Int.self), number >= 0 { self = .limited(number); return }
                if (try? container.decode(String.self)) == "unlimited" { self = .unlimited; return }
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a number >= 0 or \"unlimited\"")
            }
        }

        static let schema = ObjectSchema([
            .init("plan", ["type": "string", "enum": .array(Plan.allCases.map { .string($0.rawValue) })], required: true, "The plan."),
            .init("overrides", ["type": "object", "additionalProperties": ["oneOf": [["type": "integer", "minimum": 0], ["const": "unlimited"]]]],
                  "Per-resource limits replacing the plan's: executions_per_month, workflows, agents, teams, concurrent_executions."),
        ])
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try JSONResponse.make(.ok, QuotaBody(try await services.quotas.standing(of: context.parameters.require("org"), in: context.scope(), now: services.clock.now())))
    }

    static func set(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(PlanBody.self, from: request, limits: services.limits)
        var overrides = QuotaOverrides()
        for (name, value) in body.overrides ?? [:] {
            let converted: QuotaOverrides.Value = switch value {
            case .limited(let number): .limited(number)
            case .unlimited: .unlimited
            }
            switch QuotaResource(rawValue: name) {
            case .executionsPerMonth: overrides.executionsPerMonth = converted
            case .workflows: overrides.workflows = converted
            case .agents: overrides.agents = converted
            case .teams: overrides.teams = converted
            case .concurrentExecutions: overrides.concurrentExecutions = converted
            case nil:
                throw ValidationError(field: "overrides.\(name)",
                                      "is not a quota; use \(QuotaResource.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let standing = try await services.quotas.setPlan(body.plan, overrides: overrides, org: context.parameters.require("org"),
                                                         context: context.change(services.clock))
        return try JSONResponse.make(.ok, QuotaBody(standing))
    }

    struct QuotaBody: Encodable {
        struct Entry: Encodable {
            let limit: Int?
            let used: Int

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(limit, forKey: .limit)  // null means unlimited, written out
                try container.encode(used, forKey: .used)
            }

            enum CodingKeys: String, CodingKey { case limit, used }
        }

        let orgId: String
        let plan: String
        let quotas: [String: Entry]

        init(_ standing: QuotaStore.Standing) {
            orgId = standing.orgID.rawValue
            plan = standing.plan.rawValue
            let limits = standing.limits
            quotas = [
                "executions_per_month": Entry(limit: limits.executionsPerMonth, used: standing.usage[.executionsPerMonth] ?? 0),
                "workflows": Entry(limit: limits.workflows, used: standing.usage[.workflows] ?? 0),
                "agents": Entry(limit: limits.agents, used: standing.usage[.agents] ?? 0),
                "teams": Entry(limit: limits.teams, used: standing.usage[.teams] ?? 0),
                "concurrent_executions": Entry(limit: limits.concurrentExecutions, used: standing.usage[.concurrentExecutions] ?? 0),
            ]
        }
    }
}
