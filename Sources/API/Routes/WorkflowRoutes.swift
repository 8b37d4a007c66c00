import Core
import Foundation
import Hummingbird
import Storage

/// Workflows: list, read, history, diff, export, graph, rollback, deploy, delete. New
/// versions come from `POST /api/v1/apply`. `{workflow}` is an ID (`wf_…`) or a name.
public enum WorkflowRoutes: RouteFile, VersionedResource {
    public typealias Services = DefinitionService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/workflows", needs: .permission(.workflowsView),
                      Operation(id: "listWorkflows", summary: "List the workflows you can see.", tag: "workflows",
                                query: DefinitionQuery.filters(kind: false) + Pagination.parameters,
                                success: (200, Schemas.list(of: Schemas.workflow), "application/json"), problems: [400, 404]),
                      handler: VersionedRoutes<Self>.list),
            RouteSpec(.get, "/api/v1/workflows/{workflow}", needs: .permission(.workflowsView),
                      Operation(id: "getWorkflow", summary: "A workflow, its deployments and its newest version.", tag: "workflows",
                                success: (200, Schemas.workflow, "application/json"), problems: [404]),
                      handler: VersionedRoutes<Self>.get),
            RouteSpec(.get, "/api/v1/workflows/{workflow}/versions", needs: .permission(.workflowsView),
                      Operation(id: "listWorkflowVersions", summary: "A workflow's versions, newest first.", tag: "workflows",
                                query: Pagination.parameters, success: (200, Schemas.list(of: Schemas.workflowVersion), "application/json"),
                                problems: [400, 404]),
                      handler: VersionedRoutes<Self>.versions),
            RouteSpec(.get, "/api/v1/workflows/{workflow}/versions/{version}", needs: .permission(.workflowsView),
                      Operation(id: "getWorkflowVersion", summary: "One version of a workflow, with the agent version each node runs.",
                                tag: "workflows", success: (200, Schemas.workflowVersion, "application/json"), problems: [400, 404]),
                      handler: VersionedRoutes<Self>.version),
            RouteSpec(.get, "/api/v1/workflows/{workflow}/diff", needs: .permission(.workflowsView),
                      Operation(id: "diffWorkflow", summary: "Structural changes between two versions: fields, nodes added, removed and changed, edges.",
                                tag: "workflows", query: DefinitionQuery.diffParameters,
                                success: (200, Schemas.workflowDiff, "application/json"), problems: [400, 404]),
                      handler: diff),
            RouteSpec(.get, "/api/v1/workflows/{workflow}/export", needs: .permission(.workflowsView),
                      Operation(id: "exportWorkflow", summary: "A version (default: the newest) as YAML that `apply` takes back unchanged.",
                                tag: "workflows", query: [DefinitionQuery.versionParameter, environmentParameter],
                                success: (200, ["type": "string"], "application/yaml"), problems: [400, 404]),
                      handler: export),
            RouteSpec(.get, "/api/v1/workflows/{workflow}/graph", needs: .permission(.workflowsView),
                      Operation(id: "workflowGraph", summary: "A picture of the DAG: SVG (default) or Graphviz dot.", tag: "workflows",
                                query: [DefinitionQuery.versionParameter, environmentParameter,
                                        ("format", ["type": "string", "enum": ["svg", "dot"]], "svg (default) or dot.")],
                                success: (200, ["type": "string"], "image/svg+xml"), problems: [400, 404],
                                alternativeContent: ["text/vnd.graphviz": ["schema": ["type": "string"]]]),
                      handler: graph),
            RouteSpec(.post, "/api/v1/workflows/{workflow}/rollback", needs: .permission(.workflowsEdit),
                      Operation(id: "rollbackWorkflow", summary: "Make a new version equal to an old one, deployed to dev unless `deploy` says otherwise.",
                                tag: "workflows", requestBody: RollbackBody.schema.json, success: (200, Schemas.applyOutcome, "application/json"),
                                problems: [400, 404, 413, 415, 422]),
                      handler: rollback),
            RouteSpec(.post, "/api/v1/workflows/{workflow}/merge", needs: .permission(.workflowsMerge),
                      Operation(id: "mergeWorkflow",
                                summary: "Merge a branch into main: a three-way structural merge stored as a new main version (not deployed); 409 lists conflicts by path.",
                                tag: "workflows", requestBody: MergeBody.schema.json, success: (200, mergeSchema, "application/json"),
                                problems: [400, 404, 409, 413, 415, 422]),
                      handler: merge),
            RouteSpec(.post, "/api/v1/workflows/{workflow}/promote", needs: .permission(.workflowsEdit),
                      Operation(id: "promoteWorkflow",
                                summary: "Deploy to `to` exactly the version deployed in `from`, once it has run successfully there; recorded and audited.",
                                tag: "workflows", requestBody: PromoteBody.schema.json,
                                success: (200, ["anyOf": [promotionSchema, ChangeRoutes.requestedSchema]], "application/json"),
                                problems: [400, 404, 409, 413, 415, 422], otherSuccesses: [202]),
                      handler: promote),
            RouteSpec(.get, "/api/v1/workflows/{workflow}/promotions", needs: .permission(.workflowsView),
                      Operation(id: "listPromotions", summary: "A workflow's promotions, newest first.", tag: "workflows", query: Pagination.parameters,
                                success: (200, Schemas.list(of: promotionSchema), "application/json"), problems: [400, 404]),
                      handler: promotions),
            RouteSpec(.get, "/api/v1/environments/diff", needs: .permission(.workflowsView),
                      Operation(id: "diffEnvironments",
                                summary: "What differs between two environments: deployed workflow versions, and (with secrets.read) secret paths only one has.",
                                tag: "workflows", query: [("from", Schemas.environment, "One environment (required)."),
                                                          ("to", Schemas.environment, "The other (required).")],
                                success: (200, environmentDiffSchema, "application/json"), problems: [400, 422]),
                      handler: environmentDiff),
            RouteSpec(.post, "/api/v1/workflows/{workflow}/deploy", needs: .permission(.workflowsEdit),
                      Operation(id: "deployWorkflow", summary: "Point an environment at a version (default: the newest).", tag: "workflows",
                                requestBody: DeployBody.schema.json,
                                success: (200, ["anyOf": [Schemas.workflow, ChangeRoutes.requestedSchema]], "application/json"),
                                problems: [400, 404, 413, 415, 422], otherSuccesses: [202]),
                      handler: deploy),
            RouteSpec(.delete, "/api/v1/workflows/{workflow}", needs: .permission(.workflowsDelete),
                      Operation(id: "deleteWorkflow", summary: "Delete a workflow, its versions and deployments.", tag: "workflows",
                                success: (204, nil, "application/json"), problems: [404, 409]),
                      handler: VersionedRoutes<Self>.delete),
        ]
    }

    static let environmentParameter: (name: String, schema: JSON, description: String) =
        ("environment", Schemas.environment, "The version deployed there (instead of `version`).")

    struct RollbackBody: RequestBody {
        let version: Int
        let deploy: String?
        static let schema = ObjectSchema([
            .init("version", ["type": "integer", "minimum": 1], required: true, "The version to return to."),
            .init("deploy", Schemas.environmentOrNone, "Where to deploy the new version (default dev)."),
        ])
    }

    struct DeployBody: RequestBody {
        let environment: String
        let version: Int?
        static let schema = ObjectSchema([
            .init("environment", Schemas.environment, required: true, "The environment."),
            .init("version", ["type": "integer", "minimum": 1], "Default: the newest version."),
        ])
    }

    static func diff(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (from, to) = try DefinitionQuery.diffVersions(request)
        let reference = try context.parameters.require("workflow")
        let (_, old) = try await services.definitions.workflowVersion(reference, version: from, in: context.scope())
        let (_, new) = try await services.definitions.workflowVersion(reference, version: to, in: context.scope())
        let diff = WorkflowDiff(from: old.definition, to: new.definition)
        var agents: [FieldChange] = []
        for node in Set(old.pins.keys).union(new.pins.keys).sorted() where old.pins[node] != new.pins[node] {
            let show = { (pin: AgentPin?) in pin.map { JSONValue.string("\($0.agent)@\($0.version)") } }
            agents.append(FieldChange(path: "nodes.\(node).agent_version", before: show(old.pins[node]), after: show(new.pins[node])))
        }
        let nodes: [JSONValue] = diff.nodesChanged.map { ["node": .string($0.node), "changes": DefinitionResources.diff($0.changes)] }
        return DefinitionResources.respond(.ok, [
            "from": .integer(from), "to": .integer(to), "fields": DefinitionResources.diff(diff.fields),
            "nodes_added": .array(diff.nodesAdded.map(JSONValue.string)), "nodes_removed": .array(diff.nodesRemoved.map(JSONValue.string)),
            "nodes_changed": .array(nodes), "edges_added": .array(diff.edgesAdded.map(JSONValue.string)),
            "edges_removed": .array(diff.edgesRemoved.map(JSONValue.string)), "agents": DefinitionResources.diff(agents),
            "lines": .array((diff.lines + agents.map { "~ \($0)" }).map(JSONValue.string)),
        ])
    }

    /// The version asked for by `version` or `environment` (default: the newest).
    static func chosen(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> WorkflowVersionRecord {
        let query = request.uri.queryParameters
        let version = try query["version"].map { try DefinitionQuery.version(String($0), name: "version") }
        let environment = try EnvironmentName.query(query["environment"], name: "environment")
        return try await services.definitions.workflowVersion(context.parameters.require("workflow"), version: version,
                                                              environment: environment, in: context.scope()).1
    }

    static func export(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let found = try await chosen(request, context, services)
        return DefinitionResources.text(.ok, YAMLDocuments.export(found.definition.json), contentType: "application/yaml")
    }

    static func graph(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let format = request.uri.queryParameters["format"].map(String.init) ?? "svg"
        guard format == "svg" || format == "dot" else { throw APIError.invalidParameter(name: "format", "must be svg or dot") }
        let found = try await chosen(request, context, services)
        if format == "dot" {
            return DefinitionResources.text(.ok, WorkflowGraph.dot(found.definition, kinds: found.kinds), contentType: "text/vnd.graphviz")
        }
        return DefinitionResources.text(.ok, WorkflowGraph.svg(found.definition, kinds: found.kinds), contentType: "image/svg+xml")
    }

    static func rollback(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(RollbackBody.self, from: request, limits: services.limits)
        let deployTo: DeployEnvironment?
        switch body.deploy {
        case nil: deployTo = .dev
        case let name?: deployTo = try EnvironmentName.deploy(name)
        }
        let outcome = try await services.definitions.rollbackWorkflow(context.parameters.require("workflow"), to: body.version,
                                                                      deployTo: deployTo, context: context.change(services.clock))
        return DefinitionResources.respond(.ok, DefinitionResources.outcome(outcome))
    }

    static func deploy(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(DeployBody.self, from: request, limits: services.limits)
        let environment = try EnvironmentName.parse(body.environment, field: "environment")
        switch try await services.definitions.deployWorkflow(context.parameters.require("workflow"), version: body.version,
                                                             to: environment, context: context.change(services.clock)) {
        case .deployed(let record):
            return DefinitionResources.respond(.ok, DefinitionResources.workflow(record))
        case .requested(let change):
            // Held for approval: nothing is deployed until the change request is approved.
            return DefinitionResources.respond(.accepted, ["change_request": ChangeRoutes.resource(change)])
        }
    }

    // MARK: - VersionedResource

    static let parameter = "workflow"
    static let filtersByKind = false
    static let searchKind = SearchQuery.Kind.workflow
    static func id(of record: WorkflowRecord) -> String { record.id.rawValue }

    static func list(_ store: DefinitionStore, in scope: Scope, filter: DefinitionFilter, page: PageRequest) async throws -> Page<WorkflowRecord> {
        try await store.listWorkflows(in: scope, filter: filter, page: page)
    }

    static func newest(_ reference: String, _ store: DefinitionStore, in scope: Scope) async throws -> (WorkflowRecord, WorkflowVersionRecord) {
        try await store.workflow(reference, in: scope)
    }

    static func versions(_ reference: String, _ store: DefinitionStore, in scope: Scope, page: PageRequest) async throws -> Page<WorkflowVersionRecord> {
        try await store.workflowVersions(reference, in: scope, page: page)
    }

    static func version(_ reference: String, _ number: Int, _ store: DefinitionStore, in scope: Scope) async throws -> WorkflowVersionRecord {
        try await store.workflowVersion(reference, version: number, in: scope).1
    }

    static func delete(_ reference: String, _ store: DefinitionStore, context: ChangeContext) async throws {
        try await store.deleteWorkflow(reference, context: context)
    }

    static func resource(_ record: WorkflowRecord, latest: WorkflowVersionRecord?) -> JSONValue { DefinitionResources.workflow(record, latest: latest) }
    static func resource(_ version: WorkflowVersionRecord) -> JSONValue { DefinitionResources.workflowVersion(version) }
}
