import Core
import Hummingbird
import Logging
import Platform
import AgentSecurity

/// Turns every error a route or middleware throws into a problem+json response, so that no
/// caller ever sees a stack trace, an empty 500 or Hummingbird's own error text. Unexpected
/// errors are logged with the request id (their text never goes to the caller).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AgentRequestContext
    let routes: [RouteDeclaration]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let error = refineNotFound(error, request: request)
            var problem = Problems.problem(for: error)
            problem.instance = request.uri.path
            problem.requestId = context.requestID
            if problem.status >= 500 && problem.code == ProblemCode.internalError.rawValue {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))",
                                                                  "path": "\(request.uri.path)"])
            }
            if ConsoleRoutes.owns(request.uri.path) {
                return ConsoleErrorPage.response(problem, request: request, requestID: context.requestID)
            }
            var response = JSONResponse.problem(problem)
            if case APIError.methodNotAllowed(_, let allowed) = error {
                response.headers[.allow] = allowed.joined(separator: ", ")
            }
            if problem.status == 401 {
                response.headers[.wwwAuthenticate] = "Bearer"
            }
            if let limited = error as? RateLimited {
                response.headers[.retryAfter] = String((limited.decision.retryAfterMilliseconds + 999) / 1000)
                RateLimitMiddleware.addHeaders(limited.decision, to: &response.headers)
            }
            if case LoginError.locked(let until) = error {
                let seconds = max(1, (until.millisecondsSinceEpoch - WallClock().now().millisecondsSinceEpoch + 999) / 1000)
                response.headers[.retryAfter] = String(seconds)
            }
            return response
        }
    }

    /// Hummingbird answers both "no such path" and "no such method here" with a 404; the route
    /// table tells them apart.
    private func refineNotFound(_ error: any Error, request: Request) -> any Error {
        guard let httpError = error as? HTTPError, httpError.status == .notFound else { return error }
        let path = request.uri.path
        let allowed = routes.filter { $0.matches(path: path) }.map(\.method.rawValue)
        if allowed.isEmpty { return APIError.routeNotFound(path: path) }
        return APIError.methodNotAllowed(method: request.method.rawValue, allowed: Array(Set(allowed)).sorted())
    }
}
