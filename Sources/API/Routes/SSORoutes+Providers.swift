import Core
import Foundation
import Hummingbird
import Storage

/// Managing identity providers (installation administrators) and an org's "SSO required".
extension SSORoutes {
    struct ProviderBody: RequestBody {
        let name: String?
        let org: String?
        let issuer: String
        let clientId: String
        let clientSecretPath: String?
        let clientSecretEnv: String?
        let scopes: [String]?
        let groupsClaim: String?
        let loginClaim: String?
        let map: [String]
        let caFile: String?
        let apiAudience: String?
        let programClaim: String?
        let programs: [String]?
        let linkExisting: Bool?

        enum CodingKeys: String, CodingKey {
            case name, org, issuer, clientId = "client_id", clientSecretPath = "client_secret_path", clientSecretEnv = "client_secret_env",
                 scopes, groupsClaim = "groups_claim", loginClaim = "login_claim", map, caFile = "ca_file", apiAudience = "api_audience",
                 programClaim = "program_claim", programs, linkExisting = "link_existing"
        }

        static let schema = ObjectSchema([
            .init("name", ["type": "string"], "The provider's name (in /auth/login/NAME); on PUT, the path's."),
            .init("org", ["type": "string"], "The org its people log into (ID or name); default: the caller's."),
            .init("issuer", ["type": "string"], required: true, "The IdP's issuer URL, exactly as its discovery document states it."),
            .init("client_id", ["type": "string"], required: true, "agentd's client ID at the IdP."),
            .init("client_secret_path", ["type": "string"], "Vault path of the client secret in the org (absent: a public client, PKCE only)."),
            .init("client_secret_env", ["type": "string"], "The vault environment of the client secret (default prod)."),
            .init("scopes", ["type": "array", "items": ["type": "string"]], "Scopes to ask for (default openid profile email)."),
            .init("groups_claim", ["type": "string"], "The claim holding the person's groups (default groups; dotted for nested, realm_access.roles)."),
            .init("login_claim", ["type": "string"], "The claim that becomes the agentd login (default preferred_username)."),
            .init("map", ["type": "array", "items": ["type": "string"]], required: true, "GROUP=ROLE or GROUP=ROLE@TEAM, one per mapping."),
            .init("ca_file", ["type": "string"], "PEM file of the CAs the IdP's TLS certificate is checked against (default: the system's)."),
            .init("api_audience", ["type": "string"], "The aud of programs' access tokens (enables program tokens)."),
            .init("program_claim", ["type": "string"], "The claim naming a program's client (default azp, else client_id)."),
            .init("programs", ["type": "array", "items": ["type": "string"]], "CLIENT=LOGIN: the service account each program acts as."),
            .init("link_existing", ["type": "boolean"], "Let a first login take over a local user of the same login (default false)."),
        ])

        func settings(name: String) throws -> OIDCProviderSettings {
            var violations: [FieldViolation] = []
            var mappings: [SSOMapping] = []
            for text in map {
                switch SSOMapping.parse(text) {
                case .success(let mapping): mappings.append(mapping)
                case .failure(let error): violations += error.violations
                }
            }
            var parsedPrograms: [SSOProgram] = []
            for text in programs ?? [] {
                switch SSOProgram.parse(text) {
                case .success(let program): parsedPrograms.append(program)
                case .failure(let error): violations += error.violations
                }
            }
            if let env = clientSecretEnv, DeployEnvironment(rawValue: env) == nil {
                violations.append(FieldViolation(field: "client_secret_env", message: "must be an environment name such as prod"))
            }
            if !violations.isEmpty { throw ValidationError(violations) }
            let defaults = OIDCProviderSettings(name: name, issuer: issuer, clientID: clientId, mappings: [])
            return OIDCProviderSettings(name: name, issuer: issuer, clientID: clientId, clientSecretPath: clientSecretPath,
                                        scopes: scopes ?? defaults.scopes, groupsClaim: groupsClaim ?? defaults.groupsClaim,
                                        loginClaim: loginClaim ?? defaults.loginClaim, mappings: mappings,
                                        clientSecretEnvironment: clientSecretEnv ?? defaults.clientSecretEnvironment, caFile: caFile,
                                        apiAudience: apiAudience, programClaim: programClaim, programs: parsedPrograms,
                                        linkExisting: linkExisting ?? false)
        }
    }

    /// A provider as the API shows it: its settings, never a secret (the secret's vault path).
    struct ProviderResource: Encodable {
        let name: String
        let kind: String
        let org: String
        let orgId: String
        let issuer: String
        let clientId: String
        let clientSecretPath: String?
        let clientSecretEnv: String
        let scopes: [String]
        let groupsClaim: String
        let loginClaim: String
        let map: [String]
        let caFile: String?
        let apiAudience: String?
        let programClaim: String?
        let programs: [String]
        let linkExisting: Bool
        let loginUrl: String
        let redirectUri: String
        let linkedPeople: Int?
        let createdAt: String
        let createdBy: String
        let updatedAt: String

