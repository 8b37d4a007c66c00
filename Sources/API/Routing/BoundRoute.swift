import Hummingbird

/// A route whose handler has its services: `RouteSpec.bound(to:)` makes one, `APIRouter.build`
/// serves a list of them. Route files of different service types meet here.
public struct BoundRoute: Sendable {
    public let declaration: RouteDeclaration
    let respond: @Sendable (Request, AgentRequestContext) async throws -> Response
}
