import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Signing in and out, and the assets (which the sign-in page needs before any login).
enum ConsoleLoginPages {
    static func asset(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        guard let asset = ConsoleAssets.byName[try context.parameters.require("asset")] else {
            throw APIError.routeNotFound(path: request.uri.path)
        }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        // The name changes with the content, so the file may be kept for good.
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: asset.body)))
    }

    static func show(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let next = HTMLResponse.localPath(request.uri.queryParameters["next"].map(String.init))
        return try await page(context, services, next: next, login: "", org: "", problem: nil, status: .ok)
    }

    static func login(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let form = try await ConsoleForm.read(request, limits: services.login.limits)
        let next = HTMLResponse.localPath(form["next"])
        let login = form["login"] ?? ""
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        let agent = request.headers[.userAgent].map { String($0.prefix(100)) } ?? "unknown browser"
        do {
            let (token, _) = try await services.login.login(login, password: form["password"] ?? "", totpCode: form.value("totp_code"),
                                                            recoveryCode: form.value("recovery_code"), orgName: form.value("org"),
                                                            address: address, client: "console \(address), \(agent)", requestID: context.requestID)
            let maxAge = services.login.passwordLogin.sessions.absoluteMilliseconds / 1000
            return HTMLResponse.redirect(next, cookie: SessionCookie.set(token.text, maxAgeSeconds: maxAge,
                                                                             secure: services.sso.publicURL.text.hasPrefix("https://")))
        } catch {
            // The same words the API would answer with (they never say which part was wrong).
            let problem = Problems.problem(for: error)
            guard problem.status < 500 else { throw error }
            return try await page(context, services, next: next, login: login, org: form["org"] ?? "",
                                  problem: problem.detail, status: HTTPResponse.Status(code: problem.status))
        }
    }

    static func logout(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let caller = try requireCaller(context)
        if let session = caller.sessionID {
            _ = try await services.login.logins.revoke(session.rawValue, byUser: caller.userID, mayRevokeOthers: false, logout: true,
                                                       context: context.change(services.clock))
        }
        return HTMLResponse.redirect("/ui/login", cookie: SessionCookie.cleared)
    }

    private static func page(_ context: AgentRequestContext, _ services: ConsoleServices, next: String, login: String, org: String,
                             problem: String?, status: HTTPResponse.Status) async throws -> Response {
        var data = await ConsoleFrame.data(context, services, title: "Sign in")
        // The sign-in page shows no one as signed in, even with a live cookie: it is where
        // one goes to become someone else.
        data["user"] = nil
        data["csrf"] = nil
        let oidc = (try? await services.sso.store.providers()) ?? []
        let saml = (try? await services.sso.store.samlProviders()) ?? []
        let providers = oidc.map(\.name) + saml.map(\.name)
        data["sso"] = providers.sorted().map { ["name": FormEncoding.escape($0), "display": $0, "returnTo": FormEncoding.escape(next)] }
        data["hasSSO"] = !providers.isEmpty
        data["next"] = next
        data["login"] = login
        data["org"] = org
        data["problem"] = problem
        return HTMLResponse.page(ConsoleView.render("login", data), status: status)
    }
}
