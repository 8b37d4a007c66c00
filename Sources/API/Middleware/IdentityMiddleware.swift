import Hummingbird

/// Finds out who is calling and records it on the context; routes then check `Access`.
///
/// On the Unix socket the kernel's peer credentials decide (`SocketIdentityPolicy`). On TCP no
/// caller can be identified until API keys exist (identity issue), so every non-public route
/// there answers 401.
struct IdentityMiddleware: RouterMiddleware {
    typealias Context = AgentRequestContext
    let policy: SocketIdentityPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if context.isUnixSocket {
            if let peer = await context.peerCredentials() {
                switch policy.caller(for: peer) {
                case .success(let caller):
                    context.caller = caller
                    context.logger[metadataKey: "caller"] = .string(caller.name)
                case .failure(let failure):
                    context.identityFailure = failure
                }
            } else {
                context.identityFailure = .unauthenticated("The kernel did not report who is calling on the socket.")
            }
        } else {
            context.identityFailure = .unauthenticated(
                "The API over TCP needs an API key, and this version of agentd issues none yet; call over the Unix socket (agentctl does by default).")
        }
        return try await next(request, context)
    }
}
