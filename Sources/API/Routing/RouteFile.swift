/// A route file: one resource's routes (`OrgRoutes`, `SecretRoutes`, …), all given the same
/// `Services`, the small service of the file's area (`IdentityService`, `VaultService`, …).
///
/// `routes` builds no service: reading `declarations` needs none, so the route table, the
/// OpenAPI document and their tests work without a database.
public protocol RouteFile {
    associatedtype Services: Sendable
    static var routes: [RouteSpec<Services>] { get }
}

extension RouteFile {
    /// The file's routes without handlers.
    public static var declarations: [RouteDeclaration] { routes.map(\.declaration) }

    /// The file's routes, each handler given `services`.
    public static func bound(to services: Services) -> [BoundRoute] { routes.map { $0.bound(to: services) } }
}
