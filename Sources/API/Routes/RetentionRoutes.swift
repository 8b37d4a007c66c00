import Core
import Foundation
import Hummingbird
import Storage

/// An org's retention periods (docs/compliance.md#retention): read with orgs.view, set with
/// compliance.manage. `{org}` is an ID or a name.
public enum RetentionRoutes: RouteFile {
    public typealias Services = ComplianceService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/orgs/{org}/retention", needs: .permission(.orgsView),
                      Operation(id: "getRetention", summary: "How long the org's executions and step payloads are kept, and what is due now.",
                                tag: "orgs", success: (200, Schemas.retention, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.put, "/api/v1/orgs/{org}/retention", needs: .permission(.complianceManage),
                      Operation(id: "setRetention", summary: "Set the org's own retention periods; null returns a period to the site's.",
                                tag: "orgs", requestBody: RetentionBody.schema.json, success: (200, Schemas.retention, "application/json"),
                                problems: [400, 404, 413, 415, 422, 503]),
                      handler: set),
        ]
    }

    /// An org may not keep executions for less than a month: the monthly execution quota
    /// counts the executions kept.
    static let shortestExecutions = 31 * Milliseconds.day
    /// Nor step payloads for less than a day (nobody could have read them).
    static let shortestPayloads = Milliseconds.day

    struct RetentionBody: RequestBody {
        let executions: String?
        let stepPayloads: String?

        enum CodingKeys: String, CodingKey { case executions, stepPayloads = "step_payloads" }

        static let schema = ObjectSchema([
            .init("executions", ["type": ["string", "null"]],
                  "How long finished executions are kept: `365d`, `2y`, `forever`; null: the site's (`[retention] executions`). At least 31d."),
            .init("step_payloads", ["type": ["string", "null"]],
                  "How long step outputs and event data are kept: `30d`, `forever`; null: the site's. At least 1d, and not longer than executions."),
        ])
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let org = try await services.store.org(context.parameters.require("org"), in: context.scope())
        return try JSONResponse.make(.ok, try await RetentionResource(org, services))
    }

    static func set(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(RetentionBody.self, from: request, limits: services.limits)
        var violations: [FieldViolation] = []
        func period(_ text: String?, field: String, shortest: Int64) -> RetentionPeriod? {
            guard let text else { return nil }
            switch RetentionPeriod.parse(text) {
            case .failure(let problem):
                violations.append(FieldViolation(field: field, message: problem.reason))
                return nil
            case .success(let period):
                if let milliseconds = period.milliseconds, milliseconds < shortest {
                    violations.append(FieldViolation(field: field, message: "must be at least \(RetentionPeriod.milliseconds(shortest).text), or forever"))
                }
                return period
            }
        }
        let override = RetentionOverride(executions: period(body.executions, field: "executions", shortest: shortestExecutions),
                                         stepPayloads: period(body.stepPayloads, field: "step_payloads", shortest: shortestPayloads))
        if violations.isEmpty, let problem = override.problem(under: services.retention.settings.site) {
            violations.append(FieldViolation(field: "step_payloads", message: problem))
        }
        if !violations.isEmpty { throw ValidationError(violations) }
        let org = try await services.store.set(override, org: context.parameters.require("org"), context: context.change(services.clock))
        return try JSONResponse.make(.ok, try await RetentionResource(org, services))
    }
}

/// An org's retention as the API shows it: each period with where it comes from, and what is due.
struct RetentionResource: Encodable {
    struct Period: Encodable {
        let period: String
        /// `org` (its own) or `site` (`[retention]`).
        let source: String
    }

    struct Due: Encodable {
        let executions: Int
        let stepPayloads: Int
    }

    let orgId: String
    let org: String
    let executions: Period
    let stepPayloads: Period
    let audit: Period
    let due: Due

    init(_ org: RetentionStore.OrgRetention, _ services: ComplianceService) async throws {
        let site = services.retention.settings.site
        let policy = site.overridden(by: org.override)
        orgId = org.orgID.rawValue
        self.org = org.name
        executions = Period(period: RetentionPeriod(milliseconds: policy.executionsMilliseconds).text,
                            source: org.override.executions == nil ? "site" : "org")
        stepPayloads = Period(period: RetentionPeriod(milliseconds: policy.stepPayloadsMilliseconds).text,
                              source: org.override.stepPayloads == nil ? "site" : "org")
        audit = Period(period: RetentionPeriod(milliseconds: site.auditMilliseconds).text, source: "site")
        let due = try await services.store.due(org: org.orgID, policy: policy, now: services.clock.now())
        self.due = Due(executions: due.executions, stepPayloads: due.payloads)
    }
}
