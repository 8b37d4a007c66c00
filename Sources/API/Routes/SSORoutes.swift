import Core
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Single sign-on (docs/sso.md): the browser's way through an identity provider
/// (`/auth/login/NAME` → the IdP → `/auth/callback/NAME`), a terminal's (`agentctl login
/// --sso`), the IdP's logout, and the providers' management, which is an installation act (a
/// provider creates users, and users are installation-wide).
public enum SSORoutes: RouteFile {
    public typealias Services = SSOService

    static let stateCookie = "agentd_sso_state"

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/auth/login/{provider}", needs: .public,
                      Operation(id: "ssoLogin", summary: "Start a browser login through an identity provider: redirects to it.", tag: "sso",
                                query: [("return_to", ["type": "string"], "A path on this server to land on after the login (default /).")],
                                success: (302, nil, "text/html"), problems: [404, 429, 502]),
                      handler: login),
            RouteSpec(.get, "/auth/callback/{provider}", needs: .public,
                      Operation(id: "ssoCallback", summary: "Where the identity provider sends the browser back; opens the session (cookie).",
                                tag: "sso", query: [("code", ["type": "string"], "The authorization code."),
                                                    ("state", ["type": "string"], "The login's state."),
                                                    ("error", ["type": "string"], "The IdP's error, when it did not sign the person in.")],
                                success: (200, nil, "text/html"), problems: [400, 401, 403, 404, 409, 502, 503]),
                      handler: callback),
            RouteSpec(.post, "/auth/saml/{provider}/acs", needs: .public,
                      Operation(id: "samlACS", summary: "The SAML assertion consumer service: the IdP's form posts SAMLResponse and RelayState here.",
                                tag: "sso", success: (200, nil, "text/html"), problems: [400, 401, 403, 404, 409, 413, 415]),
                      handler: samlACS),
            RouteSpec(.get, "/auth/saml/{provider}/metadata", needs: .public,
                      Operation(id: "samlMetadata", summary: "agentd's SAML service-provider metadata for this provider (entityID, ACS).",
                                tag: "sso", success: (200, nil, "application/samlmetadata+xml"), problems: [404]),
                      handler: samlMetadata),
            RouteSpec(.post, "/api/v1/sso/{provider}/terminal-logins", needs: .public,
                      Operation(id: "startTerminalLogin", summary: "Start a terminal's login through an identity provider (agentctl login --sso).",
                                tag: "sso", requestBody: TerminalStartBody.schema.json, requestBodyRequired: false,
                                success: (201, Schemas.terminalLogin, "application/json"), problems: [400, 404, 413, 415, 422, 429, 502]),
                      handler: startTerminal),
            RouteSpec(.post, "/api/v1/sso/terminal-logins/finish", needs: .public,
                      Operation(id: "finishTerminalLogin", summary: "Exchange a terminal login's poll secret and the code the browser showed for a session.",
                                tag: "sso", requestBody: TerminalFinishBody.schema.json,
                                success: (201, Schemas.sessionWithToken, "application/json"), problems: [400, 404, 409, 413, 415, 422, 429]),
                      handler: finishTerminal),
            RouteSpec(.post, "/api/v1/sso/logout", needs: .authenticated,
                      Operation(id: "ssoLogout", summary: "End this session and get the identity provider's logout URL to send the browser to.",
                                tag: "sso", success: (200, Schemas.ssoLogout, "application/json"), problems: [422]),
                      handler: logout),
            RouteSpec(.get, "/api/v1/sso/providers", needs: .permission(.usersManage),
                      Operation(id: "listSSOProviders", summary: "The identity providers (installation administrators).", tag: "sso",
                                success: (200, Schemas.list(of: Schemas.anyProvider), "application/json"), problems: [403]),
                      handler: list),
            RouteSpec(.post, "/api/v1/sso/providers", needs: .permission(.usersManage),
                      Operation(id: "createSSOProvider", summary: "Add an OpenID Connect identity provider for an org.", tag: "sso",
                                requestBody: ProviderBody.schema.json, success: (201, Schemas.anyProvider, "application/json"),
                                problems: [400, 403, 404, 409, 413, 415, 422]),
                      handler: create),
            RouteSpec(.get, "/api/v1/sso/providers/{provider}", needs: .permission(.usersManage),
                      Operation(id: "getSSOProvider", summary: "One identity provider.", tag: "sso",
                                success: (200, Schemas.anyProvider, "application/json"), problems: [403, 404]),
                      handler: get),
            RouteSpec(.put, "/api/v1/sso/providers/{provider}", needs: .permission(.usersManage),
                      Operation(id: "replaceSSOProvider", summary: "Replace an identity provider's settings (moving it to another org unlinks its people).",
                                tag: "sso", requestBody: ProviderBody.schema.json, success: (200, Schemas.anyProvider, "application/json"),
                                problems: [400, 403, 404, 413, 415, 422]),
                      handler: replace),
            RouteSpec(.delete, "/api/v1/sso/providers/{provider}", needs: .permission(.usersManage),
                      Operation(id: "deleteSSOProvider", summary: "Remove an identity provider; its people keep their accounts.", tag: "sso",
                                success: (204, nil, "application/json"), problems: [403, 404]),
                      handler: delete),
            RouteSpec(.post, "/api/v1/sso/providers/{provider}/test", needs: .permission(.usersManage),
                      Operation(id: "testSSOProvider", summary: "Fetch the provider's discovery and keys, check the client secret, and report.",
                                tag: "sso", success: (200, ["oneOf": [Schemas.ssoTest, Schemas.samlTest]], "application/json"), problems: [403, 404, 502]),
                      handler: test),
            RouteSpec(.get, "/api/v1/orgs/{org}/sso", needs: .permission(.orgsView),
                      Operation(id: "getOrgSSO", summary: "Whether the org requires single sign-on, and its break-glass logins.", tag: "orgs",
                                success: (200, Schemas.ssoRequirement, "application/json"), problems: [404]),
                      handler: getRequirement),
            RouteSpec(.put, "/api/v1/orgs/{org}/sso", needs: .permission(.settingsManage),
                      Operation(id: "setOrgSSO", summary: "Require single sign-on for the org's people, except named break-glass logins.", tag: "orgs",
                                requestBody: RequirementBody.schema.json, success: (200, Schemas.ssoRequirement, "application/json"),
                                problems: [400, 404, 413, 415, 422]),
                      handler: setRequirement),
        ]
    }

    // MARK: Browser

    static func address(_ context: AgentRequestContext) -> String {
        context.isUnixSocket ? "socket" : (context.channel.remoteAddress?.ipAddress ?? "unknown")
    }

    static func login(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let name = try context.parameters.require("provider")
        let returnTo = request.uri.queryParameters["return_to"].map(String.init)
        let secure = services.publicURL.text.hasPrefix("https://") ? "; Secure" : ""
        var response = Response(status: .found)
        response.headers[.cacheControl] = "no-store"
        if try await services.store.kind(of: name) == "saml" {
            let start = try await services.beginSAML(name, returnTo: returnTo, address: address(context))
            response.headers[.location] = start.authorizationURL
            response.headers[.setCookie] = "\(samlStateCookie)=\(start.state); Path=/auth/saml/\(name)/acs; HttpOnly; \(samlCookieSite(services)); "
                + "Max-Age=600\(secure)"
            return response
        }
        let start = try await services.begin(name, returnTo: returnTo, address: address(context))
        response.headers[.location] = start.authorizationURL
        // why Lax: the IdP's redirect back is a top-level navigation from another site, which
        // carries Lax cookies but not Strict ones. The cookie binds the login to this browser.
        response.headers[.setCookie] = "\(stateCookie)=\(start.state); Path=/auth/callback/\(name); HttpOnly; SameSite=Lax; Max-Age=600\(secure)"
        return response
    }

    static func callback(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let name = try context.parameters.require("provider")
        let query = request.uri.queryParameters
        let cookie = request.headers[.cookie].flatMap { header in
            header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix(stateCookie + "=") }.map { String($0.dropFirst(stateCookie.count + 1)) }
        }
        let agent = request.headers[.userAgent].map { String($0.prefix(100)) } ?? "unknown client"
        let began = ContinuousClock.now
        let finish: SSOService.Finish
        let idp: Duration
        do {
            (finish, idp) = try await services.finish(name, code: query["code"].map(String.init), state: query["state"].map(String.init),
                                               error: query["error"].map(String.init), errorDescription: query["error_description"].map(String.init),
                                               browserState: cookie, client: "tcp \(address(context)), " + agent, requestID: context.requestID)
        } catch let refusal as SSORefusal {
            context.logger.notice("sso login refused", metadata: ["provider": "\(name)", "reason": "\(refusal)"])
            throw refusal
        }
        let secure = services.publicURL.text.hasPrefix("https://") ? "; Secure" : ""
        // W3C Server Timing: how long the IdP took, and agentd itself (for browsers' dev tools and the bench).
        func milliseconds(_ duration: Duration) -> String {
            String(format: "%.3f", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
        }
        let timing = "idp;dur=\(milliseconds(idp)), agentd;dur=\(milliseconds(ContinuousClock.now - began - idp))"
        var response = try respond(finish, name: name, services: services, secure: secure)
        response.headers[.serverTiming] = timing
        return response
    }

    static func respond(_ finish: SSOService.Finish, name: String, services: Services, secure: String) throws -> Response {
        try respond(finish, services: services, secure: secure,
                    clearing: "\(stateCookie)=; Path=/auth/callback/\(name); HttpOnly; SameSite=Lax; Max-Age=0\(secure)")
    }

    /// A finished login: a browser's session page, or a terminal's code (to agentctl's loopback
    /// listener, or shown to type); `clearing` unsets the login's state cookie.
    static func respond(_ finish: SSOService.Finish, services: Services, secure: String, clearing: String) throws -> Response {
        switch finish {
        case .browser(let token, let session, let returnTo):
            return signedIn(token: token, session: session, returnTo: returnTo, services: services, secure: secure, clearing: clearing)
        case .terminal(let code, let port):
            if let port {
                var response = Response(status: .seeOther)
                response.headers[.location] = "http://127.0.0.1:\(port)/agentd-sso?code=\(code)"
                response.headers[.cacheControl] = "no-store"
                return response
            }
            return page(title: "Signed in for your terminal",
                        body: "<p>Type this code into the terminal where you ran <code>agentctl login --sso</code>:</p>"
                            + "<p class=\"code\"><b>\(html(code))</b></p><p>Only type it into a terminal you started yourself: "
                            + "whoever holds it within 10 minutes gets your session.</p>")
        }
    }

    /// The page after a login through an IdP: the session cookie set, the state cookie cleared.
    /// why a page, not a redirect: the browser came here from the IdP's site, and a redirect
    /// would still carry no SameSite=Strict cookie; a page's own navigation does.
    static func signedIn(token: SessionToken, session: Session, returnTo: String, services: Services, secure: String, clearing: String) -> Response {
        let maxAge = services.passwordLogin.sessions.absoluteMilliseconds / 1000
        var response = page(title: "Signed in", refreshTo: returnTo,
                            body: "<p>You are signed in as <b>\(html(session.userID.rawValue))</b>. <a href=\"\(html(returnTo))\">Continue</a>.</p>")
        response.headers[values: .setCookie] = [
            SessionCookie.set(token.text, maxAgeSeconds: maxAge, secure: !secure.isEmpty),
            clearing,
        ]
        return response
    }

    static func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A small page of our own: no script, nothing from elsewhere.
    static func page(title: String, refreshTo: String? = nil, body: String) -> Response {
        let refresh = refreshTo.map { "<meta http-equiv=\"refresh\" content=\"0;url=\(html($0))\">" } ?? ""
        let text = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(html(title)) · agentd</title>\(refresh)</head>"
            + "<body><h1>\(html(title))</h1>\(body)</body></html>"
        var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: text)))
        response.headers[.contentType] = "text/html; charset=utf-8"
        response.headers[.cacheControl] = "no-store"
        response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        return response
    }

    // MARK: Terminal

    struct TerminalStartBody: RequestBody {
        let loopbackPort: Int?

        enum CodingKeys: String, CodingKey { case loopbackPort = "loopback_port" }

        static let schema = ObjectSchema([
            .init("loopback_port", ["type": "integer", "minimum": 1024, "maximum": 65535],
                  "A port agentctl listens on at 127.0.0.1: the browser is sent there with the code. Absent: the page shows the code."),
        ])
    }

    struct TerminalFinishBody: RequestBody {
        let poll: String
        let code: String

        static let schema = ObjectSchema([
            .init("poll", ["type": "string"], required: true, "The poll secret the start answered."),
            .init("code", ["type": "string"], required: true, "The code the browser brought back (or showed)."),
        ])
    }

    struct TerminalStart: Encodable {
        let authorizationUrl: String
        let poll: String
        let expiresAt: String
    }

    static func startTerminal(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decodeIfPresent(TerminalStartBody.self, from: request, limits: services.limits)
        if let port = body?.loopbackPort, SSOLoginRules.loopbackPort(port) == nil {
            throw ValidationError(field: "loopback_port", "must be a port from 1024 to 65535")
        }
        let poll = SSOService.random(32)
        let name = try context.parameters.require("provider")
        let start = try await services.store.kind(of: name) == "saml"
            ? try await services.beginSAML(name, returnTo: nil, poll: poll, loopbackPort: body?.loopbackPort, address: address(context))
            : try await services.begin(name, returnTo: nil, poll: poll, loopbackPort: body?.loopbackPort, address: address(context))
        var response = try JSONResponse.make(.created, TerminalStart(
            authorizationUrl: start.authorizationURL, poll: poll,
            expiresAt: services.clock.now().adding(milliseconds: SSOLoginRules.pendingMilliseconds).rfc3339))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static func finishTerminal(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(TerminalFinishBody.self, from: request, limits: services.limits)
        guard body.poll.utf8.count <= 100, body.code.utf8.count <= 40 else { throw SSORefusal.state }
        let agent = request.headers[.userAgent].map { String($0.prefix(100)) } ?? "unknown client"
        let (token, session) = try await services.finishTerminal(poll: body.poll, code: body.code,
                                                                 client: (context.isUnixSocket ? "socket" : "tcp \(address(context))") + ", " + agent,
                                                                 address: address(context), requestID: context.requestID)
        var response = try JSONResponse.make(.created, SessionResource(session, policy: services.passwordLogin.sessions, token: token.text))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    // MARK: Logout

    struct LogoutBody: Encodable {
        let endSessionUrl: String?
    }

    static func logout(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        guard let session = caller.sessionID else {
            throw ValidationError(field: "Authorization", "is not a login session; only sessions log out (revoke API keys instead)")
        }
        let url = try await services.endSessionURL(for: session)
        _ = try await services.logins.revoke(session.rawValue, byUser: caller.userID, mayRevokeOthers: false, logout: true,
                                             context: context.change(services.clock))
        var response = try JSONResponse.make(.ok, LogoutBody(endSessionUrl: url))
        response.headers[.setCookie] = SessionCookie.cleared
        return response
    }
}

extension HTTPField.Name {
    /// W3C Server Timing: where a response's time went.
    static let serverTiming = HTTPField.Name("Server-Timing")!
}
