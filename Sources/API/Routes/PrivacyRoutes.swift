import Core
import Foundation
import Hummingbird
import Storage

/// An org's privacy policy (docs/compliance.md#pii-detection-and-masking): read with
/// orgs.view, set with compliance.manage. `{org}` is an ID or a name. A PUT replaces the whole
/// policy (`agentctl orgs privacy` reads it first and changes what it is told to).
public enum PrivacyRoutes: RouteFile {
    public typealias Services = ComplianceService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/orgs/{org}/privacy", needs: .permission(.orgsView),
                      Operation(id: "getPrivacy", summary: "The org's privacy policy: what its executions do with the personal data PII detection finds.",
                                tag: "orgs", success: (200, Schemas.privacy, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.put, "/api/v1/orgs/{org}/privacy", needs: .permission(.complianceManage),
                      Operation(id: "setPrivacy", summary: "Replace the org's privacy policy; it applies to executions started from now on.",
                                tag: "orgs", requestBody: PrivacyBody.schema.json, success: (200, Schemas.privacy, "application/json"),
                                problems: [400, 404, 413, 415, 422, 503]),
                      handler: set),
        ]
    }

    struct PatternBody: Decodable, Sendable {
        let name: String
        let regex: String
    }

    struct PrivacyBody: RequestBody {
        let pii: String
        let kinds: [String]?
        let patterns: [PatternBody]?

        static let schema = ObjectSchema([
            .init("pii", ["type": "string", "enum": .array(PIIAction.allCases.map { .string($0.rawValue) })], required: true,
                  "What to do with personal data found: off, mask_in_prompts (mask what is sent to models), mask (and what is stored), block (fail the step)."),
            .init("kinds", ["type": ["array", "null"], "items": ["type": "string"]],
                  "The kinds covered: \(PIIKindSelection.known); null or absent: all of them."),
            .init("patterns", ["type": ["array", "null"], "maxItems": .number(Double(CustomPIIPattern.maximumCount)), "items": [
                "type": "object", "required": ["name", "regex"],
                "properties": ["name": ["type": "string"], "regex": ["type": "string", "maxLength": .number(Double(CustomPIIPattern.maximumLength))]],
            ]], "The org's own kinds: a name (a-z, 0-9, _) and a regular expression (ICU syntax) each, at most \(CustomPIIPattern.maximumCount)."),
        ])
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let org = try await services.privacy.org(context.parameters.require("org"), in: context.scope())
        return try JSONResponse.make(.ok, PrivacyResource(org))
    }

    static func set(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(PrivacyBody.self, from: request, limits: services.limits)
        let policy = try policy(from: body)
        let org = try await services.privacy.set(policy, org: context.parameters.require("org"), context: context.change(services.clock))
        return try JSONResponse.make(.ok, PrivacyResource(org))
    }

    /// The policy a body describes, or the first thing wrong with it (with its field).
    static func policy(from body: PrivacyBody) throws -> PrivacyPolicy {
        guard let action = PIIAction(rawValue: body.pii) else {
            throw PrivacyProblem(.unknownAction, "\"\(body.pii)\" is not a PII action; use one of \(PIIAction.names)", field: "pii")
        }
        var kinds = PIIKindSelection.all
        if let names = body.kinds {
            switch PIIKindSelection.parse(names) {
            case .success(let selection): kinds = selection
            case .failure(var problem):
                problem.field = "kinds"
                throw problem
            }
        }
        var patterns: [CustomPIIPattern] = []
        for (index, pattern) in (body.patterns ?? []).enumerated() {
            switch CustomPIIPattern.validate(name: pattern.name, regex: pattern.regex) {
            case .success(let valid): patterns.append(valid)
            case .failure(var problem):
                problem.field = "patterns[\(index)]." + (problem.code == .patternName ? "name" : "regex")
                throw problem
            }
        }
        if var problem = PrivacyPolicy.patternsProblem(patterns) {
            problem.field = "patterns"
            throw problem
        }
        return PrivacyPolicy(action: action, kinds: kinds, patterns: patterns)
    }
}

/// An org's privacy policy as the API shows it.
struct PrivacyResource: Encodable {
    struct Pattern: Encodable {
        let name: String
        let regex: String
    }

    let orgId: String
    let org: String
    let pii: String
    let kinds: [String]
    let patterns: [Pattern]
    /// False while the org has never set one (it is off).
    let set: Bool

    init(_ org: PrivacyStore.OrgPrivacy) {
        orgId = org.orgID.rawValue
        self.org = org.name
        pii = org.policy.action.rawValue
        kinds = org.policy.kinds.names
        patterns = org.policy.patterns.map { Pattern(name: $0.name, regex: $0.regex) }
        set = org.isSet
    }
}
