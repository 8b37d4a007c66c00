import Core
import Foundation
import Hummingbird
import Storage

/// The governance routes of workflows (docs/governance.md): merging a branch into main,
/// promoting a version between environments, and comparing environments. Declared in
/// `WorkflowRoutes.routes`; their bodies, schemas and handlers are here.
extension WorkflowRoutes {
    struct PromoteBody: RequestBody {
        let from: String
        let to: String
        static let schema = ObjectSchema([
            .init("from", Schemas.environment, required: true, "Where the version runs now (and has run successfully)."),
            .init("to", Schemas.environment, required: true, "Where it is deployed."),
        ])
    }

    static let promotionSchema: JSON = [
        "type": "object", "required": ["workflow", "from", "to", "version"],
        "properties": [
            "workflow": ["type": "string"], "from": Schemas.environment, "to": Schemas.environment,
            "version": ["type": "integer"], "promoted": ["type": "boolean", "description": "False when `to` runs that version already."],
            "replaced": ["type": ["integer", "null"]], "evidence": ["type": ["string", "null"], "description": "The succeeded execution in `from`."],
            "at": Schemas.timestamp, "by": ["type": "string"],
        ],
    ]
    static let environmentDiffSchema: JSON = [
        "type": "object", "required": ["from", "to", "workflows"],
        "properties": [
            "from": ["type": "string"], "to": ["type": "string"],
            "workflows": ["type": "array", "items": ["type": "object", "properties": [
                "name": ["type": "string"], "from_version": ["type": ["integer", "null"]], "to_version": ["type": ["integer", "null"]]]]],
            "secrets_only_in_from": ["type": ["array", "null"], "items": ["type": "string"]],
            "secrets_only_in_to": ["type": ["array", "null"], "items": ["type": "string"]],
            "settings": ["type": "object", "description": "Settings that differ: {setting: {from, to}}.",
                         "additionalProperties": ["type": "object", "properties": ["from": [:], "to": [:]]]],
        ],
    ]

    static func environment(_ text: String?, _ field: String) throws -> DeployEnvironment {
        try EnvironmentName.parse(text, field: field)
    }

    static func promote(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(PromoteBody.self, from: request, limits: services.limits)
        let from = try environment(body.from, "from"), to = try environment(body.to, "to")
        let reference = try context.parameters.require("workflow")
        switch try await services.definitions.promote(reference, from: from, to: to, context: context.change(services.clock)) {
        case .promoted(let promoted):
            return DefinitionResources.respond(.ok, promotion(promoted, promoted: true))
        case .requested(let change):
            return DefinitionResources.respond(.accepted, ["change_request": ChangeRoutes.resource(change)])
        case .unchanged(let version):
            let (record, _) = try await services.definitions.workflow(reference, in: context.scope())
            return DefinitionResources.respond(.ok, ["workflow": .string(record.name), "from": .string(from.rawValue), "to": .string(to.rawValue),
                                                     "version": .integer(version), "promoted": false, "replaced": .null, "evidence": .null])
        }
    }

    static func promotions(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let page = try await services.definitions.promotions(context.parameters.require("workflow"), in: context.scope(),
                                                             page: Pagination.request(from: request, listing: "promotions"))
        return DefinitionResources.respond(.ok, DefinitionResources.list(page.items.map { promotion($0, promoted: true) },
                                                                         next: page.nextAfter.map { Pagination.cursor(after: $0, listing: "promotions") }))
    }

