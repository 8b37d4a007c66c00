import Core
import HTTPTypes
import Hummingbird
import NIOCore
import Platform
import AgentSecurity
import Storage

/// Finds out who is calling and records it on the context; routes then check `Access`.
///
/// - `Authorization: Bearer agk_…` (either listener): the API key's owner, limited to the key's
///   scopes, in the key's org; `Bearer ags_…`: a login session's user in the session's org.
/// - `Bearer eyJ…` (a JWT): a program's access token from an identity provider with programs
///   (`ProgramTokens`), acting as the program's service account.
/// - Otherwise on the Unix socket, the kernel's peer credentials: root, the admin group and in
///   dev mode the daemon's own user are installation administrators; a uid mapped to a user
///   (`unix_uid`) acts as that user in its org (`X-Agentd-Org` picks one of several).
/// - Otherwise on TCP: nobody; non-public routes answer 401.
public struct IdentityMiddleware: RouterMiddleware {
    public typealias Context = AgentRequestContext
    let policy: SocketIdentityPolicy
    let authenticator: APIKeyAuthenticator
    let passwordLogin: PasswordLogin
    let users: UserStore
    let programTokens: ProgramTokens?
    let clock: WallClock

    public init(policy: SocketIdentityPolicy, authenticator: APIKeyAuthenticator, passwordLogin: PasswordLogin, users: UserStore,
                programTokens: ProgramTokens? = nil, clock: WallClock) {
        self.policy = policy
        self.authenticator = authenticator
        self.passwordLogin = passwordLogin
        self.users = users
        self.programTokens = programTokens
        self.clock = clock
    }

    static let invalidSession = APIError.unauthenticated(
        "The session is invalid, expired or ended; log in again (agentctl login).")
    static let invalidKey = APIError.unauthenticated(
        "The API key is invalid, expired or revoked. Create a new one with `agentctl keys create` and send it as `Authorization: Bearer <key>`.")

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        if let authorization = request.headers[.authorization] {
            await identifyByKey(authorization, &context)
        } else if let cookie = request.headers[.cookie], let token = SessionCookie.token(in: cookie) {
            await identifyByCookie(token, &request, &context)
        } else if context.isUnixSocket {
            await identifyByPeer(request, &context)
        } else {
            context.identityFailure = .unauthenticated(
                "Send an API key as `Authorization: Bearer <key>` (create one with `agentctl keys create`), or call over the Unix socket.")
        }
        if let caller = context.caller { context.logger[metadataKey: "caller"] = .string(caller.name) }
        return try await next(request, context)
    }

    private func identifyByKey(_ authorization: String, _ context: inout Context) async {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            context.identityFailure = Self.invalidKey
            return
        }
        let token = String(parts[1])
        if let programTokens, ProgramTokens.looksLikeJWT(token) {
            do {
                context.caller = try await programTokens.authenticate(token, now: clock.now())
            } catch let refusal as SSORefusal {
                if case .token(let reason) = refusal {
                    context.identityFailure = .unauthenticated("The bearer token was refused: \(reason).")
                } else {
                    context.identityFailure = .unauthenticated("The bearer token was refused.")
                }
            } catch {
                context.logger.warning("program token check failed", metadata: ["error": "\(error)"])
                context.identityFailure = .notReady("agentd could not check the token with its identity provider; see its log.")
            }
            return
        }
        do {
            if token.hasPrefix(SessionKind.prefix + "_") {
                let identity = try await passwordLogin.authenticate(token, now: clock.now())
                context.caller = Caller(name: "user:\(identity.userID.rawValue)", scope: identity.scope,
                                        userID: identity.userID, login: identity.login, sessionID: identity.sessionID)
            } else {
                let identity = try await authenticator.authenticate(token, now: clock.now())
                context.caller = Caller(name: "key:\(identity.keyID.rawValue)", scope: identity.scope,
                                        userID: identity.userID, login: identity.login, keyID: identity.keyID)
            }
        } catch {
            context.identityFailure = token.hasPrefix(SessionKind.prefix + "_") ? Self.invalidSession : Self.invalidKey
        }
    }

    /// A browser's session cookie. Requests that change something must also carry the
    /// session's CSRF token, which a page of another site cannot know: in `X-CSRF-Token`, or
    /// from the console's HTML forms (which cannot set headers) in a `csrf_token` field.
    private func identifyByCookie(_ token: String, _ request: inout Request, _ context: inout Context) async {
        do {
            let identity = try await passwordLogin.authenticate(token, now: clock.now())
            let safe = [.get, .head, .options].contains(request.method)
            var presented = request.headers[.csrfToken]
            if !safe, presented == nil, ConsoleRoutes.owns(request.uri.path),
               request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
                // Read here, and kept in the request for the page to read again.
                let body = try? await request.collectBody(upTo: RequestLimits().maxBodyBytes)
                presented = body.flatMap { FormEncoding.fields(String(buffer: $0))["csrf_token"] }
            }
            guard safe || passwordLogin.checkCSRF(presented ?? "", for: identity.sessionID) else {
                context.identityFailure = .csrfFailed
                return
            }
            context.caller = Caller(name: "user:\(identity.userID.rawValue)", scope: identity.scope,
                                    userID: identity.userID, login: identity.login, sessionID: identity.sessionID)
        } catch {
            context.identityFailure = Self.invalidSession
        }
    }

    private func identifyByPeer(_ request: Request, _ context: inout Context) async {
        guard let peer = await context.peerCredentials() else {
            context.identityFailure = .unauthenticated("The kernel did not report who is calling on the socket.")
            return
        }
        if let administrator = policy.administrator(for: peer) {
            context.caller = administrator
            return
        }
        let orgName = request.headers[.agentdOrg]
        do {
            if let (user, membership, teams) = try await users.socketMember(uid: peer.uid, orgName: orgName) {
                context.caller = Caller(name: "user:\(user.id.rawValue)",
                                        scope: membership.role.scope(in: membership.orgID, teams: teams),
                                        userID: user.id, login: user.login)
            } else if let orgName {
                context.identityFailure = .unauthenticated(
                    "Socket user uid:\(peer.uid) is not mapped to a user who is a member of `\(orgName)` (X-Agentd-Org).")
            } else {
                context.identityFailure = policy.refusal(for: peer)
            }
        } catch {
            context.logger.error("socket user look-up failed", metadata: ["error": "\(error)"])
            context.identityFailure = .notReady("agentd could not look up the socket user; see its log.")
        }
    }
}

extension HTTPField.Name {
    /// Picks the org a socket user acts in when it belongs to several.
    static let agentdOrg = HTTPField.Name("X-Agentd-Org")!
    /// Echoes a cookie session's CSRF token on requests that change something.
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}
