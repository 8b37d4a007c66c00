import Core
import Foundation
import Hummingbird
import Storage

/// Search over what the caller may see (`agentctl search`), saved searches, and the index's
/// rebuild (docs/collaboration.md#search).
public enum SearchRoutes: RouteFile {
    static let kinds: JSON = ["enum": .array(SearchQuery.Kind.allCases.map { .string($0.rawValue) })]
    static let hit: JSON = [
        "type": "object", "required": ["kind", "id", "name", "status", "at", "score"],
        "properties": [
            "kind": kinds, "id": ["type": "string"],
            "name": ["type": "string", "description": "The workflow's or agent's name; an execution's workflow."],
            "status": ["type": "string", "description": "Executions: their status; workflows: deployed or draft; agents: their kind."],
            "team": ["type": ["string", "null"]], "at": Schemas.timestamp,
            "snippet": ["type": ["string", "null"], "description": "Where the words were found, each between « and »."],
            "score": ["type": "number", "description": "Lower is better (bm25); 0 for a search of filters only."],
        ],
    ]
    static let results: JSON = [
        "type": "object", "required": ["query", "items", "counts", "more", "next_offset"],
        "properties": [
            "query": ["type": "string"], "items": ["type": "array", "items": hit],
            "counts": ["type": "object", "additionalProperties": ["type": "integer"],
                       "description": "Matches per kind the caller may see, counted up to 1,000 each (executions: 200)."],
            "more": ["type": "array", "items": kinds, "description": "Kinds with more matches than were counted."],
            "next_offset": ["type": ["integer", "null"]],
        ],
    ]
    static let saved: JSON = [
        "type": "object", "required": ["name", "query", "created_at", "updated_at"],
        "properties": ["name": ["type": "string"], "query": ["type": "string"], "created_at": Schemas.timestamp, "updated_at": Schemas.timestamp],
    ]

