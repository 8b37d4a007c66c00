import Core
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Settings: people and teams, API keys (the token shown once), secrets (metadata; values
/// write-only), models (with their test) and the audit log (with the chain's verification).
/// Each reads and changes through the same services and shared route code as the API.
enum ConsoleSettingsPages {
    /// The first settings page the caller may open.
    static func home(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let scope = try context.scope()
        let first = [(Permission.usersView, "users"), (.apiKeysManage, "keys"), (.secretsRead, "secrets"), (.workflowsView, "models"), (.auditView, "audit")]
            .first { scope.allows($0.0) }
        guard let first else { throw APIError.forbidden(.usersView) }
        return HTMLResponse.redirect("/ui/settings/\(first.1)")
    }

    static func frame(_ context: AgentRequestContext, _ services: ConsoleServices, _ sub: String, problem: String? = nil,
                      notice: String? = nil) async throws -> [String: Any] {
        var data = await ConsoleFrame.data(context, services, title: "Settings", nav: "settings")
        data["sub"] = [sub: true]
        data["problem"] = problem
        data["notice"] = notice
        return data
    }

    /// A refusal a person can act on, shown on the page; anything else is the error page.
    static func shown(_ error: any Error) throws -> (String, HTTPResponse.Status) {
        try ConsoleForm.refusal(error, shown: [400, 409, 413, 422])
    }

    // MARK: People and teams

    static func users(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        try await usersPage(context, services, problem: nil, notice: nil, status: .ok)
    }

    static func usersPage(_ context: AgentRequestContext, _ services: ConsoleServices, problem: String?, notice: String?,
                          status: HTTPResponse.Status) async throws -> Response {
        let scope = try context.scope()
        var data = try await frame(context, services, "users", problem: problem, notice: notice)
        let users = try await services.identity.users.list(in: scope, page: PageRequest(limit: 200)).items
        data["users"] = users.map { profile -> [String: Any] in
            ["login": profile.user.login, "name": profile.user.displayName, "disabled": profile.user.disabled,
             "roles": profile.memberships.filter { $0.orgID == scope.orgID }.map(\.role.name).joined(separator: ", "),
             "since": ConsoleView.time(profile.user.createdAt)]
        }
        let teams = try await services.identity.teams.list(in: scope, page: PageRequest(limit: 200)).items
        data["teams"] = teams.map { team -> [String: Any] in
            ["name": team.name, "members": team.members.map { member in member.role.map { "\(member.login) (\($0))" } ?? member.login }.joined(separator: ", ")]
        }
        data["hasTeams"] = !teams.isEmpty
        data["roles"] = [Role.viewer, .operator, .developer, .admin, .guest].map(\.rawValue)
        let custom = try await services.identity.roles.list(orgReference: nil, in: scope)
        data["roleTable"] = Role.allCases.map { ["name": $0.rawValue, "builtIn": true, "permissions": $0.permissions.map(\.rawValue).sorted().joined(separator: ", ")] }
            + custom.map { ["name": $0.name, "builtIn": false, "permissions": $0.permissions.map(\.rawValue).sorted().joined(separator: ", ")] }
        return HTMLResponse.page(ConsoleView.render("settings-users", data), status: status)
    }

    /// Adds a person to the org (`POST /api/v1/users`), with a first password when given
    /// (`PUT /api/v1/users/{user}/password`).
    static func addUser(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let form = try await ConsoleForm.read(request, limits: services.identity.limits)
        let login = form["login"] ?? ""
        do {
            let profile = try await services.identity.users.create(login: login, displayName: form.value("display_name"), unixUID: nil,
                                                                   orgReference: nil, role: form["role"] ?? "viewer",
                                                                   context: context.change(services.clock))
            if let password = form.value("password") {
                try await services.login.setPassword(of: profile.user.id.rawValue, to: password, currentPassword: nil,
                                                     caller: requireCaller(context), change: context.change(services.clock))
            }
            return try await usersPage(context, services, problem: nil, notice: "\(profile.user.login) can now sign in.", status: .created)
        } catch {
            let (problem, status) = try shown(error)
            return try await usersPage(context, services, problem: problem, notice: nil, status: status)
        }
    }

    /// Adds a team (`POST /api/v1/teams`).
    static func addTeam(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let form = try await ConsoleForm.read(request, limits: services.identity.limits)
        do {
            let team = try await services.identity.teams.create(name: form["name"] ?? "", orgReference: nil, context: context.change(services.clock))
            return try await usersPage(context, services, problem: nil, notice: "Team \(team.name) added.", status: .created)
        } catch {
            let (problem, status) = try shown(error)
            return try await usersPage(context, services, problem: problem, notice: nil, status: status)
        }
    }

    // MARK: API keys

    static func keys(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        try await keysPage(context, services, created: nil, problem: nil, status: .ok)
    }

    static func keysPage(_ context: AgentRequestContext, _ services: ConsoleServices, created: (APIKey, String)?, problem: String?,
                         status: HTTPResponse.Status) async throws -> Response {
        var data = try await frame(context, services, "keys", problem: problem)
        let keys = try await services.identity.keys.list(in: context.scope(), page: PageRequest(limit: 200)).items
        let now = services.clock.now()
        data["keys"] = keys.map { key -> [String: Any] in
            let expired = key.expiresAt.map { $0 <= now } ?? false
            return ["name": key.name, "id": key.id.rawValue, "scopes": key.scopes.map { $0.map(\.rawValue).sorted().joined(separator: ", ") } ?? "all of the owner's",
                    "expires": key.expiresAt.map(ConsoleView.time) ?? "never", "lastUsed": key.lastUsedAt.map(ConsoleView.time) ?? "never",
                    "revoked": key.revokedAt != nil, "state": key.revokedAt != nil ? "revoked" : expired ? "expired" : "active"]
        }
        data["hasKeys"] = !keys.isEmpty
        if let (key, token) = created { data["created"] = ["name": key.name, "token": token] }
        var response = HTMLResponse.page(ConsoleView.render("settings-keys", data), status: status)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static func createKey(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let form = try await ConsoleForm.read(request, limits: services.identity.limits)
        let scopes = form.value("scopes").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        do {
            let created = try await APIKeyRoutes.issue(name: form["name"] ?? "", user: nil, org: nil, scopes: scopes,
                                                       expiresIn: form.value("expires_in"), context, services.identity)
            return try await keysPage(context, services, created: created, problem: nil, status: .created)
        } catch {
            let (problem, status) = try shown(error)
            return try await keysPage(context, services, created: nil, problem: problem, status: status)
        }
    }

    static func revokeKey(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        _ = try await ConsoleForm.read(request, limits: services.identity.limits)
        let key = try await services.identity.keys.revoke(context.parameters.require("key"), context: context.change(services.clock))
        services.identity.authenticator.forget(key.id)
        return HTMLResponse.redirect("/ui/settings/keys")
    }

    // MARK: Secrets

    static func secrets(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        try await secretsPage(context, services, problem: nil, notice: nil, status: .ok)
    }

    static func secretsPage(_ context: AgentRequestContext, _ services: ConsoleServices, problem: String?, notice: String?,
                            status: HTTPResponse.Status) async throws -> Response {
        var data = try await frame(context, services, "secrets", problem: problem, notice: notice)
        let secrets = try await services.vault.secrets.list(orgReference: nil, environment: nil, in: context.scope())
        data["secrets"] = secrets.map { secret -> [String: Any] in
            ["path": secret.path, "environment": secret.environment.rawValue, "version": secret.currentVersion,
             "updated": ConsoleView.time(secret.updatedAt), "by": secret.updatedBy]
        }
        data["hasSecrets"] = !secrets.isEmpty
        data["environments"] = DeployEnvironment.builtIn.map(\.rawValue)
        return HTMLResponse.page(ConsoleView.render("settings-secrets", data), status: status)
    }

    /// Sets a secret's value as `PUT /api/v1/secrets`; the value is wiped from memory after
    /// sealing and never echoed back.
    static func setSecret(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let form = try await ConsoleForm.read(request, limits: services.vault.limits)
        var value = Array((form["value"] ?? "").utf8)
        defer { for index in value.indices { value[index] = 0 } }
        let path = form["path"] ?? ""
        do {
            let environment = try SecretRoutes.environment(form["environment"] ?? "dev")
            switch try await SecretRoutes.write(value, path: path, environment: environment, org: nil, team: nil, context, services.vault) {
            case .written(let info):
                return try await secretsPage(context, services, problem: nil, notice: "\(info.path) in \(info.environment.rawValue) is now version \(info.currentVersion).",
                                             status: .ok)
            case .requested(let change):
                return try await secretsPage(context, services, problem: nil,
                                             notice: "The write needs approval: change request \(change.id.rawValue) is waiting.", status: .accepted)
            }
        } catch {
            let (problem, status) = try shown(error)
            return try await secretsPage(context, services, problem: problem, notice: nil, status: status)
        }
    }

    // MARK: Models

    static func models(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        try await modelsPage(context, services, tested: nil, status: .ok)
    }

    static func modelsPage(_ context: AgentRequestContext, _ services: ConsoleServices, tested: [String: Any]?,
                           status: HTTPResponse.Status) async throws -> Response {
        var data = try await frame(context, services, "models")
        let models = try await services.models.models.list(in: context.scope())
        data["models"] = models.map { record -> [String: Any] in
            ["name": record.spec.name, "structured": record.capabilities.structuredOutput.rawValue, "endpoint": record.spec.baseURL,
             "model": record.spec.model, "priceIn": ConsoleView.money(record.spec.price.inputMicrosPerMillion),
             "priceOut": ConsoleView.money(record.spec.price.outputMicrosPerMillion)]
        }
        data["hasModels"] = !models.isEmpty
        data["tested"] = tested
        return HTMLResponse.page(ConsoleView.render("settings-models", data), status: status)
    }

    /// Tests a model as `POST /api/v1/models/{model}/test` (prod's secrets, detection on).
    static func testModel(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        _ = try await ConsoleForm.read(request, limits: services.models.limits)
        let name = try context.parameters.require("model")
        let outcome = try await services.models.test(name, environment: .prod, detect: DetectionOverrides(structuredOutput: nil, toolCalling: nil),
                                                     change: context.change(services.clock))
        let result: String
        switch outcome.result {
        case .success(let probe): result = String(format: "answered in %.0f ms: “%@”", probe.latencyMs, String(probe.text.prefix(200)))
        case .failure(let error): result = "failed: \(error.message)"
        }
        return try await modelsPage(context, services, tested: ["model": outcome.record.spec.name, "result": result], status: .ok)
    }

    // MARK: Audit log

    static func audit(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        try await auditPage(request, context, services, verified: nil)
    }

    static func auditPage(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices, verified: String?) async throws -> Response {
        let text = { (name: String) in ConsoleQuery.filled(request, name) }
        var problem: String?
        var filter = AuditLog.Filter()
        do {
            filter = try AuditRoutes.filter(from: request, now: services.clock.now())
        } catch {
            problem = Problems.problem(for: error).detail
        }
        var data = try await frame(context, services, "audit", problem: problem)
        data["filter"] = ["action": text("action") ?? "", "actor": text("actor") ?? "", "since": text("since") ?? ""]
        let page = try await services.audit.audit.list(in: context.scope(), filter: filter,
                                                       page: problem == nil ? Pagination.request(from: request, listing: "audit") : PageRequest())
        data["events"] = page.items.map { event -> [String: Any] in
            let resource = AuditEventResource(event)
            return ["seq": resource.seq, "when": Instant(rfc3339: resource.at).map(ConsoleView.time) ?? resource.at, "actor": resource.actor,
                    "action": resource.action, "outcome": resource.outcome,
                    "target": [resource.targetType, resource.targetId].compactMap { $0 }.joined(separator: " "),
                    "details": resource.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
        }
        data["hasEvents"] = !page.items.isEmpty
        data["next"] = page.nextAfter.map { after in
            ConsoleQuery.string([("action", text("action")), ("actor", text("actor")), ("since", text("since")),
                                 ("cursor", Pagination.cursor(after: after, listing: "audit"))])
        }
        data["verified"] = verified
        return HTMLResponse.page(ConsoleView.render("settings-audit", data), status: problem == nil ? .ok : .badRequest)
    }

    /// Verifies the whole chain as `GET /api/v1/audit/verify` (installation administrators).
    static func verifyAudit(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        _ = try await ConsoleForm.read(request, limits: RequestLimits())
        let result = try await services.audit.audit.verify()
        let verdict = result.isIntact
            ? "The chain is intact: \(result.checked) events checked through #\(result.lastSequence ?? 0)."
            : "The chain is broken at #\(result.firstBreak?.sequence ?? 0): \(result.firstBreak?.reason ?? "unknown reason")."
        return try await auditPage(request, context, services, verified: verdict)
    }
}
