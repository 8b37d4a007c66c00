import Core
import Foundation
import Hummingbird
import AgentSecurity
import Storage

/// Secrets per org and environment. Values go in and never come out of any route; steps get
/// them at run time. `agentctl secrets set|list|versions|delete`; `agentctl vault status`.
public enum SecretRoutes: RouteFile {
    static let query: [(name: String, schema: JSON, description: String)] = [
        ("environment", Schemas.environment, "dev, staging, prod or one the org added."),
        ("path", pathSchema, "The secret's path, e.g. payments/sfdc."),
        ("org", ["type": "string"], "The org (ID or name); default: yours."),
    ]

    /// SecretRules.checkPath as a schema: 1-200 characters, segments of a-z 0-9 . _ - between
    /// single slashes, no `.` or `..` segment. A query `path` that breaks it is refused (400).
    static let pathSchema: JSON = ["type": "string", "minLength": 1, "maxLength": 200,
                                   "pattern": #"^(?!\.\.?(/|$))(?!.*/\.\.?(/|$))[a-z0-9._-]+(/[a-z0-9._-]+)*$"#]

    public typealias Services = VaultService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.put, "/api/v1/secrets", needs: .permission(.secretsWrite),
                      Operation(id: "putSecret", summary: "Store a new version of a secret (the value is never returned); in prod, where held for approval, 202 with the change request.",
                                tag: "secrets", requestBody: PutBody.schema.json,
                                success: (200, ["anyOf": [Schemas.secret, ChangeRoutes.requestedSchema]], "application/json"),
                                problems: [400, 404, 413, 415, 422, 503], otherSuccesses: [202]),
                      handler: put),
            RouteSpec(.get, "/api/v1/secrets", needs: .permission(.secretsRead),
                      Operation(id: "listSecrets", summary: "Secrets' paths, versions and who changed them when: never values.",
                                tag: "secrets", query: query.filter { $0.name != "path" },
                                success: (200, Schemas.list(of: Schemas.secret), "application/json"), problems: [400, 404]),
                      handler: list),
            RouteSpec(.get, "/api/v1/secrets/versions", needs: .permission(.secretsRead),
                      Operation(id: "secretVersions", summary: "The versions of one secret, newest first.", tag: "secrets",
                                query: query, success: (200, Schemas.list(of: Schemas.secretVersion), "application/json"),
                                problems: [400, 404], requiredQuery: ["path", "environment"]),
                      handler: versions),
            RouteSpec(.delete, "/api/v1/secrets", needs: .permission(.secretsWrite),
                      Operation(id: "deleteSecret", summary: "Delete a secret and every version of its value.", tag: "secrets",
                                query: query, success: (204, nil, "application/json"), problems: [400, 404, 503],
                                requiredQuery: ["path", "environment"]),
                      handler: delete),
            RouteSpec(.post, "/api/v1/vault/check", needs: .permission(.vaultManage),
                      Operation(id: "vaultCheck", summary: "Open every stored version; report any that fail.", tag: "secrets",
                                success: (200, Schemas.vaultCheck, "application/json")),
                      handler: check),
            RouteSpec(.post, "/api/v1/vault/rotate", needs: .permission(.vaultManage),
                      Operation(id: "vaultRotate",
                                summary: "New master key; every data key re-wrapped online; old key retired when nothing uses it.",
                                tag: "secrets", success: (200, Schemas.vaultRotation, "application/json"), problems: [409]),
                      handler: rotate),
            RouteSpec(.post, "/api/v1/vault/unseal", needs: .permission(.vaultManage),
                      Operation(id: "vaultUnseal", summary: "Open a vault whose key comes from a passphrase.", tag: "secrets",
                                requestBody: UnsealBody.schema.json, success: (200, Schemas.vaultStatus, "application/json"),
                                problems: [403, 409, 413, 415, 422, 429]),
                      handler: unseal),
            RouteSpec(.get, "/api/v1/vault", needs: .permission(.systemView),
                      Operation(id: "vaultStatus", summary: "Sealed or not, key source, key ids, number of secrets.", tag: "secrets",
                                success: (200, Schemas.vaultStatus, "application/json")),
                      handler: status),
        ]
    }

    struct PutBody: RequestBody {
        let environment: String
        let path: String
        let value: String?
        let valueBase64: String?
        let org: String?
        let team: String?

        enum CodingKeys: String, CodingKey { case environment, path, value, valueBase64 = "value_base64", org, team }

        static let schema = ObjectSchema([
            .init("environment", Schemas.environment, required: true, "dev, staging, prod or one the org added."),
            .init("path", pathSchema, required: true, "e.g. payments/sfdc"),
            .init("value", ["type": "string"], "The value as text."),
            .init("value_base64", ["type": "string"], "Or the value as base64 bytes."),
            .init("org", ["type": "string"], "The org (ID or name); default: yours."),
            .init("team", ["type": "string"], "Make it this team's (ID or name): only its members and executions use it."),
        ])
    }

    /// The `path` query parameter, by the rule its schema states (an empty one is refused, not looked up).
    static func requiredPath(_ text: String?) throws -> String {
        guard let text else { throw APIError.invalidParameter(name: "path", "is required") }
        if let violation = SecretRules.checkPath(text) { throw APIError.invalidParameter(name: "path", violation.message) }
        return text
    }

    static func environment(_ text: String?) throws -> DeployEnvironment {
        try EnvironmentName.parse(text, field: "environment")
    }

    static func put(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(PutBody.self, from: request, limits: services.limits)
        let environment = try Self.environment(body.environment)
        var value: [UInt8]
        switch (body.value, body.valueBase64) {
        case (let text?, nil): value = Array(text.utf8)
        case (nil, let encoded?):
            guard let data = Data(base64Encoded: encoded) else { throw ValidationError(field: "value_base64", "is not base64") }
            value = Array(data)
        default: throw ValidationError(field: "value", "give `value` or `value_base64`, one of them")
        }
        defer { for index in value.indices { value[index] = 0 } }
        switch try await write(value, path: body.path, environment: environment, org: body.org, team: body.team, context, services) {
        case .written(let info):
            return try JSONResponse.make(.ok, SecretResource(info))
        case .requested(let change):
            // A prod write held for approval (`secret.prod`): the value waits sealed, never shown.
            return DefinitionResources.respond(.accepted, ["change_request": ChangeRoutes.resource(change)])
        }
    }

    /// Seals and stores a value (for the API and the console alike); the caller wipes `value`.
    static func write(_ value: [UInt8], path: String, environment: DeployEnvironment, org: String?, team: String?,
                      _ context: AgentRequestContext, _ services: Services) async throws -> SecretStore.PutOutcome {
        guard value.count <= services.vaultLimits.maximumValueBytes else {
            throw APIError.secretTooLarge(limit: services.vaultLimits.maximumValueBytes)
        }
        let sealer = try services.vault.sealer(for: value)
        return try await services.secrets.put(path: path, environment: environment, orgReference: org, team: team,
                                              context: context.change(services.clock), seal: sealer)
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let query = request.uri.queryParameters
        let environment = try query["environment"].map { try Self.environment(String($0)) }
        let items = try await services.secrets.list(orgReference: query["org"].map(String.init), environment: environment, in: context.scope())
        return try JSONResponse.make(.ok, ListBody(items: items.map(SecretResource.init), nextCursor: nil))
    }

    static func versions(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let query = request.uri.queryParameters
        let path = try requiredPath(query["path"].map(String.init))
        let items = try await services.secrets.versions(path: path, environment: try Self.environment(query["environment"].map(String.init)),
                                                        orgReference: query["org"].map(String.init), in: context.scope())
        return try JSONResponse.make(.ok, ListBody(items: items.map(VersionResource.init), nextCursor: nil))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let query = request.uri.queryParameters
        let path = try requiredPath(query["path"].map(String.init))
        try await services.secrets.delete(path: path, environment: try Self.environment(query["environment"].map(String.init)),
                                          orgReference: query["org"].map(String.init), context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func status(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try JSONResponse.make(.ok, VaultStatusBody(sealed: services.vault.keys.isEmpty, keySource: services.vault.source,
                                                   keyIds: services.vault.keys.map(\.id), activeKeyId: services.vault.activeKey?.id,
                                                   secrets: try await services.secrets.count()))
    }

    struct UnsealBody: RequestBody {
        let passphrase: String
        static let schema = ObjectSchema([.init("passphrase", ["type": "string", "minLength": 12], required: true,
                                                "The vault passphrase (at least 12 characters when first set).")])
    }

    static func unseal(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(UnsealBody.self, from: request, limits: services.limits)
        try await services.unseal(passphrase: body.passphrase, change: context.change(services.clock))
        return try await status(request, context, services)
    }

    static func check(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (checked, failures) = try await services.check(change: context.change(services.clock))
        return try JSONResponse.make(.ok, CheckBody(checked: checked, failed: failures.map {
            CheckBody.Failure(orgId: $0.ref.orgID.rawValue, environment: $0.ref.environment.rawValue, path: $0.ref.path,
                              version: $0.ref.version, error: "\($0.error)")
        }))
    }

    static func rotate(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let started = ContinuousClock.now
        let result = try await services.rotate(change: context.change(services.clock))
        let elapsed = ContinuousClock.now - started
        let millis = elapsed.inMilliseconds
        return try JSONResponse.make(.ok, RotationBody(activeKeyId: result.keyID, rewrapped: result.rewrapped, milliseconds: millis))
    }

    struct CheckBody: Encodable {
        struct Failure: Encodable {
            let orgId: String
            let environment: String
            let path: String
            let version: Int
            let error: String
        }
        let checked: Int
        let failed: [Failure]
    }

    struct RotationBody: Encodable {
        let activeKeyId: String
        let rewrapped: Int
        let milliseconds: Int64
    }

    struct VaultStatusBody: Encodable {
        let sealed: Bool
        let keySource: String
        let keyIds: [String]
        let activeKeyId: String?
        let secrets: Int
    }
}

struct SecretResource: Encodable {
    let orgId: String
    let teamId: String?
    let environment: String
    let path: String
    let version: Int
    let createdAt: String
    let updatedAt: String
    let updatedBy: String

    init(_ info: SecretInfo) {
        orgId = info.orgID.rawValue
        teamId = info.teamID?.rawValue
        environment = info.environment.rawValue
        path = info.path
        version = info.currentVersion
        createdAt = info.createdAt.rfc3339
        updatedAt = info.updatedAt.rfc3339
        updatedBy = info.updatedBy
    }
}

struct VersionResource: Encodable {
    let version: Int
    let keyId: String
    let createdAt: String
    let createdBy: String

    init(_ info: SecretVersionInfo) {
        version = info.version
        keyId = info.keyID
        createdAt = info.createdAt.rfc3339
        createdBy = info.createdBy
    }
}
