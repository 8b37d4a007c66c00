import Core
import Foundation
import Hummingbird
import Storage

/// Users, their memberships in orgs, and `whoami`. `{user}` is an ID (`usr_…`) or a login.
public enum UserRoutes: RouteFile {
    public typealias Services = IdentityService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/whoami", needs: .authenticated,
                      Operation(id: "whoami", summary: "Who you are to agentd: name, org, roles, permissions.", tag: "users",
                                success: (200, Schemas.whoami, "application/json")),
                      handler: whoami),
            RouteSpec(.post, "/api/v1/users", needs: .permission(.usersManage),
                      Operation(id: "createUser", summary: "Create a user and make it a member of an org.", tag: "users",
                                requestBody: CreateUserBody.schema.json, success: (201, Schemas.user, "application/json"),
                                problems: [400, 403, 404, 409, 413, 415, 422]),
                      handler: create),
            RouteSpec(.get, "/api/v1/users", needs: .permission(.usersView),
                      Operation(id: "listUsers", summary: "List the users you can see, oldest first.", tag: "users",
                                query: Pagination.parameters, success: (200, Schemas.list(of: Schemas.user), "application/json"),
                                problems: [400]),
                      handler: list),
            RouteSpec(.get, "/api/v1/users/{user}", needs: .permission(.usersView),
                      Operation(id: "getUser", summary: "Get a user by ID or login.", tag: "users",
                                success: (200, Schemas.user, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.patch, "/api/v1/users/{user}", needs: .permission(.usersManage),
                      Operation(id: "updateUser",
                                summary: "Change a user's display name or socket uid (installation administrators only), or disable it; another user only if you could grant its roles.",
                                tag: "users", requestBody: UpdateUserBody.schema.json,
                                success: (200, Schemas.user, "application/json"), problems: [400, 403, 404, 409, 413, 415, 422]),
                      handler: update),
            RouteSpec(.put, "/api/v1/orgs/{org}/members/{user}", needs: .permission(.usersManage),
                      Operation(id: "setMember", summary: "Give a user a role in an org (adding the membership).",
                                tag: "users", requestBody: MemberBody.schema.json,
                                success: (200, ["anyOf": [Schemas.membership, ChangeRoutes.requestedSchema]], "application/json"),
                                problems: [400, 403, 404, 409, 422], otherSuccesses: [202]),
                      handler: setMember),
            RouteSpec(.delete, "/api/v1/orgs/{org}/members/{user}", needs: .permission(.usersManage),
                      Operation(id: "removeMember", summary: "Remove a user from an org.", tag: "users",
                                success: (204, nil, "application/json"), problems: [403, 404, 409]),
                      handler: removeMember),
        ]
    }

    static let roleSchema: JSON = [
        "type": "string",
        "description": .string("A built-in role (\(Role.allCases.map(\.rawValue).joined(separator: ", "))) or one of the org's custom roles."),
    ]

    struct CreateUserBody: RequestBody {
        let login: String
        let displayName: String?
        let unixUid: UInt32?
        let org: String?
        let role: String

        enum CodingKeys: String, CodingKey { case login, displayName = "display_name", unixUid = "unix_uid", org, role }

        static let schema = ObjectSchema([
            .init("login", ["type": "string"], required: true, "Unique login: 2-128 of a-z, 0-9 and . _ @ + -."),
            .init("display_name", ["type": "string", "maxLength": 200], "Name for people; defaults to the login."),
            .init("unix_uid", ["type": "integer", "minimum": 1], "A Unix uid that acts as this user on the socket (installation administrators only)."),
            .init("org", ["type": "string"], "The org (ID or name) to join; defaults to yours."),
            .init("role", roleSchema, required: true, "The role in that org."),
        ])
    }

    struct UpdateUserBody: RequestBody {
        let displayName: String?
        let unixUid: UInt32?
        let clearUnixUid: Bool?
        let disabled: Bool?

        enum CodingKeys: String, CodingKey {
            case displayName = "display_name", unixUid = "unix_uid", clearUnixUid = "clear_unix_uid", disabled
        }

        static let schema = ObjectSchema([
            .init("display_name", ["type": "string", "maxLength": 200], "New name for people."),
            .init("unix_uid", ["type": "integer", "minimum": 1], "Map this Unix uid to the user on the socket (installation administrators only)."),
            .init("clear_unix_uid", ["type": "boolean"], "Remove the uid mapping (installation administrators only)."),
            .init("disabled", ["type": "boolean"], "Disable (true) or enable (false) the user; its keys stop working."),
        ])
    }

    struct MemberBody: RequestBody {
        let role: String
        static let schema = ObjectSchema([.init("role", roleSchema, required: true, "The role in the org.")])
    }

    static func whoami(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        let permissions = Permission.allCases.filter { caller.scope.allows($0) }.map(\.rawValue)
        return try JSONResponse.make(.ok, WhoAmIBody(
            name: caller.name, userId: caller.userID?.rawValue, login: caller.login, orgId: caller.scope.orgID.rawValue,
            mfaEnrolmentRequired: caller.scope.permissionLimit == [] && caller.sessionID != nil,
            reach: caller.scope.reach == .installation ? "installation" : "org",
            roles: (caller.scope.roles.map(\.rawValue) + caller.scope.customRoleNames).sorted(),
            teams: caller.scope.teams.map(\.rawValue).sorted(), permissions: permissions))
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(CreateUserBody.self, from: request, limits: services.limits)
        let profile = try await services.users.create(login: body.login, displayName: body.displayName, unixUID: body.unixUid,
                                                      orgReference: body.org, role: body.role, context: context.change(services.clock))
        var response = try JSONResponse.make(.created, UserResource(profile))
        response.headers[.location] = "/api/v1/users/\(profile.user.id.rawValue)"
        return response
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let page = try await services.users.list(in: context.scope(), page: Pagination.request(from: request, listing: "users"))
        return try JSONResponse.make(.ok, ListBody(items: page.items.map(UserResource.init),
                                                   nextCursor: page.nextAfter.map { Pagination.cursor(after: $0, listing: "users") }))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let profile = try await services.users.get(context.parameters.require("user"), in: context.scope())
        return try JSONResponse.make(.ok, UserResource(profile))
    }

    static func update(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(UpdateUserBody.self, from: request, limits: services.limits)
        guard body.displayName != nil || body.unixUid != nil || body.clearUnixUid == true || body.disabled != nil else {
            throw ValidationError(field: "display_name", "give at least one of display_name, unix_uid, clear_unix_uid, disabled")
        }
        if body.unixUid != nil && body.clearUnixUid == true {
            throw ValidationError(field: "clear_unix_uid", "give `unix_uid` or `clear_unix_uid`, not both")
        }
        let uid: UInt32?? = body.clearUnixUid == true ? .some(nil) : body.unixUid.map { .some($0) }
        let profile = try await services.users.update(context.parameters.require("user"), displayName: body.displayName,
                                                      unixUID: uid, disabled: body.disabled, context: context.change(services.clock))
        // A disabled user's keys must stop working now, not when the cache expires.
        services.authenticator.forgetAll()
        return try JSONResponse.make(.ok, UserResource(profile))
    }

    static func setMember(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(MemberBody.self, from: request, limits: services.limits)
        switch try await services.users.setMembership(
            org: context.parameters.require("org"), user: context.parameters.require("user"), role: body.role,
            context: context.change(services.clock)) {
        case .done(let membership):
            services.authenticator.forgetAll()
            return try JSONResponse.make(.ok, MembershipResource(membership))
        case .requested(let change):
            return DefinitionResources.respond(.accepted, ["change_request": ChangeRoutes.resource(change)])
        }
    }

    static func removeMember(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        _ = try await services.users.setMembership(org: context.parameters.require("org"), user: context.parameters.require("user"),
                                                   role: nil, context: context.change(services.clock))
        services.authenticator.forgetAll()
        return Response(status: .noContent)
    }

    struct WhoAmIBody: Encodable {
        let name: String
        let userId: String?
        let login: String?
        let orgId: String
        /// A session that may do nothing but enrol in MFA (`POST /api/v1/mfa/totp`).
        let mfaEnrolmentRequired: Bool
        let reach: String
        let roles: [String]
        let teams: [String]
        let permissions: [String]
    }
}

/// A user as the API shows it.
struct UserResource: Encodable {
    let id: String
    let login: String
    let displayName: String
    let unixUid: UInt32?
    let disabled: Bool
    let createdAt: String
    let memberships: [MembershipResource]

    init(_ profile: UserStore.Profile) {
        id = profile.user.id.rawValue
        login = profile.user.login
        displayName = profile.user.displayName
        unixUid = profile.user.unixUID
        disabled = profile.user.disabled
        createdAt = profile.user.createdAt.rfc3339
        memberships = profile.memberships.map(MembershipResource.init)
    }
}

struct MembershipResource: Encodable {
    let orgId: String
    let userId: String
    let role: String

    init(_ membership: Membership?) {
        orgId = membership?.orgID.rawValue ?? ""
        userId = membership?.userID.rawValue ?? ""
        role = membership?.role.name ?? ""
    }
}
