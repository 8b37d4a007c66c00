import Core
import Foundation
import Hummingbird
import Storage

/// Teams in an org and their members. `{team}` is an ID (`team_…`) or a name in your org.
public enum TeamRoutes: RouteFile {
    public typealias Services = IdentityService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/teams", needs: .permission(.teamsManage),
                      Operation(id: "createTeam", summary: "Create a team (counts against the plan's team quota).", tag: "teams",
                                requestBody: CreateBody.schema.json, success: (201, Schemas.team, "application/json"),
                                problems: [400, 403, 404, 409, 413, 415, 422]),
                      handler: create),
            RouteSpec(.get, "/api/v1/teams", needs: .permission(.usersView),
                      Operation(id: "listTeams", summary: "List the teams you can see.", tag: "teams", query: Pagination.parameters,
                                success: (200, Schemas.list(of: Schemas.team), "application/json"), problems: [400]),
                      handler: list),
            RouteSpec(.get, "/api/v1/teams/{team}", needs: .permission(.usersView),
                      Operation(id: "getTeam", summary: "Get a team and its members.", tag: "teams",
                                success: (200, Schemas.team, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.patch, "/api/v1/teams/{team}", needs: .permission(.teamsManage),
                      Operation(id: "renameTeam", summary: "Rename a team.", tag: "teams", requestBody: RenameBody.schema.json,
                                success: (200, Schemas.team, "application/json"), problems: [400, 404, 409, 413, 415, 422]),
                      handler: rename),
            RouteSpec(.delete, "/api/v1/teams/{team}", needs: .permission(.teamsManage),
                      Operation(id: "deleteTeam", summary: "Delete a team.", tag: "teams",
                                success: (204, nil, "application/json"), problems: [404, 409]),
                      handler: delete),
            RouteSpec(.put, "/api/v1/teams/{team}/members/{user}", needs: .permission(.teamsManage),
                      Operation(id: "setTeamMember", summary: "Add a member of the org to a team, optionally with a narrower role.",
                                tag: "teams", requestBody: MemberBody.schema.json, success: (200, Schemas.team, "application/json"),
                                problems: [400, 404, 413, 415, 422]),
                      handler: setMember),
            RouteSpec(.delete, "/api/v1/teams/{team}/members/{user}", needs: .permission(.teamsManage),
                      Operation(id: "removeTeamMember", summary: "Remove a user from a team.", tag: "teams",
                                success: (204, nil, "application/json"), problems: [404]),
                      handler: removeMember),
        ]
    }

    struct CreateBody: RequestBody {
        let name: String
        let org: String?
        static let schema = ObjectSchema([
            .init("name", ["type": "string"], required: true, "Short name, unique in the org (like an org name)."),
            .init("org", ["type": "string"], "The org (ID or name); default: yours."),
        ])
    }

    struct RenameBody: RequestBody {
        let name: String
        static let schema = ObjectSchema([.init("name", ["type": "string"], required: true, "The new name.")])
    }

    struct MemberBody: RequestBody {
        let role: String?
        static let schema = ObjectSchema([.init("role", UserRoutes.roleSchema,
                                                "A role in this team, no broader than the user's org role; default: the org role.")])
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(CreateBody.self, from: request, limits: services.limits)
        let team = try await services.teams.create(name: body.name, orgReference: body.org, context: context.change(services.clock))
        return try JSONResponse.make(.created, TeamResource(team))
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let page = try await services.teams.list(in: context.scope(), page: Pagination.request(from: request, listing: "teams"))
        return try JSONResponse.make(.ok, ListBody(items: page.items.map(TeamResource.init),
                                                   nextCursor: page.nextAfter.map { Pagination.cursor(after: $0, listing: "teams") }))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try JSONResponse.make(.ok, TeamResource(try await services.teams.get(context.parameters.require("team"), in: context.scope())))
    }

    static func rename(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(RenameBody.self, from: request, limits: services.limits)
        let team = try await services.teams.rename(context.parameters.require("team"), to: body.name, context: context.change(services.clock))
        return try JSONResponse.make(.ok, TeamResource(team))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await services.teams.delete(context.parameters.require("team"), context: context.change(services.clock))
        services.authenticator.forgetAll()  // cached keys carry their owners' teams
        return Response(status: .noContent)
    }

    static func setMember(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(MemberBody.self, from: request, limits: services.limits)
        let team = try await services.teams.setMember(team: context.parameters.require("team"), user: context.parameters.require("user"),
                                                      role: body.role, context: context.change(services.clock))
        services.authenticator.forgetAll()
        return try JSONResponse.make(.ok, TeamResource(team))
    }

    static func removeMember(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await services.teams.removeMember(team: context.parameters.require("team"), user: context.parameters.require("user"),
                                              context: context.change(services.clock))
        services.authenticator.forgetAll()
        return Response(status: .noContent)
    }
}

struct TeamResource: Encodable {
    struct Member: Encodable {
        let userId: String
        let login: String
        let role: String?
    }

    let id: String
    let orgId: String
    let name: String
    let createdAt: String
    let members: [Member]

    init(_ team: Team) {
        id = team.id.rawValue
        orgId = team.orgID.rawValue
        name = team.name
        createdAt = team.createdAt.rfc3339
        members = team.members.map { Member(userId: $0.userID.rawValue, login: $0.login, role: $0.role) }
    }
}
