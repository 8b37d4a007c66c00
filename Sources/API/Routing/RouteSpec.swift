import Hummingbird

/// One route, declared once: method, path, what it requires, its OpenAPI operation, and its
/// handler. The router, the permission check and `/api/v1/openapi.json` are all built from the
/// same list of `RouteSpec`s, so they cannot disagree.
public struct RouteSpec: Sendable {
    public typealias Handler = @Sendable (Request, AgentRequestContext, APIServices) async throws -> Response

    public let method: HTTPRequest.Method
    /// The full path, with parameters in braces: `/api/v1/orgs/{org}`.
    public let path: String
    public let access: Access
    public let operation: Operation
    public let handler: Handler

    public init(_ method: HTTPRequest.Method, _ path: String, needs access: Access, _ operation: Operation,
                handler: @escaping Handler) {
        self.method = method
        self.path = path
        self.access = access
        self.operation = operation
        self.handler = handler
    }

    /// The path's segments, with `nil` where a parameter stands.
    var segments: [String?] {
        path.split(separator: "/").map { $0.hasPrefix("{") && $0.hasSuffix("}") ? nil : String($0) }
    }

    /// True when a concrete request path fits this route's template.
    func matches(path concrete: String) -> Bool {
        let parts = concrete.split(separator: "/", omittingEmptySubsequences: true)
        let template = segments
        guard parts.count == template.count else { return false }
        return zip(parts, template).allSatisfy { part, fixed in fixed == nil || fixed == String(part) }
    }
}

/// A route file: one resource's routes. Each resource has one (`OrgRoutes`, `SystemRoutes`, …).
public protocol RouteFile {
    static var routes: [RouteSpec] { get }
}