        init(_ provider: SSOProvider, services: Services, linked: Int?) {
            let settings = provider.settings
            name = provider.name
            kind = provider.kind
            org = provider.orgName
            orgId = provider.orgID.rawValue
            issuer = settings.issuer
            clientId = settings.clientID
            clientSecretPath = settings.clientSecretPath
            clientSecretEnv = settings.clientSecretEnvironment
            scopes = settings.scopes
            groupsClaim = settings.groupsClaim
            loginClaim = settings.loginClaim
            map = settings.mappings.map(\.text)
            caFile = settings.caFile
            apiAudience = settings.apiAudience
            programClaim = settings.programClaim
            programs = settings.programs.map(\.text)
            linkExisting = settings.linkExisting
            loginUrl = services.publicURL.text + "/auth/login/" + provider.name
            redirectUri = services.redirectURI(provider.name)
            linkedPeople = linked
            createdAt = provider.createdAt.rfc3339
            createdBy = provider.createdBy
            updatedAt = provider.updatedAt.rfc3339
        }
    }

    /// Identity providers create users, which belong to the whole installation.
    static func requireInstallation(_ context: AgentRequestContext, _ what: String) throws {
        guard try context.scope().reach == .installation else {
            throw APIError.installationAct(what, because: "a provider creates users, and users belong to the whole installation")
        }
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try requireInstallation(context, "Listing identity providers")
        let counts = try await services.store.linkedCounts()
        let providers = try await services.store.providers()
        return try JSONResponse.make(.ok, ListBody(items: providers.map { ProviderResource($0, services: services, linked: counts[$0.name] ?? 0) },
                                                   nextCursor: nil))
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try requireInstallation(context, "Adding an identity provider")
        let body = try await BodyDecoder.decode(ProviderBody.self, from: request, limits: services.limits)
        guard let name = body.name else { throw ValidationError(field: "name", "is required") }
        let provider = try await services.store.save(try body.settings(name: name), orgReference: body.org, replace: false,
                                                     context: context.change(services.clock))
        services.programTokens.invalidate()
        return try JSONResponse.make(.created, ProviderResource(provider, services: services, linked: 0))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try requireInstallation(context, "Reading an identity provider")
        let name = try context.parameters.require("provider")
        guard let provider = try await services.store.provider(name) else { throw StorageError.notFound(.ssoProvider, id: name) }
        return try JSONResponse.make(.ok, ProviderResource(provider, services: services, linked: try await services.store.linkedCounts()[name] ?? 0))
    }

    static func replace(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try requireInstallation(context, "Changing an identity provider")
        let name = try context.parameters.require("provider")
        let body = try await BodyDecoder.decode(ProviderBody.self, from: request, limits: services.limits)
        if let other = body.name, other != name { throw ValidationError(field: "name", "must be the path's (\(name)); a provider is not renamed") }
        guard try await services.store.provider(name) != nil else { throw StorageError.notFound(.ssoProvider, id: name) }
        let provider = try await services.store.save(try body.settings(name: name), orgReference: body.org, replace: true,
                                                     context: context.change(services.clock))
        services.programTokens.invalidate()
        return try JSONResponse.make(.ok, ProviderResource(provider, services: services, linked: nil))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try requireInstallation(context, "Removing an identity provider")
        try await services.store.remove(try context.parameters.require("provider"), context: context.change(services.clock))
        services.programTokens.invalidate()
        return Response(status: .noContent)
    }

    static func test(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try requireInstallation(context, "Testing an identity provider")
        return try JSONResponse.make(.ok, try await services.test(try context.parameters.require("provider")))
    }

    // MARK: SSO required

    struct RequirementBody: RequestBody {
        let required: Bool
        let breakGlass: [String]?

        enum CodingKeys: String, CodingKey { case required, breakGlass = "break_glass" }

        static let schema = ObjectSchema([
            .init("required", ["type": "boolean"], required: true, "Refuse password logins of the org's people."),
            .init("break_glass", ["type": "array", "items": ["type": "string"]],
                  "Logins that may still use a password (at least one org admin with one, when required)."),
        ])
    }

    struct RequirementResource: Encodable {
        let required: Bool
        let breakGlass: [String]
        let providers: [String]
    }

    static func getRequirement(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let scope = try context.scope()
        let org = try context.parameters.require("org")
        let requirement = try await services.store.requirement(orgReference: org, scope: scope)
        let providers = try await services.store.providers().filter { $0.orgID.rawValue == org || $0.orgName == org }.map(\.name)
        return try JSONResponse.make(.ok, RequirementResource(required: requirement.required, breakGlass: requirement.breakGlass, providers: providers))
    }

    static func setRequirement(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(RequirementBody.self, from: request, limits: services.limits)
        let org = try context.parameters.require("org")
        let requirement = try await services.store.setRequirement(orgReference: org, required: body.required, breakGlass: body.breakGlass ?? [],
                                                                  context: context.change(services.clock))
        let providers = try await services.store.providers().filter { $0.orgID.rawValue == org || $0.orgName == org }.map(\.name)
        return try JSONResponse.make(.ok, RequirementResource(required: requirement.required, breakGlass: requirement.breakGlass, providers: providers))
    }
}
