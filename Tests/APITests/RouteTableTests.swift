@testable import API
import Hummingbird
import Testing

@Suite struct RouteTableTests {
    static func route(_ method: HTTPRequest.Method, _ path: String, _ access: Access) -> RouteDeclaration {
        RouteDeclaration(method, path, needs: access, Operation(id: "x", summary: "x", tag: "x", success: (200, nil, "application/json")))
    }

    @Test func theShippedTableIsValid() throws {
        try APIRouter.validate(APIRouter.routes)
    }

    @Test func anAPIRouteOpenToAnyoneStopsTheStart() {
        let table = APIRouter.routes + [Self.route(.get, "/api/v1/secrets-for-all", .public)]
        #expect(throws: APIRouter.TableError.publicAPIRoute("GET /api/v1/secrets-for-all")) { try APIRouter.validate(table) }
    }

    @Test func aRouteDeclaredTwiceStopsTheStart() {
        let table = APIRouter.routes + [Self.route(.get, "/api/v1/orgs", .permission(.orgsView))]
        #expect(throws: APIRouter.TableError.duplicate("GET /api/v1/orgs")) { try APIRouter.validate(table) }
    }

    @Test func everyNonPublicRouteDeclaresWhatItNeeds() {
        for route in APIRouter.routes where route.path.hasPrefix("/api/") {
            #expect(route.access != .public || APIRouter.publicAPIRoutes.contains(route.name))
        }
    }
}
