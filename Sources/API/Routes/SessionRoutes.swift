import Core
import Foundation
import Hummingbird
import AgentSecurity
import Storage

/// Password logins, sessions and password changes.
public enum SessionRoutes: RouteFile {
    public typealias Services = LoginService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/login", needs: .public,
                      Operation(id: "login", summary: "Log in with a password; returns a session token (shown once).",
                                tag: "sessions", requestBody: LoginBody.schema.json,
                                success: (201, ["oneOf": [Schemas.sessionWithToken, Schemas.cookieLogin]], "application/json"),
                                problems: [400, 401, 403, 413, 415, 422, 429]),
                      handler: login),
            RouteSpec(.post, "/api/v1/logout", needs: .authenticated,
                      Operation(id: "logout", summary: "End the session this request came with.", tag: "sessions",
                                success: (204, nil, "application/json"), problems: [422]),
                      handler: logout),
            RouteSpec(.get, "/api/v1/sessions", needs: .authenticated,
                      Operation(id: "listSessions",
                                summary: "Your open sessions in the org you act in, newest first (your login session or socket identity, not an API key).",
                                tag: "sessions", success: (200, Schemas.list(of: Schemas.session), "application/json"), problems: [403]),
                      handler: list),
            RouteSpec(.delete, "/api/v1/sessions/{session}", needs: .authenticated,
                      Operation(id: "revokeSession",
                                summary: "End a session in your org: your own (not with an API key), or with users.manage that of anyone whose roles you could grant.",
                                tag: "sessions", success: (204, nil, "application/json"), problems: [403, 404]),
                      handler: revoke),
            RouteSpec(.put, "/api/v1/users/{user}/password", needs: .authenticated,
                      Operation(id: "setPassword", summary: "Set a password: your own (give the current one; not with an API key), or with users.manage that of anyone whose roles you could grant.",
                                tag: "sessions", requestBody: PasswordBody.schema.json,
                                success: (204, nil, "application/json"), problems: [400, 401, 403, 404, 409, 413, 415, 422]),
                      handler: setPassword),
        ]
    }

    struct LoginBody: RequestBody {
        let login: String
        let password: String
        let org: String?
        let totpCode: String?
        let recoveryCode: String?
        let cookie: Bool?

        enum CodingKeys: String, CodingKey {
            case login, password, org, totpCode = "totp_code", recoveryCode = "recovery_code", cookie
        }

        static let schema = ObjectSchema([
            .init("login", ["type": "string"], required: true, "Your login."),
            .init("password", ["type": "string"], required: true, "Your password."),
            .init("totp_code", ["type": "string", "pattern": "^[0-9]{6}$"], "The current code of your authenticator app, when you enrolled in MFA."),
            .init("recovery_code", ["type": "string"], "One of your recovery codes, instead of `totp_code`."),
            .init("cookie", ["type": "boolean"],
                  "For browsers: set the session as an HttpOnly, SameSite=Strict cookie and return a `csrf_token` instead of the token."),
            .init("org", ["type": "string"], "The org to act in (ID or name); default: your oldest membership."),
        ])
    }

    struct PasswordBody: RequestBody {
        let password: String
        let currentPassword: String?

        enum CodingKeys: String, CodingKey { case password, currentPassword = "current_password" }

        static let schema = ObjectSchema([
            .init("password", ["type": "string", "minLength": 12], required: true, "The new password."),
            .init("current_password", ["type": "string"], "Required when changing your own password."),
        ])
    }

    static func login(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let client = context.isUnixSocket ? "socket" : (context.channel.remoteAddress?.ipAddress ?? "unknown")
        let body = try await BodyDecoder.decode(LoginBody.self, from: request, limits: services.limits)
        let agent = request.headers[.userAgent].map { String($0.prefix(100)) } ?? "unknown client"
        let (token, session) = try await services.login(body.login, password: body.password, totpCode: body.totpCode,
                                                        recoveryCode: body.recoveryCode, orgName: body.org, address: client,
                                                        client: (context.isUnixSocket ? "socket" : "tcp \(client)") + ", " + agent,
                                                        requestID: context.requestID)
        if body.cookie == true {
            // The token goes only into the cookie, out of reach of page scripts; unsafe
            // requests must echo the CSRF token in `X-CSRF-Token`.
            let maxAge = services.passwordLogin.sessions.absoluteMilliseconds / 1000
            var response = try JSONResponse.make(.created, CookieSessionBody(
                session: SessionResource(session, policy: services.passwordLogin.sessions, token: nil),
                csrfToken: services.passwordLogin.csrfToken(for: session.id)))
            response.headers[.setCookie] = SessionCookie.set(token.text, maxAgeSeconds: maxAge)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        var response = try JSONResponse.make(.created, SessionResource(session, policy: services.passwordLogin.sessions,
                                                                       token: token.text))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static func logout(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        guard let session = caller.sessionID else {
            throw ValidationError(field: "Authorization", "is not a login session; only sessions log out (revoke API keys instead)")
        }
        _ = try await services.logins.revoke(session.rawValue, byUser: caller.userID, mayRevokeOthers: false, logout: true,
                                             context: context.change(services.clock))
        var response = Response(status: .noContent)
        response.headers[.setCookie] = SessionCookie.cleared
        return response
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        try caller.requirePerson("Listing your sessions")
        guard let user = caller.userID else { return try JSONResponse.make(.ok, ListBody<SessionResource>(items: [], nextCursor: nil)) }
        let now = services.clock.now()
        let policy = services.passwordLogin.sessions
        let sessions = try await services.logins.sessions(of: user, in: caller.scope.orgID)
            .filter { policy.isActive(createdAt: $0.createdAt, lastSeenAt: $0.lastSeenAt, now: now) }
        return try JSONResponse.make(.ok, ListBody(items: sessions.map { SessionResource($0, policy: services.passwordLogin.sessions, token: nil) },
                                                   nextCursor: nil))
    }

    static func revoke(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let caller = try requireCaller(context)
        let mayRevokeOthers = caller.scope.allows(.usersManage)
        // A key never counts as the person: without users.manage it could only end its owner's
        // own sessions, which is for the owner's login session or socket identity.
        if !mayRevokeOthers { try caller.requirePerson("Ending your sessions") }
        _ = try await services.logins.revoke(context.parameters.require("session"),
                                             byUser: caller.keyID == nil && caller.program == nil ? caller.userID : nil,
                                             mayRevokeOthers: mayRevokeOthers, logout: false,
                                             context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func setPassword(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(PasswordBody.self, from: request, limits: services.limits)
        try await services.setPassword(of: context.parameters.require("user"), to: body.password, currentPassword: body.currentPassword,
                                       caller: requireCaller(context), change: context.change(services.clock))
        return Response(status: .noContent)
    }
}

/// The login answer for browsers: the session without its token, and the CSRF token.
struct CookieSessionBody: Encodable {
    let session: SessionResource
    let csrfToken: String
}

/// The browser session cookie.
enum SessionCookie {
    static let name = "agentd_session"

    /// The cookie that holds a session: out of reach of page scripts, and sent only with
    /// requests this site's own pages start.
    /// `secure` when the site is served over https (`[server] public_url`).
    static func set(_ token: String, maxAgeSeconds: Int64, secure: Bool = false) -> String {
        "\(name)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAgeSeconds)" + (secure ? "; Secure" : "")
    }

    /// Ends the cookie in the browser.
    static let cleared = "\(name)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"

    /// The session token in a `Cookie` header, if any.
    static func token(in header: String) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix(name + "=") { return String(pair.dropFirst(name.count + 1)) }
        }
        return nil
    }
}

/// A session as the API shows it; `token` only in the login response.
struct SessionResource: Encodable {
    let id: String
    let userId: String
    let orgId: String
    let createdAt: String
    let lastSeenAt: String
    let expiresAt: String
    let client: String
    let mfaPending: Bool
    let token: String?

    init(_ session: Session, policy: SessionPolicy, token: String?) {
        id = session.id.rawValue
        userId = session.userID.rawValue
        orgId = session.orgID.rawValue
        createdAt = session.createdAt.rfc3339
        lastSeenAt = session.lastSeenAt.rfc3339
        expiresAt = policy.expiry(createdAt: session.createdAt, lastSeenAt: session.lastSeenAt).rfc3339
        client = session.client
        mfaPending = session.mfaPending
        self.token = token
    }
}