    static func environmentDiff(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let query = request.uri.queryParameters
        let from = try environment(query["from"].map(String.init), "from"), to = try environment(query["to"].map(String.init), "to")
        let scope = try context.scope()
        let diff = try await services.definitions.environmentDiff(from, to, in: scope, secrets: scope.allows(.secretsRead))
        let workflows: [JSONValue] = diff.workflows.map { workflow in
            ["name": .string(workflow.name), "from_version": workflow.a.map(JSONValue.integer) ?? .null, "to_version": workflow.b.map(JSONValue.integer) ?? .null]
        }
        return DefinitionResources.respond(.ok, [
            "from": .string(from.rawValue), "to": .string(to.rawValue), "workflows": .array(workflows),
            "secrets_only_in_from": diff.secretsCompared ? .array(diff.secretsOnlyInA.map(JSONValue.string)) : .null,
            "secrets_only_in_to": diff.secretsCompared ? .array(diff.secretsOnlyInB.map(JSONValue.string)) : .null,
            "settings": .object(diff.settings.mapValues { ["from": $0.before, "to": $0.after] }),
        ])
    }

    static func promotion(_ promotion: DefinitionStore.Promotion, promoted: Bool) -> JSONValue {
        ["workflow": .string(promotion.workflow), "from": .string(promotion.from.rawValue), "to": .string(promotion.to.rawValue),
         "version": .integer(promotion.version), "promoted": .bool(promoted), "replaced": promotion.replaced.map(JSONValue.integer) ?? .null,
         "evidence": .string(promotion.evidence), "at": .string(promotion.at.rfc3339), "by": .string(promotion.by)]
    }

    struct MergeBody: RequestBody {
        let branch: String
        let take: String?
        let resolutions: [String: String]?
        let message: String?
        static let schema = ObjectSchema([
            .init("branch", ["type": "string"], required: true, "The branch to merge into main."),
            .init("take", ["enum": ["ours", "theirs"]], "Settle every conflict no resolution names: ours (main) or theirs (the branch)."),
            .init("resolutions", ["type": "object", "additionalProperties": ["enum": ["ours", "theirs"]], "maxProperties": 1000],
                  "Conflict path (`nodes.fetch.config.timeout_ms`) to the side it takes."),
            .init("message", ["type": "string", "maxLength": 500], "Stored with the merge version (default `merge BRANCH (version N)`)."),
        ])
    }

    static let mergeSchema: JSON = [
        "type": "object", "required": ["version", "changed", "base", "ours", "theirs"],
        "properties": [
            "workflow": ["type": "string"], "version": ["type": "integer"], "changed": ["type": "boolean"],
            "base": ["type": "integer", "description": "The common ancestor."], "ours": ["type": "integer", "description": "Main's head."],
            "theirs": ["type": "integer", "description": "The branch's head."],
            "settled": ["type": "array", "items": ["type": "object", "properties": ["path": ["type": "string"], "took": ["enum": ["ours", "theirs"]]]]],
        ],
    ]

    static func merge(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(MergeBody.self, from: request, limits: services.limits)
        if let message = body.message, message.count > 500 { throw ValidationError(field: "message", "must be at most 500 characters") }
        func side(_ text: String, _ field: String) throws -> WorkflowMerge.Side {
            guard let side = WorkflowMerge.Side(rawValue: text) else { throw ValidationError(field: field, "must be ours or theirs") }
            return side
        }
        let take = try body.take.map { try side($0, "take") }
        var resolutions: [String: WorkflowMerge.Side] = [:]
        for (path, text) in body.resolutions ?? [:] { resolutions[path] = try side(text, "resolutions.\(path)") }
        let merged = try await services.definitions.merge(context.parameters.require("workflow"), branch: body.branch, resolutions: resolutions,
                                                          take: take, message: body.message, context: context.change(services.clock))
        let settled: [JSONValue] = merged.settled.map { ["path": .string($0.conflict.path), "took": .string($0.side.rawValue)] }
        return DefinitionResources.respond(.ok, [
            "workflow": .string(merged.outcome.name), "version": .integer(merged.outcome.version), "changed": .bool(merged.outcome.changed),
            "base": .integer(merged.base), "ours": .integer(merged.ours), "theirs": .integer(merged.theirs), "settled": .array(settled),
        ])
    }
}
