import Core
import Foundation
import Hummingbird
import Storage

/// Orgs: the tenants of this installation. `{org}` is an ID (`org_…`) or a name.
public enum OrgRoutes: RouteFile {
    public typealias Services = IdentityService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/orgs", needs: .permission(.orgsCreate),
                      Operation(id: "createOrg", summary: "Create an org.", tag: "orgs",
                                requestBody: CreateOrgBody.schema.json,
                                success: (201, Schemas.org, "application/json"),
                                problems: [400, 409, 413, 415, 422, 503]),
                      handler: create),
            RouteSpec(.get, "/api/v1/orgs", needs: .permission(.orgsView),
                      Operation(id: "listOrgs", summary: "List the orgs you can see, oldest first.", tag: "orgs",
                                query: Pagination.parameters,
                                success: (200, Schemas.list(of: Schemas.org), "application/json"),
                                problems: [400]),
                      handler: list),
            RouteSpec(.get, "/api/v1/orgs/{org}", needs: .permission(.orgsView),
                      Operation(id: "getOrg", summary: "Get an org by ID or name.", tag: "orgs",
                                success: (200, Schemas.org, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.patch, "/api/v1/orgs/{org}", needs: .permission(.orgsEdit),
                      Operation(id: "updateOrg", summary: "Rename an org or change its display name.", tag: "orgs",
                                requestBody: UpdateOrgBody.schema.json,
                                success: (200, Schemas.org, "application/json"),
                                problems: [400, 404, 409, 413, 415, 422, 503]),
                      handler: update),
            RouteSpec(.delete, "/api/v1/orgs/{org}", needs: .permission(.orgsDelete),
                      Operation(id: "deleteOrg", summary: "Delete an org.", tag: "orgs",
                                success: (204, nil, "application/json"), problems: [404, 409, 503]),
                      handler: delete),
        ]
    }

    struct CreateOrgBody: RequestBody {
        let name: String
        let displayName: String?

        enum CodingKeys: String, CodingKey { case name, displayName = "display_name" }

        static let schema = ObjectSchema([
            .init("name", ["type": "string", "pattern": "^[a-z][a-z0-9-]{0,61}[a-z0-9]$"], required: true,
                  "Unique short name: 2-63 of a-z, 0-9 and -, starting with a letter."),
            .init("display_name", ["type": "string", "maxLength": 200], "Name for people; defaults to `name`."),
        ])
    }

    struct UpdateOrgBody: RequestBody {
        let name: String?
        let displayName: String?

        enum CodingKeys: String, CodingKey { case name, displayName = "display_name" }

        static let schema = ObjectSchema([
            .init("name", ["type": "string", "pattern": "^[a-z][a-z0-9-]{0,61}[a-z0-9]$"], "New short name."),
            .init("display_name", ["type": "string", "maxLength": 200], "New name for people."),
        ])
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(CreateOrgBody.self, from: request, limits: services.limits)
        let org = try await services.orgs.create(name: body.name, displayName: body.displayName,
                                                 context: context.change(services.clock))
        var response = try JSONResponse.make(.created, OrgResource(org))
        response.headers[.location] = "/api/v1/orgs/\(org.id.rawValue)"
        return response
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let page = try Pagination.request(from: request, listing: "orgs")
        let result = try await services.orgs.list(in: context.scope(), page: page)
        return try JSONResponse.make(.ok, ListBody(items: result.items.map(OrgResource.init),
                                                   nextCursor: result.nextAfter.map { Pagination.cursor(after: $0, listing: "orgs") }))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let org = try await services.orgs.get(context.parameters.require("org"), in: context.scope())
        return try JSONResponse.make(.ok, OrgResource(org))
    }

    static func update(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(UpdateOrgBody.self, from: request, limits: services.limits)
        guard body.name != nil || body.displayName != nil else {
            throw ValidationError(field: "name", "give `name`, `display_name` or both")
        }
        let org = try await services.orgs.update(context.parameters.require("org"), name: body.name,
                                                 displayName: body.displayName, context: context.change(services.clock))
        return try JSONResponse.make(.ok, OrgResource(org))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        _ = try await services.orgs.delete(context.parameters.require("org"), context: context.change(services.clock))
        // The org's keys and sessions are gone with it; none may live on in the cache.
        services.authenticator.forgetAll()
        return Response(status: .noContent)
    }
}

/// An org as the API shows it.
struct OrgResource: Encodable {
    let id: String
    let name: String
    let displayName: String
    let createdAt: String
    let updatedAt: String

    init(_ org: Org) {
        id = org.id.rawValue
        name = org.name
        displayName = org.displayName
        createdAt = org.createdAt.rfc3339
        updatedAt = org.updatedAt.rfc3339
    }
}

/// A page of a listing: `items`, and `next_cursor` to pass as `cursor` for the next page
/// (absent on the last page).
struct ListBody<Item: Encodable>: Encodable {
    let items: [Item]
    let nextCursor: String?
}
