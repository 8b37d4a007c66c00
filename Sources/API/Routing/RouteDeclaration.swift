import Hummingbird

/// What a route is, without the code that answers it: method, path, what it requires of the
/// caller, and its OpenAPI operation. `APIRouter.validate`, the OpenAPI document, the 405
/// check and the route-table tests read declarations only, so they need no live services.
public struct RouteDeclaration: Sendable {
    public let method: HTTPRequest.Method
    /// The full path, with parameters in braces: `/api/v1/orgs/{org}`.
    public let path: String
    public let access: Access
    public let operation: Operation

    public init(_ method: HTTPRequest.Method, _ path: String, needs access: Access, _ operation: Operation) {
        self.method = method
        self.path = path
        self.access = access
        self.operation = operation
    }

    /// `GET /api/v1/orgs/{org}`: how the route is named in audit details, errors and tests.
    public var name: String { "\(method.rawValue) \(path)" }

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
