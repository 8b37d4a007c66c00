import API
import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage
import Testing

/// Routes driven in process: the real router, area services and SQLite file (`RouteHarness`),
/// requests sent straight to the router. What the daemon tests check over a socket, checked
/// here without a process: access, tenancy, audit of refusals, problem codes.
@Suite struct RouteInProcessTests {
    static let agent = #"{"document": "agent: greeter\nkind: transform\nconfig: {output: 1}\n"}"#

    @Test func anAppliedAgentCanBeReadBack() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            try await client.execute(uri: "/api/v1/apply", method: .post, headers: harness.headers("acme-developer"),
                                     body: ByteBuffer(string: Self.agent)) { response in
                #expect(response.status == .ok)
                #expect(response.json?["changed"] == .bool(true))
            }
            try await client.execute(uri: "/api/v1/agents/greeter", method: .get, headers: harness.headers("acme-viewer")) { response in
                #expect(response.status == .ok)
                #expect(response.json?["name"] == .string("greeter"))
                #expect(response.json?["kind"] == .string("transform"))
            }
        }
    }

    @Test func aMissingPermissionIsRefusedAndAudited() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            try await client.execute(uri: "/api/v1/agents/greeter", method: .delete, headers: harness.headers("acme-viewer")) { response in
                #expect(response.status == .forbidden)
                #expect(response.problemCode == "permission_denied")
            }
        }
        let refusals = try await harness.audited(.permissionDenied)
        #expect(refusals.count == 1)
        #expect(refusals.first?.details["route"] == "DELETE /api/v1/agents/{agent}")
        #expect(refusals.first?.details["permission"] == Permission.agentsDelete.rawValue)
        #expect(refusals.first?.outcome == .denied)
    }

    /// `apply` decides its permission from the body; its refusal is audited like the router's.
    @Test func applyRefusesAnAgentToACallerWhoMayNotCreateOne() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            try await client.execute(uri: "/api/v1/apply", method: .post, headers: harness.headers("acme-viewer"),
                                     body: ByteBuffer(string: Self.agent)) { response in
                #expect(response.status == .forbidden)
                #expect(response.problemCode == "permission_denied")
            }
            try await client.execute(uri: "/api/v1/agents/greeter", method: .get, headers: harness.headers("acme-viewer")) { response in
                #expect(response.status == .notFound, "a refused apply stored the agent")
            }
        }
        let refusals = try await harness.audited(.permissionDenied)
        #expect(refusals.map { $0.details["route"] } == ["POST /api/v1/apply"])
        #expect(refusals.first?.details["permission"] == Permission.agentsCreate.rawValue)
    }

    @Test func anotherOrgsAgentIsNotFound() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            let id = try await client.execute(uri: "/api/v1/apply", method: .post, headers: harness.headers("acme-developer"),
                                              body: ByteBuffer(string: Self.agent)) { response -> String? in
                #expect(response.status == .ok)
                guard case .array(let results)? = response.json?["results"], case .string(let id)? = results.first?["id"] else { return nil }
                return id
            }
            for reference in ["greeter", try #require(id)] {
                try await client.execute(uri: "/api/v1/agents/\(reference)", method: .get,
                                         headers: harness.headers("other-developer")) { response in
                    #expect(response.status == .notFound)
                    #expect(response.problemCode == "not_found")
                }
            }
        }
    }

    @Test(arguments: [
        ("{", HTTPResponse.Status.badRequest, "malformed_json"),
        (#"{"document": "agent: x", "surprise": 1}"#, .badRequest, "unknown_field"),
        (#"{"message": "no document"}"#, .unprocessableContent, "validation_failed"),
    ])
    func aMalformedBodyIsAProblem(_ body: String, _ status: HTTPResponse.Status, _ code: String) async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            try await client.execute(uri: "/api/v1/apply", method: .post, headers: harness.headers("acme-developer"),
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == status)
                #expect(response.problemCode == code)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test func aCallerWithoutCredentialsIsUnauthenticated() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            try await client.execute(uri: "/api/v1/agents", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.problemCode == "unauthenticated")
            }
        }
    }

    /// Setting a password (LoginService.setPassword): another user's needs users.manage and
    /// reveals nothing without it; one's own needs a person, not a key.
    @Test(arguments: [
        ("acme-viewer", "acme-developer", "permission_denied"),
        ("acme-viewer", "nobody-at-all", "permission_denied"),
        ("acme-developer", "acme-developer", "login_session_required"),
    ])
    func aPasswordIsSetOnlyByWhoMay(_ caller: String, _ target: String, _ code: String) async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            try await client.execute(uri: "/api/v1/users/\(target)/password", method: .put, headers: harness.headers(caller),
                                     body: ByteBuffer(string: #"{"password": "a long enough passphrase 42"}"#)) { response in
                #expect(response.status == .forbidden)
                #expect(response.problemCode == code)
            }
        }
    }

    /// Logins are throttled per login name before any look-up (LoginService.login).
    @Test func loginGuessesAreThrottled() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            // All at once: the bucket (10 a minute, refilled as time passes) is taken from before
            // the password is checked, so a slow, loaded machine cannot refill it between guesses.
            let codes = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<14 {
                    group.addTask {
                        try await client.execute(uri: "/api/v1/login", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: #"{"login": "acme-viewer", "password": "guess"}"#)) { $0.problemCode }
                    }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == "invalid_credentials" }.count >= 1)
            #expect(codes.filter { $0 == "rate_limited" }.count >= 2, "\(codes)")
            #expect(codes.allSatisfy { $0 == "invalid_credentials" || $0 == "rate_limited" }, "\(codes)")
        }
    }

    /// `APIRouter.routes` (read by validate and the OpenAPI document) and `APIRouter.bind`
    /// (what the router serves) must list the same routes.
    @Test func everyDeclaredRouteIsServedAndNoOther() async throws {
        let harness = try await RouteHarness()
        #expect(harness.boundRoutes.map(\.declaration.name) == APIRouter.routes.map(\.name))
        try await harness.run { _ in }
    }
}
