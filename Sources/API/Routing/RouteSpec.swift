import Hummingbird

/// One route, declared once: its `RouteDeclaration` and its handler. The router, the
/// permission check and `/api/v1/openapi.json` are all built from the same route files, so
/// they cannot disagree.
///
/// `Services` is what the route's file is given (its area's service, built by `agentd`): a
/// handler reaches nothing else. The router serves a route once it is `bound(to:)` them.
public struct RouteSpec<Services: Sendable>: Sendable {
    public typealias Handler = @Sendable (Request, AgentRequestContext, Services) async throws -> Response

    public let declaration: RouteDeclaration
    public let handler: Handler

    public init(_ method: HTTPRequest.Method, _ path: String, needs access: Access, _ operation: Operation,
                handler: @escaping Handler) {
        self.declaration = RouteDeclaration(method, path, needs: access, operation)
        self.handler = handler
    }

    /// The route with its services captured: what the router serves.
    public func bound(to services: Services) -> BoundRoute {
        let handler = self.handler
        return BoundRoute(declaration: declaration) { request, context in try await handler(request, context, services) }
    }
}
