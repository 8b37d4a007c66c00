import Core
import Foundation
import Hummingbird
import Storage

/// An org's custom roles: named sets of org-level permissions, given like built-in roles.
public enum RoleRoutes: RouteFile {
    public typealias Services = IdentityService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/roles", needs: .permission(.usersView),
                      Operation(id: "listRoles", summary: "Built-in roles and your org's custom roles, with their permissions.",
                                tag: "roles", query: [("org", ["type": "string"], "The org (ID or name); default: yours.")],
                                success: (200, Schemas.roles, "application/json"), problems: [404]),
                      handler: list),
            RouteSpec(.put, "/api/v1/roles/{role}", needs: .permission(.rolesManage),
                      Operation(id: "putRole", summary: "Create or change a custom role of an org.", tag: "roles",
                                requestBody: RoleBody.schema.json, success: (200, Schemas.role, "application/json"),
                                problems: [400, 403, 404, 413, 415, 422]),
                      handler: put),
            RouteSpec(.delete, "/api/v1/roles/{role}", needs: .permission(.rolesManage),
                      Operation(id: "deleteRole", summary: "Delete a custom role nobody holds.", tag: "roles",
                                query: [("org", ["type": "string"], "The org (ID or name); default: yours.")],
                                success: (204, nil, "application/json"), problems: [404, 409]),
                      handler: delete),
        ]
    }

    struct RoleBody: RequestBody {
        let permissions: [String]
        let org: String?
        static let schema = ObjectSchema([
            .init("permissions", ["type": "array", "items": ["type": "string", "enum": .array(Permission.allCases.filter { !$0.isInstallationWide }.map { .string($0.rawValue) })]],
                  required: true, "The org-level permissions the role grants."),
            .init("org", ["type": "string"], "The org (ID or name); default: yours."),
        ])
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let custom = try await services.roles.list(orgReference: request.uri.queryParameters["org"].map(String.init), in: context.scope())
        let builtIn = Role.allCases.map { RoleResource(name: $0.rawValue, builtIn: true, permissions: $0.permissions) }
        return try JSONResponse.make(.ok, ListBody(items: builtIn + custom.map { RoleResource(name: $0.name, builtIn: false, permissions: $0.permissions) },
                                                   nextCursor: nil))
    }

    static func put(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(RoleBody.self, from: request, limits: services.limits)
        var permissions = Set<Permission>()
        for name in body.permissions {
            guard let permission = Permission(rawValue: name) else {
                throw ValidationError(field: "permissions", "`\(name)` is not a permission; GET /api/v1/roles lists them")
            }
            permissions.insert(permission)
        }
        let role = try await services.roles.put(name: context.parameters.require("role"), permissions: permissions,
                                                orgReference: body.org, context: context.change(services.clock))
        // Holders' cached keys must pick up the new permissions now.
        services.authenticator.forgetAll()
        return try JSONResponse.make(.ok, RoleResource(name: role.name, builtIn: false, permissions: role.permissions))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await services.roles.delete(context.parameters.require("role"), orgReference: request.uri.queryParameters["org"].map(String.init),
                                        context: context.change(services.clock))
        return Response(status: .noContent)
    }

    struct RoleResource: Encodable {
        let name: String
        let builtIn: Bool
        let permissions: [String]

        init(name: String, builtIn: Bool, permissions: Set<Permission>) {
            self.name = name
            self.builtIn = builtIn
            self.permissions = permissions.map(\.rawValue).sorted()
        }
    }
}