    public typealias Services = CollaborationService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/search", needs: .authenticated,
                      Operation(id: "search",
                                summary: "Search workflows, agents and executions you may see: words, \"phrases\", prefix*, OR, -exclusions, and filters type: tag: status: since: team: workflow:.",
                                tag: "search",
                                query: [("q", ["type": "string", "maxLength": .number(Double(SearchQuery.maximumLength))], "The search (docs/collaboration.md#search)."),
                                        ("saved", ["type": "string"], "Run your saved search of this name instead of q."),
                                        ("offset", ["type": "integer", "minimum": 0, "maximum": .number(Double(SearchIndex.candidates))], "Skip this many results."),
                                        ("limit", ["type": "integer", "minimum": 1, "maximum": .number(Double(SearchIndex.maximumPage))], "Results per page; default 20.")],
                                success: (200, results, "application/json"), problems: [400, 404]),
                      handler: search),
            RouteSpec(.post, "/api/v1/search/rebuild", needs: .permission(.systemMaintain),
                      Operation(id: "rebuildSearchIndex", summary: "Empty the search index and fill it again from the rows (writes wait meanwhile).",
                                tag: "search", requestBodyRequired: false,
                                success: (200, ["type": "object", "properties": ["definitions": ["type": "integer"], "executions": ["type": "integer"],
                                                                                 "seconds": ["type": "number"]]], "application/json")),
                      handler: rebuild),
            RouteSpec(.get, "/api/v1/searches", needs: .authenticated,
                      Operation(id: "listSavedSearches", summary: "Your saved searches in this org.", tag: "search",
                                success: (200, Schemas.list(of: saved), "application/json")),
                      handler: listSaved),
            RouteSpec(.put, "/api/v1/searches/{name}", needs: .authenticated,
                      Operation(id: "saveSearch", summary: "Keep a search under a name (replaces one of that name).", tag: "search",
                                requestBody: SaveBody.schema.json, success: (200, saved, "application/json"), problems: [400, 409, 413, 415]),
                      handler: save),
            RouteSpec(.delete, "/api/v1/searches/{name}", needs: .authenticated,
                      Operation(id: "deleteSavedSearch", summary: "Forget a saved search.", tag: "search", success: (204, nil, ""), problems: [400, 404]),
                      handler: forget),
        ]
    }

    struct SaveBody: RequestBody {
        let query: String
        static let schema = ObjectSchema([
            .init("query", ["type": "string", "minLength": 1, "maxLength": .number(Double(SearchQuery.maximumLength))], required: true, "The search."),
        ])
    }

    static func name(_ context: AgentRequestContext) throws -> String {
        let name = try context.parameters.require("name")
        guard name.wholeMatch(of: /[a-z0-9][a-z0-9._-]{0,63}/) != nil else {
            throw APIError.invalidParameter(name: "name", "is 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit; got `\(name)`")
        }
        return name
    }

    /// Reads `text` as a search, its problem (with the character it is at) as a 400.
    static func parse(_ text: String, parameter: String, now: Instant) throws -> SearchQuery {
        do {
            return try SearchQuery.parse(text, now: now)
        } catch {
            throw APIError.invalidParameter(name: parameter, error.description)
        }
    }

    static func search(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        let parameters = request.uri.queryParameters
        let text: String
        if let name = parameters["saved"] {
            text = try await services.lists.savedSearch(String(name), in: caller.scope, owner: caller.owner).query
        } else if let q = parameters["q"], !q.isEmpty {
            text = String(q)
        } else {
            throw APIError.invalidParameter(name: "q", "give a search, e.g. q=invoice timeout status:failed, or saved=NAME")
        }
        let query = try parse(text, parameter: parameters["saved"] == nil ? "q" : "saved", now: services.clock.now())
        let offset = try integer(parameters["offset"], name: "offset", in: 0...SearchIndex.candidates) ?? 0
        let limit = try integer(parameters["limit"], name: "limit", in: 1...SearchIndex.maximumPage) ?? 20
        let results = try await services.search.search(query, in: caller.scope, offset: offset, limit: limit)
        var counts: [String: JSONValue] = [:]
        for (kind, count) in results.counts { counts[kind.rawValue] = .integer(count) }
        return DefinitionResources.respond(.ok, [
            "query": .string(text), "items": .array(results.hits.map(resource)), "counts": .object(counts),
            "more": .array(results.truncated.map(\.rawValue).sorted().map(JSONValue.string)),
            "next_offset": results.nextOffset.map(JSONValue.integer) ?? .null,
        ])
    }

    static func integer(_ text: Substring?, name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.invalidParameter(name: name, "must be a whole number from \(range.lowerBound) to \(range.upperBound); got `\(text)`")
        }
        return value
    }

    static func resource(_ hit: SearchHit) -> JSONValue {
        [
            "kind": .string(hit.kind.rawValue), "id": .string(hit.id), "name": .string(hit.name), "status": .string(hit.status),
            "team": hit.teamID.map { .string($0.rawValue) } ?? .null, "at": .string(hit.at.rfc3339),
            "snippet": hit.snippet.map(JSONValue.string) ?? .null, "score": .number((hit.score * 1000).rounded() / 1000),
        ]
    }

    static func rebuild(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (rebuilt, seconds) = try await services.rebuild(change: context.change(services.clock))
        return DefinitionResources.respond(.ok, ["definitions": .integer(rebuilt.definitions), "executions": .integer(rebuilt.executions),
                                                 "seconds": .number((seconds * 1000).rounded() / 1000)])
    }

    static func listSaved(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        let searches = try await services.lists.savedSearches(in: caller.scope, owner: caller.owner)
        return DefinitionResources.respond(.ok, DefinitionResources.list(searches.map(resource), next: nil))
    }

    static func save(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        let name = try name(context)
        let body = try await BodyDecoder.decode(SaveBody.self, from: request, limits: services.limits)
        _ = try parse(body.query, parameter: "query", now: services.clock.now())
        let saved = try await services.lists.save(name, query: body.query, in: caller.scope, owner: caller.owner, context: context.change(services.clock))
        return DefinitionResources.respond(.ok, resource(saved))
    }

    static func forget(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        try await services.lists.forgetSearch(try name(context), in: caller.scope, owner: caller.owner, context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func resource(_ saved: SavedSearch) -> JSONValue {
        ["name": .string(saved.name), "query": .string(saved.query), "created_at": .string(saved.createdAt.rfc3339),
         "updated_at": .string(saved.updatedAt.rfc3339)]
    }
}
