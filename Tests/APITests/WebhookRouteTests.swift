import API
import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage
import Testing

/// The webhooks management routes in process (`RouteHarness`, whose vault starts sealed): what
/// a create refuses and why, with nothing stored; who may manage; another org's webhooks. The
/// receiver itself is tested against the real daemon (DaemonTests WebhookTests).
@Suite struct WebhookRouteTests {
    static let workflow = #"{"document": "workflow: ingest\nnodes:\n  only: {kind: transform, config: {output: 1}}\n"}"#

    func create(_ client: any TestClientProtocol, _ harness: RouteHarness, as caller: String = "acme-developer", _ body: String) async throws
        -> TestResponse {
        try await client.execute(uri: "/api/v1/webhooks", method: .post, headers: harness.headers(caller), body: ByteBuffer(string: body)) { $0 }
    }

    @Test(arguments: [
        (#"{"name": "hook", "workflow": "ingest", "secret_path": "hooks/a", "allow_from": ["10.0.0.0/33"]}"#, "allow_from"),
        (#"{"name": "hook", "workflow": "ingest", "secret_path": "hooks/a", "rate_per_minute": 0}"#, "rate_per_minute"),
        (#"{"name": "hook", "workflow": "ingest", "secret_path": "hooks/a", "tolerance_seconds": 100000}"#, "tolerance_seconds"),
        (#"{"name": "hook", "workflow": "ingest", "secret_path": "hooks/a", "transform": "{\"a\": {{ secrets.x }}}"}"#, "transform"),
        (#"{"name": "hook", "workflow": "ingest", "secret_path": "hooks/a", "transform": "[1]"}"#, "transform"),
        (#"{"name": "hook", "workflow": "ingest", "secret_path": "../etc"}"#, "secret_path"),
        (#"{"name": "h", "workflow": "ingest", "secret_path": "hooks/a"}"#, "name"),
        (#"{"name": "hook", "workflow": "ingest", "secret_path": "hooks/a", "environment": "Q A"}"#, "environment"),
    ])
    func badInputIsRefusedWithTheFieldAndNothingStored(body: String, field: String) async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            _ = try await client.execute(uri: "/api/v1/apply", method: .post, headers: harness.headers("acme-developer"),
                                         body: ByteBuffer(string: Self.workflow)) { $0 }
            let response = try await create(client, harness, body)
            #expect([HTTPResponse.Status.unprocessableContent, .badRequest].contains(response.status), "\(body)")
            #expect(response.problemFields.contains(field), "\(body): \(String(buffer: response.body))")
            try await client.execute(uri: "/api/v1/webhooks", method: .get, headers: harness.headers("acme-developer")) { listing in
                #expect(listing.json?["items"] == .array([]))
            }
        }
        #expect(try await harness.audited(.webhookCreated).isEmpty)
    }

    /// A new secret needs the vault; sealed, the webhook is not created (and no secret either).
    @Test func aSealedVaultRefusesANewSecret_withNothingHalfWritten() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            _ = try await client.execute(uri: "/api/v1/apply", method: .post, headers: harness.headers("acme-developer"),
                                         body: ByteBuffer(string: Self.workflow)) { $0 }
            let response = try await create(client, harness, #"{"name": "hook", "workflow": "ingest", "secret_path": "hooks/a"}"#)
            #expect(response.status == .serviceUnavailable)
            #expect(response.problemCode == "vault_sealed")
            try await client.execute(uri: "/api/v1/webhooks/hook", method: .get, headers: harness.headers("acme-developer")) { response in
                #expect(response.status == .notFound)
            }
        }
        #expect(try await harness.audited(.webhookCreated).isEmpty)
        #expect(try await harness.audited(.secretWritten).isEmpty)
    }

    @Test func aViewerMayNotManage_andAnotherOrgFindsNothing() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            let body = #"{"name": "hook", "workflow": "ingest", "secret_path": "hooks/a"}"#
            let refused = try await create(client, harness, as: "acme-viewer", body)
            #expect(refused.status == .forbidden)
            #expect(refused.problemCode == "permission_denied")
            for (method, path) in [(HTTPRequest.Method.get, "hook"), (.get, "hook/deliveries"), (.post, "hook/rotate"), (.delete, "hook")] {
                try await client.execute(uri: "/api/v1/webhooks/\(path)", method: method, headers: harness.headers("other-developer")) { response in
                    #expect(response.status == .notFound, "\(method) \(path)")
                }
            }
            // The receiver of a webhook that does not exist: the same 401 as a bad signature.
            try await client.execute(uri: "/hooks/wh_01M96W3VK6TPYHNAXH1GVC2T0T", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .unauthorized)
                #expect(response.problemCode == "webhook_refused")
            }
        }
        let refusals = try await harness.audited(.permissionDenied)
        #expect(refusals.first?.details["permission"] == Permission.webhooksManage.rawValue)
    }
}
