import Core
import Foundation
import Hummingbird
import Storage

/// Agents: list, read, history, diff, export, rollback, publish, delete. New versions come
/// from `POST /api/v1/apply`. `{agent}` is an ID (`ag_…`) or a name in your org.
public enum AgentRoutes: RouteFile, VersionedResource {
    public typealias Services = DefinitionService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/agents", needs: .permission(.agentsView),
                      Operation(id: "listAgents", summary: "List the agents you can see (your teams', the org's, and published ones).",
                                tag: "agents", query: DefinitionQuery.filters(kind: true) + Pagination.parameters,
                                success: (200, Schemas.list(of: Schemas.agent), "application/json"), problems: [400, 404]),
                      handler: VersionedRoutes<Self>.list),
            RouteSpec(.get, "/api/v1/agents/{agent}", needs: .permission(.agentsView),
                      Operation(id: "getAgent", summary: "An agent with its newest version (for another team's agent: its newest published one).",
                                tag: "agents", success: (200, Schemas.agent, "application/json"), problems: [404]),
                      handler: VersionedRoutes<Self>.get),
            RouteSpec(.get, "/api/v1/agents/{agent}/versions", needs: .permission(.agentsView),
                      Operation(id: "listAgentVersions", summary: "An agent's versions, newest first.", tag: "agents",
                                query: Pagination.parameters, success: (200, Schemas.list(of: Schemas.agentVersion), "application/json"),
                                problems: [400, 404]),
                      handler: VersionedRoutes<Self>.versions),
            RouteSpec(.get, "/api/v1/agents/{agent}/versions/{version}", needs: .permission(.agentsView),
                      Operation(id: "getAgentVersion", summary: "One version of an agent.", tag: "agents",
                                success: (200, Schemas.agentVersion, "application/json"), problems: [400, 404]),
                      handler: VersionedRoutes<Self>.version),
            RouteSpec(.get, "/api/v1/agents/{agent}/diff", needs: .permission(.agentsView),
                      Operation(id: "diffAgent", summary: "Field-level changes between two versions.", tag: "agents",
                                query: DefinitionQuery.diffParameters, success: (200, Schemas.agentDiff, "application/json"),
                                problems: [400, 404]),
                      handler: diff),
            RouteSpec(.get, "/api/v1/agents/{agent}/export", needs: .permission(.agentsView),
                      Operation(id: "exportAgent", summary: "A version as YAML that `apply` takes back unchanged.", tag: "agents",
                                query: [DefinitionQuery.versionParameter], success: (200, ["type": "string"], "application/yaml"),
                                problems: [400, 404]),
                      handler: export),
            RouteSpec(.post, "/api/v1/agents/{agent}/rollback", needs: .permission(.agentsCreate),
                      Operation(id: "rollbackAgent", summary: "Make a new version equal to an old one (history stays linear).", tag: "agents",
                                requestBody: RollbackBody.schema.json, success: (200, Schemas.applyOutcome, "application/json"),
                                problems: [400, 404, 413, 415, 422]),
                      handler: rollback),
            RouteSpec(.post, "/api/v1/agents/{agent}/publish", needs: .permission(.agentsPublish),
                      Operation(id: "publishAgent", summary: "Mark a version (default: the newest) usable by the org's other teams, or withdraw it.",
                                tag: "agents", requestBody: PublishBody.schema.json, requestBodyRequired: false,
                                success: (200, ["anyOf": [Schemas.agentVersion, ChangeRoutes.requestedSchema]], "application/json"),
                                problems: [400, 404, 413, 415, 422], otherSuccesses: [202]),
                      handler: publish),
            RouteSpec(.delete, "/api/v1/agents/{agent}", needs: .permission(.agentsDelete),
                      Operation(id: "deleteAgent", summary: "Delete an agent and its versions (refused while a workflow version uses it).",
                                tag: "agents", success: (204, nil, "application/json"), problems: [404, 409]),
                      handler: VersionedRoutes<Self>.delete),
        ]
    }

    struct RollbackBody: RequestBody {
        let version: Int
        static let schema = ObjectSchema([.init("version", ["type": "integer", "minimum": 1], required: true, "The version to return to.")])
    }

    struct PublishBody: RequestBody {
        let version: Int?
        let published: Bool?
        static let schema = ObjectSchema([
            .init("version", ["type": "integer", "minimum": 1], "Default: the newest version."),
            .init("published", ["type": "boolean"], "false withdraws it (default true)."),
        ])
    }

    static func diff(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (from, to) = try DefinitionQuery.diffVersions(request)
        let reference = try context.parameters.require("agent")
        let old = try await services.definitions.agentVersion(reference, version: from, in: context.scope())
        let new = try await services.definitions.agentVersion(reference, version: to, in: context.scope())
        let changes = JSONDiff.changes(old.definition.json, new.definition.json, at: "")
        return DefinitionResources.respond(.ok, ["from": .integer(from), "to": .integer(to), "changes": DefinitionResources.diff(changes),
                                                 "lines": .array(changes.map { .string("~ \($0)") })])
    }

    static func export(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let reference = try context.parameters.require("agent")
        let found: AgentVersionRecord
        if let text = request.uri.queryParameters["version"] {
            found = try await services.definitions.agentVersion(reference, version: try DefinitionQuery.version(String(text), name: "version"),
                                                                in: context.scope())
        } else {
            found = try await services.definitions.agent(reference, in: context.scope()).1
        }
        return DefinitionResources.text(.ok, YAMLDocuments.export(found.definition.json), contentType: "application/yaml")
    }

    static func rollback(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(RollbackBody.self, from: request, limits: services.limits)
        let outcome = try await services.definitions.rollbackAgent(context.parameters.require("agent"), to: body.version,
                                                                   context: context.change(services.clock))
        return DefinitionResources.respond(.ok, DefinitionResources.outcome(outcome))
    }

    static func publish(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decodeIfPresent(PublishBody.self, from: request, limits: services.limits)
        switch try await services.definitions.publishAgent(context.parameters.require("agent"), version: body?.version,
                                                           published: body?.published ?? true, context: context.change(services.clock)) {
        case .done(let found):
            return DefinitionResources.respond(.ok, DefinitionResources.agentVersion(found))
        case .requested(let change):
            return DefinitionResources.respond(.accepted, ["change_request": ChangeRoutes.resource(change)])
        }
    }

    // MARK: - VersionedResource

    static let parameter = "agent"
    static let filtersByKind = true
    static let searchKind = SearchQuery.Kind.agent
    static func id(of record: AgentRecord) -> String { record.id.rawValue }

    static func list(_ store: DefinitionStore, in scope: Scope, filter: DefinitionFilter, page: PageRequest) async throws -> Page<AgentRecord> {
        try await store.listAgents(in: scope, filter: filter, page: page)
    }

    static func newest(_ reference: String, _ store: DefinitionStore, in scope: Scope) async throws -> (AgentRecord, AgentVersionRecord) {
        try await store.agent(reference, in: scope)
    }

    static func versions(_ reference: String, _ store: DefinitionStore, in scope: Scope, page: PageRequest) async throws -> Page<AgentVersionRecord> {
        try await store.agentVersions(reference, in: scope, page: page)
    }

    static func version(_ reference: String, _ number: Int, _ store: DefinitionStore, in scope: Scope) async throws -> AgentVersionRecord {
        try await store.agentVersion(reference, version: number, in: scope)
    }

    static func delete(_ reference: String, _ store: DefinitionStore, context: ChangeContext) async throws {
        try await store.deleteAgent(reference, context: context)
    }

    static func resource(_ record: AgentRecord, latest: AgentVersionRecord?) -> JSONValue { DefinitionResources.agent(record, latest: latest) }
    static func resource(_ version: AgentVersionRecord) -> JSONValue { DefinitionResources.agentVersion(version) }
}

