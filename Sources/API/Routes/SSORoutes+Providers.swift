import AgentSecurity
import Core
import Foundation
import Hummingbird
import Storage

/// Managing identity providers (installation administrators) and an org's "SSO required".
extension SSORoutes {
    struct ProviderBody: RequestBody {
        let kind: String?
        let name: String?
        let org: String?
        let issuer: String?
        let clientId: String?
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
        let metadata: String?
        let spEntityId: String?
        let loginAttribute: String?
        let groupsAttribute: String?

        enum CodingKeys: String, CodingKey {
            case kind, metadata, spEntityId = "sp_entity_id", loginAttribute = "login_attribute", groupsAttribute = "groups_attribute"
            case name, org, issuer, clientId = "client_id", clientSecretPath = "client_secret_path", clientSecretEnv = "client_secret_env",
                 scopes, groupsClaim = "groups_claim", loginClaim = "login_claim", map, caFile = "ca_file", apiAudience = "api_audience",
                 programClaim = "program_claim", programs, linkExisting = "link_existing"
        }

        static let schema = ObjectSchema([
            .init("kind", ["type": "string", "enum": ["oidc", "saml"]], "oidc (default) or saml."),
            .init("name", ["type": "string"], "The provider's name (in /auth/login/NAME); on PUT, the path's."),
            .init("org", ["type": "string"], "The org its people log into (ID or name); default: the caller's."),
            .init("issuer", ["type": "string"], "OIDC (required): the IdP's issuer URL, exactly as its discovery document states it."),
            .init("client_id", ["type": "string"], "OIDC (required): agentd's client ID at the IdP."),
            .init("metadata", ["type": "string"], "SAML (required): the IdP's metadata XML (entityID, signing certificate, SSO endpoint)."),
            .init("sp_entity_id", ["type": "string"], "SAML: agentd's entityID at the IdP (default: its SP metadata URL)."),
            .init("login_attribute", ["type": "string"], "SAML: the attribute that becomes the agentd login (default: the NameID)."),
            .init("groups_attribute", ["type": "string"], "SAML: the attribute with the person's groups (default groups)."),
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

        func mappings() throws -> [SSOMapping] {
            var violations: [FieldViolation] = []
            var mappings: [SSOMapping] = []
            for text in map {
                switch SSOMapping.parse(text) {
                case .success(let mapping): mappings.append(mapping)
                case .failure(let error): violations += error.violations
                }
            }
            if !violations.isEmpty { throw ValidationError(violations) }
            return mappings
        }

        func samlSettings(name: String, defaultEntityID: String) throws -> SAMLProviderSettings {
            guard let metadata, let parsed = SAMLMetadata.parse(Data(metadata.utf8)) else {
                throw ValidationError(field: "metadata", "must be the IdP's SAML metadata: an EntityDescriptor with an IDPSSODescriptor, its signing "
                                      + "certificate and an HTTP-Redirect SingleSignOnService")
            }
            return SAMLProviderSettings(name: name, idpEntityID: parsed.entityID, ssoURL: parsed.ssoURL, certificatePEM: parsed.certificatePEM,
                                        spEntityID: spEntityId ?? defaultEntityID, loginAttribute: loginAttribute,
                                        groupsAttribute: groupsAttribute ?? "groups", mappings: try mappings(), linkExisting: linkExisting ?? false)
        }

        func settings(name: String) throws -> OIDCProviderSettings {
            var violations: [FieldViolation] = []
            guard let issuer, let clientId else {
                throw ValidationError([FieldViolation(field: issuer == nil ? "issuer" : "client_id", message: "is required for an OIDC provider")])
            }
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

    /// A SAML provider as the API shows it.
    struct SAMLProviderResource: Encodable {
        let name: String
        let kind = "saml"
        let org: String
        let orgId: String
        let idpEntityId: String
        let ssoUrl: String
        let spEntityId: String
        let acsUrl: String
        let spMetadataUrl: String
        let loginUrl: String
        let loginAttribute: String?
        let groupsAttribute: String
        let map: [String]
        let linkExisting: Bool
        let linkedPeople: Int?
        let createdAt: String
        let createdBy: String
        let updatedAt: String

        init(_ provider: SAMLProvider, services: Services, linked: Int?) {
            let settings = provider.settings
            name = provider.name
            org = provider.orgName
            orgId = provider.orgID.rawValue
            idpEntityId = settings.idpEntityID
            ssoUrl = settings.ssoURL
            spEntityId = settings.spEntityID
            acsUrl = services.samlACS(provider.name)
            spMetadataUrl = services.publicURL.text + "/auth/saml/" + provider.name + "/metadata"
            loginUrl = services.publicURL.text + "/auth/login/" + provider.name
            loginAttribute = settings.loginAttribute
            groupsAttribute = settings.groupsAttribute
            map = settings.mappings.map(\.text)
            linkExisting = settings.linkExisting
            linkedPeople = linked
            createdAt = provider.createdAt.rfc3339
            createdBy = provider.createdBy
            updatedAt = provider.updatedAt.rfc3339
        }
    }

    enum AnyProviderResource: Encodable {
        case oidc(ProviderResource)
        case saml(SAMLProviderResource)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .oidc(let resource): try resource.encode(to: encoder)
            case .saml(let resource): try resource.encode(to: encoder)
            }
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
        var items = try await services.store.providers().map { AnyProviderResource.oidc(ProviderResource($0, services: services, linked: counts[$0.name] ?? 0)) }
        items += try await services.store.samlProviders().map { .saml(SAMLProviderResource($0, services: services, linked: counts[$0.name] ?? 0)) }
        return try JSONResponse.make(.ok, ListBody(items: items, nextCursor: nil))
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try requireInstallation(context, "Adding an identity provider")
        let body = try await BodyDecoder.decode(ProviderBody.self, from: request, limits: services.limits)
        guard let name = body.name else { throw ValidationError(field: "name", "is required") }
        if body.kind == "saml" {
            let provider = try await services.store.saveSAML(try body.samlSettings(name: name, defaultEntityID: services.samlDefaultEntityID(name)),
                                                             orgReference: body.org, replace: false, context: context.change(services.clock))
            return try JSONResponse.make(.created, AnyProviderResource.saml(SAMLProviderResource(provider, services: services, linked: 0)))
        }
        guard body.kind == nil || body.kind == "oidc" else { throw ValidationError(field: "kind", "must be oidc or saml") }
        let provider = try await services.store.save(try body.settings(name: name), orgReference: body.org, replace: false,
                                                     context: context.change(services.clock))
        services.programTokens.invalidate()
        return try JSONResponse.make(.created, AnyProviderResource.oidc(ProviderResource(provider, services: services, linked: 0)))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try requireInstallation(context, "Reading an identity provider")
        let name = try context.parameters.require("provider")
        let linked = try await services.store.linkedCounts()[name] ?? 0
        if let saml = try await services.store.samlProvider(name) {
            return try JSONResponse.make(.ok, AnyProviderResource.saml(SAMLProviderResource(saml, services: services, linked: linked)))
        }
        guard let provider = try await services.store.provider(name) else { throw StorageError.notFound(.ssoProvider, id: name) }
        return try JSONResponse.make(.ok, AnyProviderResource.oidc(ProviderResource(provider, services: services, linked: linked)))
    }

    static func replace(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try requireInstallation(context, "Changing an identity provider")
        let name = try context.parameters.require("provider")
        let body = try await BodyDecoder.decode(ProviderBody.self, from: request, limits: services.limits)
        if let other = body.name, other != name { throw ValidationError(field: "name", "must be the path's (\(name)); a provider is not renamed") }
        if try await services.store.samlProvider(name) != nil {
            let provider = try await services.store.saveSAML(try body.samlSettings(name: name, defaultEntityID: services.samlDefaultEntityID(name)),
                                                             orgReference: body.org, replace: true, context: context.change(services.clock))
            return try JSONResponse.make(.ok, AnyProviderResource.saml(SAMLProviderResource(provider, services: services, linked: nil)))
        }
        guard try await services.store.provider(name) != nil else { throw StorageError.notFound(.ssoProvider, id: name) }
        let provider = try await services.store.save(try body.settings(name: name), orgReference: body.org, replace: true,
                                                     context: context.change(services.clock))
        services.programTokens.invalidate()
        return try JSONResponse.make(.ok, AnyProviderResource.oidc(ProviderResource(provider, services: services, linked: nil)))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try requireInstallation(context, "Removing an identity provider")
        try await services.store.remove(try context.parameters.require("provider"), context: context.change(services.clock))
        services.programTokens.invalidate()
        return Response(status: .noContent)
    }

    static func test(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try requireInstallation(context, "Testing an identity provider")
        let name = try context.parameters.require("provider")
        if try await services.store.kind(of: name) == "saml" { return try JSONResponse.make(.ok, try await services.testSAML(name)) }
        return try JSONResponse.make(.ok, try await services.test(name))
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
        let providers = try await services.store.providerNames(orgReference: org, scope: try context.scope())
        return try JSONResponse.make(.ok, RequirementResource(required: requirement.required, breakGlass: requirement.breakGlass, providers: providers))
    }

    static func setRequirement(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(RequirementBody.self, from: request, limits: services.limits)
        let org = try context.parameters.require("org")
        let requirement = try await services.store.setRequirement(orgReference: org, required: body.required, breakGlass: body.breakGlass ?? [],
                                                                  context: context.change(services.clock))
        let providers = try await services.store.providerNames(orgReference: org, scope: try context.scope())
        return try JSONResponse.make(.ok, RequirementResource(required: requirement.required, breakGlass: requirement.breakGlass, providers: providers))
    }
}
