import Core
import Foundation
import Hummingbird
import Storage

/// Each person's favourites and recently opened items (`agentctl favorites`, `agentctl recent`),
/// shown only as far as the person may still see them.
public enum FavoriteRoutes: RouteFile {
    static let kinds: [SearchQuery.Kind] = [.workflow, .agent, .execution]
    static let item: JSON = [
        "type": "object", "required": ["kind", "id", "name", "at"],
        "properties": [
            "kind": ["enum": .array(kinds.map { .string($0.rawValue) })], "id": ["type": "string"],
            "name": ["type": "string", "description": "The workflow's or agent's name; an execution's workflow."],
            "status": ["type": ["string", "null"], "description": "Executions: their status."],
            "team": ["type": ["string", "null"]],
            "at": ["type": "string", "format": "date-time", "description": "When it was added (favourites) or last opened (recent)."],
        ],
    ]

    public typealias Services = CollaborationService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/favorites", needs: .authenticated,
                      Operation(id: "listFavorites", summary: "Your favourites that you may still see, newest first.", tag: "search",
                                success: (200, Schemas.list(of: item), "application/json")),
                      handler: list),
            RouteSpec(.put, "/api/v1/favorites/{kind}/{ref}", needs: .authenticated,
                      Operation(id: "addFavorite", summary: "Add a workflow or agent (by name) or an execution (by ID) to your favourites.",
                                tag: "search", requestBodyRequired: false, success: (200, item, "application/json"), problems: [400, 404, 409]),
                      handler: add),
            RouteSpec(.delete, "/api/v1/favorites/{kind}/{ref}", needs: .authenticated,
                      Operation(id: "removeFavorite", summary: "Remove one of your favourites.", tag: "search", success: (204, nil, ""),
                                problems: [400, 404]),
                      handler: remove),
            RouteSpec(.get, "/api/v1/recent", needs: .authenticated,
                      Operation(id: "listRecent", summary: "What you opened last (workflows, agents, executions), newest first.", tag: "search",
                                query: [("limit", ["type": "integer", "minimum": 1, "maximum": .number(Double(PersonalLists.keptRecentItems))],
                                         "How many; default 20.")],
                                success: (200, Schemas.list(of: item), "application/json"), problems: [400]),
                      handler: recent),
        ]
    }

    static func kind(_ context: AgentRequestContext) throws -> SearchQuery.Kind {
        let text = try context.parameters.require("kind")
        guard let kind = SearchQuery.Kind(rawValue: text), kinds.contains(kind) else {
            throw APIError.invalidParameter(name: "kind", "is workflow, agent or execution; got `\(text)`")
        }
        return kind
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        let items = try await services.lists.favorites(in: caller.scope, owner: caller.owner)
        return DefinitionResources.respond(.ok, DefinitionResources.list(items.map(resource), next: nil))
    }

    static func add(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        let item = try await services.lists.favorite(try kind(context), try context.parameters.require("ref"), in: caller.scope,
                                                     owner: caller.owner, context: context.change(services.clock))
        return DefinitionResources.respond(.ok, resource(item))
    }

    static func remove(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        try await services.lists.unfavorite(try kind(context), try context.parameters.require("ref"), in: caller.scope, owner: caller.owner,
                                            context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func recent(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        let limit = try SearchRoutes.integer(request.uri.queryParameters["limit"], name: "limit", in: 1...PersonalLists.keptRecentItems) ?? 20
        let items = try await services.lists.recent(in: caller.scope, owner: caller.owner, limit: limit)
        return DefinitionResources.respond(.ok, DefinitionResources.list(items.map(resource), next: nil))
    }

    static func resource(_ item: ListedItem) -> JSONValue {
        ["kind": .string(item.kind.rawValue), "id": .string(item.id), "name": .string(item.name),
         "status": item.status.map(JSONValue.string) ?? .null, "team": item.teamID.map { .string($0.rawValue) } ?? .null,
         "at": .string(item.at.rfc3339)]
    }
}
