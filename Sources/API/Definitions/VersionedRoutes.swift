import Core
import Hummingbird
import Storage

/// A resource with immutable numbered versions (agents, workflows), as its routes see it: how
/// to list, read and delete it through `DefinitionStore`, and how to show it. `AgentRoutes` and
/// `WorkflowRoutes` conform; `VersionedRoutes` then serves the routes whose shape they share.
protocol VersionedResource {
    associatedtype Record: Sendable
    associatedtype Version: Sendable
    /// The path parameter (`agent` in `/api/v1/agents/{agent}`); also names the cursors'
    /// listings: `agents`, `agent-versions`.
    static var parameter: String { get }
    /// Whether the list takes the `kind` filter (agents have a step kind, workflows none).
    static var filtersByKind: Bool { get }

    static func list(_ store: DefinitionStore, in scope: Scope, filter: DefinitionFilter, page: PageRequest) async throws -> Page<Record>
    /// The resource and its newest version the scope may see.
    static func newest(_ reference: String, _ store: DefinitionStore, in scope: Scope) async throws -> (Record, Version)
    static func versions(_ reference: String, _ store: DefinitionStore, in scope: Scope, page: PageRequest) async throws -> Page<Version>
    static func version(_ reference: String, _ number: Int, _ store: DefinitionStore, in scope: Scope) async throws -> Version
    static func delete(_ reference: String, _ store: DefinitionStore, context: ChangeContext) async throws

    static func resource(_ record: Record, latest: Version?) -> JSONValue
    static func resource(_ version: Version) -> JSONValue

    /// What the caller's recent items call it, and its ID there.
    static var searchKind: SearchQuery.Kind { get }
    static func id(of record: Record) -> String
}

/// The handlers agents and workflows share: list, read, history, one version, delete. One
/// path serves both; what differs (diff, export, rollback, publish, deploy) stays in each
/// route file.
enum VersionedRoutes<Resource: VersionedResource> {
    static var listing: String { Resource.parameter + "s" }
    static var versionsListing: String { Resource.parameter + "-versions" }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: DefinitionService) async throws -> Response {
        let page = try await Resource.list(services.definitions, in: context.scope(),
                                           filter: try DefinitionQuery.filter(request, kind: Resource.filtersByKind),
                                           page: Pagination.request(from: request, listing: listing))
        return DefinitionResources.respond(.ok, DefinitionResources.list(page.items.map { Resource.resource($0, latest: nil) },
                                                                         next: page.nextAfter.map { Pagination.cursor(after: $0, listing: listing) }))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: DefinitionService) async throws -> Response {
        let (record, latest) = try await Resource.newest(context.parameters.require(Resource.parameter), services.definitions, in: context.scope())
        services.recent?.note(Resource.searchKind, id: Resource.id(of: record), caller: context.caller, at: services.clock.now())
        return DefinitionResources.respond(.ok, Resource.resource(record, latest: latest))
    }

    static func versions(_ request: Request, _ context: AgentRequestContext, _ services: DefinitionService) async throws -> Response {
        let page = try await Resource.versions(context.parameters.require(Resource.parameter), services.definitions, in: context.scope(),
                                               page: Pagination.request(from: request, listing: versionsListing))
        return DefinitionResources.respond(.ok, DefinitionResources.list(page.items.map { Resource.resource($0) },
                                                                         next: page.nextAfter.map { Pagination.cursor(after: $0, listing: versionsListing) }))
    }

    static func version(_ request: Request, _ context: AgentRequestContext, _ services: DefinitionService) async throws -> Response {
        let number = try DefinitionQuery.version(context.parameters.require("version"), name: "version")
        let found = try await Resource.version(context.parameters.require(Resource.parameter), number, services.definitions, in: context.scope())
        return DefinitionResources.respond(.ok, Resource.resource(found))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: DefinitionService) async throws -> Response {
        try await Resource.delete(context.parameters.require(Resource.parameter), services.definitions, context: context.change(services.clock))
        return Response(status: .noContent)
    }
}