/// Query parameters shared by the agent and workflow routes.
enum DefinitionQuery {
    static func filters(kind: Bool) -> [(name: String, schema: JSON, description: String)] {
        var parameters: [(name: String, schema: JSON, description: String)] = [
            ("team", ["type": "string"], "Only this team's (ID or name)."),
            ("tag", ["type": "string"], "Only those with this tag."),
            ("name", ["type": "string"], "Only names starting with this."),
            ("updated_after", Schemas.timestamp, "Only those changed after this time (RFC 3339)."),
        ]
        if kind { parameters.append(("kind", ["enum": .array(StepKind.allCases.map { .string($0.rawValue) })], "Only this step kind.")) }
        return parameters
    }

    static let versionParameter: (name: String, schema: JSON, description: String) =
        ("version", ["type": "integer", "minimum": 1], "A version number; default: the newest.")

    static let diffParameters: [(name: String, schema: JSON, description: String)] = [
        ("from", ["type": "integer", "minimum": 1], "The older version (required)."),
        ("to", ["type": "integer", "minimum": 1], "The newer version (required)."),
    ]

    static func filter(_ request: Request, kind: Bool) throws -> DefinitionFilter {
        let query = request.uri.queryParameters
        var filter = DefinitionFilter()
        filter.team = query["team"].map(String.init)
        filter.tag = query["tag"].map(String.init)
        filter.namePrefix = query["name"].map(String.init)
        if let text = query["updated_after"] {
            guard let instant = Instant(rfc3339: String(text)) else {
                throw APIError.invalidParameter(name: "updated_after", "must be an RFC 3339 UTC time like 2026-01-31T12:00:00Z")
            }
            filter.updatedAfter = instant
        }
        if kind, let text = query["kind"] {
            guard let value = StepKind(rawValue: String(text)) else {
                throw APIError.invalidParameter(name: "kind", "must be one of \(StepKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.kind = value
        }
        return filter
    }

    static func version(_ text: String, name: String) throws -> Int {
        guard let number = Int(text), number >= 1 else { throw APIError.invalidParameter(name: name, "must be a version number (1, 2, …); got `\(text)`") }
        return number
    }

    /// `from` and `to`, both required.
    static func diffVersions(_ request: Request) throws -> (Int, Int) {
        let query = request.uri.queryParameters
        guard let from = query["from"] else { throw APIError.invalidParameter(name: "from", "is required: the older version") }
        guard let to = query["to"] else { throw APIError.invalidParameter(name: "to", "is required: the newer version") }
        return (try version(String(from), name: "from"), try version(String(to), name: "to"))
    }
}
