import Core
import Foundation
import Hummingbird
import AgentSecurity
import Storage

/// API keys: created for a user in an org, shown once, listed without secrets, revoked.
public enum APIKeyRoutes: RouteFile {
    public typealias Services = IdentityService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/api-keys", needs: .permission(.apiKeysManage),
                      Operation(id: "createAPIKey", summary: "Create an API key. Its token is in this response only.",
                                tag: "api-keys", requestBody: CreateKeyBody.schema.json,
                                success: (201, Schemas.apiKeyWithToken, "application/json"), problems: [400, 403, 404, 413, 415, 422]),
                      handler: create),
            RouteSpec(.get, "/api/v1/api-keys", needs: .permission(.apiKeysManage),
                      Operation(id: "listAPIKeys", summary: "List API keys (never their secrets).", tag: "api-keys",
                                query: Pagination.parameters, success: (200, Schemas.list(of: Schemas.apiKey), "application/json"),
                                problems: [400]),
                      handler: list),
            RouteSpec(.post, "/api/v1/api-keys/{key}/rotate", needs: .permission(.apiKeysManage),
                      Operation(id: "rotateAPIKey",
                                summary: "Make a successor key (token shown once); the old key works for the overlap only.",
                                tag: "api-keys", requestBody: RotateBody.schema.json, requestBodyRequired: false,
                                success: (201, Schemas.apiKeyWithToken, "application/json"), problems: [403, 404, 409, 422]),
                      handler: rotate),
            RouteSpec(.delete, "/api/v1/api-keys/{key}", needs: .permission(.apiKeysManage),
                      Operation(id: "revokeAPIKey", summary: "Revoke an API key at once.", tag: "api-keys",
                                success: (200, Schemas.apiKey, "application/json"), problems: [404]),
                      handler: revoke),
        ]
    }

    struct CreateKeyBody: RequestBody {
        let name: String
        let user: String?
        let org: String?
        let scopes: [String]?
        let expiresIn: String?

        enum CodingKeys: String, CodingKey { case name, user, org, scopes, expiresIn = "expires_in" }

        static let schema = ObjectSchema([
            .init("name", ["type": "string", "maxLength": 100], required: true, "What the key is for, e.g. `ci`."),
            .init("user", ["type": "string"], "The owner (ID or login); defaults to you."),
            .init("org", ["type": "string"], "The org the key acts in (ID or name); defaults to yours."),
            .init("scopes", ["type": "array", "items": ["type": "string", "enum": .array(
                    Permission.allCases.map { .string($0.rawValue) } + KeyScopePreset.allCases.map { .string($0.rawValue) })]],
                  "Permissions the key may use (a subset of the owner's), or presets read-only / execute-only; all of the owner's when absent."),
            .init("expires_in", ["type": "string", "pattern": "^[0-9]+[smhd]$"], "Lifetime such as `90d` or `12h`; no expiry when absent."),
        ])
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(CreateKeyBody.self, from: request, limits: services.limits)
        let (key, token) = try await issue(name: body.name, user: body.user, org: body.org, scopes: body.scopes, expiresIn: body.expiresIn,
                                           context, services)
        var response = try JSONResponse.make(.created, APIKeyResource(key, token: token))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// Makes a key (for the API and the console alike): its owner (default: the caller), its
    /// scopes (permissions and presets) and expiry checked; the token is returned once, only
    /// its hash is kept.
    static func issue(name: String, user: String?, org: String?, scopes names: [String]?, expiresIn: String?,
                      _ context: AgentRequestContext, _ services: Services) async throws -> (APIKey, String) {
        let caller = try requireCaller(context)
        guard let owner = user ?? caller.login else {
            throw ValidationError(field: "user", "give the key's owner: socket administrators own no keys themselves")
        }
        var scopes: Set<Permission>?
        var presets = Set<Permission>()
        if let names {
            var parsed = Set<Permission>()
            for name in names {
                if let preset = KeyScopePreset(rawValue: name) {
                    presets.formUnion(preset.permissions)
                    continue
                }
                guard let permission = Permission(rawValue: name) else {
                    throw ValidationError(field: "scopes", "`\(name)` is neither a permission (GET /api/v1/roles lists them) nor a preset ("
                        + KeyScopePreset.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                }
                parsed.insert(permission)
            }
            guard !parsed.isEmpty || !presets.isEmpty else {
                throw ValidationError(field: "scopes", "give at least one permission, or omit `scopes`")
            }
            scopes = parsed.isEmpty ? nil : parsed
        }
        let change = try context.change(services.clock)
        var expiresAt: Instant?
        if let text = expiresIn {
            guard let millis = TimeFilter.milliseconds(text), millis > 0 else {
                throw ValidationError(field: "expires_in", "must be a positive duration like 90d, 12h or 30m")
            }
            expiresAt = change.now.adding(milliseconds: millis)
        }
        let token = APIKeyAuthenticator.newToken(at: change.now)
        let key = try await services.keys.create(id: token.id, secretHash: services.authenticator.hash(token), name: name,
                                                 userReference: owner, orgReference: org, scopes: scopes,
                                                 presetScopes: presets, expiresAt: expiresAt, context: change)
        return (key, token.text)
    }

    struct RotateBody: RequestBody {
        let overlap: String?
        static let schema = ObjectSchema([.init("overlap", ["type": "string", "pattern": "^[0-9]+[smhd]$"],
                                                "How long the old key keeps working, e.g. `24h` (default 24h; `0s` ends it now).")])
    }

    static func rotate(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decodeIfPresent(RotateBody.self, from: request, limits: services.limits)
        let overlap: Int64
        if let text = body?.overlap {
            guard let millis = TimeFilter.milliseconds(text), millis <= 30 * Milliseconds.day else {
                throw ValidationError(field: "overlap", "must be a duration up to 30d such as 24h or 0s")
            }
            overlap = millis
        } else {
            overlap = Milliseconds.day
        }
        let change = try context.change(services.clock)
        let token = APIKeyAuthenticator.newToken(at: change.now)
        let (old, new) = try await services.keys.rotate(context.parameters.require("key"), successor: token.id,
                                                       secretHash: services.authenticator.hash(token),
                                                       overlapMilliseconds: overlap, context: change)
        services.authenticator.forget(old.id)
        var response = try JSONResponse.make(.created, APIKeyResource(new, token: token.text))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let page = try await services.keys.list(in: context.scope(), page: Pagination.request(from: request, listing: "api-keys"))
        return try JSONResponse.make(.ok, ListBody(items: page.items.map { APIKeyResource($0, token: nil) },
                                                   nextCursor: page.nextAfter.map { Pagination.cursor(after: $0, listing: "api-keys") }))
    }

    static func revoke(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let key = try await services.keys.revoke(context.parameters.require("key"), context: context.change(services.clock))
        services.authenticator.forget(key.id)
        return try JSONResponse.make(.ok, APIKeyResource(key, token: nil))
    }
}

/// An API key as the API shows it; `token` only in the response that created it.
struct APIKeyResource: Encodable {
    let id: String
    let orgId: String
    let userId: String
    let name: String
    let scopes: [String]?
    let expiresAt: String?
    let revokedAt: String?
    let lastUsedAt: String?
    let createdAt: String
    let token: String?

    init(_ key: APIKey, token: String?) {
        id = key.id.rawValue
        orgId = key.orgID.rawValue
        userId = key.userID.rawValue
        name = key.name
        scopes = key.scopes.map { $0.map(\.rawValue).sorted() }
        expiresAt = key.expiresAt?.rfc3339
        revokedAt = key.revokedAt?.rfc3339
        lastUsedAt = key.lastUsedAt?.rfc3339
        createdAt = key.createdAt.rfc3339
        self.token = token
    }
}
