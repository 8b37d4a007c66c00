import API
import Core
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage
import Testing

/// The schedules routes in process (`RouteHarness`): what a create refuses and why, who may do
/// what, another org's schedules, and the preview's zone arithmetic. Firing is the engine's
/// (EngineTests ScheduleFiringTests) and the daemon's (DaemonTests ScheduleTests).
@Suite struct ScheduleRouteTests {
    static let workflow = #"{"document": "workflow: reports\nnodes:\n  only: {kind: transform, config: {output: 1}}\n"}"#

    func prepared(_ harness: RouteHarness, _ client: any TestClientProtocol) async throws {
        try await client.execute(uri: "/api/v1/apply", method: .post, headers: harness.headers("acme-developer"),
                                 body: ByteBuffer(string: Self.workflow)) { response in
            #expect(response.status == .ok)
        }
    }

    func create(_ client: any TestClientProtocol, _ harness: RouteHarness, as caller: String = "acme-developer",
                _ body: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/schedules", method: .post, headers: harness.headers(caller), body: ByteBuffer(string: body)) { $0 }
    }

    @Test func aCreatedScheduleReadsBackWithItsNextSlotInItsZone() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            try await prepared(harness, client)
            let created = try await create(client, harness, #"""
                {"name": "nightly", "workflow": "reports", "cron": "0 6 * * 1-5", "zone": "Europe/Berlin",
                 "catch_up": "all", "catch_up_window": "6h", "catch_up_cap": 3, "overlap": "skip", "input": {"kind": "daily"}}
                """#)
            #expect(created.status == .created)
            #expect(created.json?["status"] == .string("active"))
            #expect(created.json?["catch_up_window"] == .string("6h"))
            #expect(created.json?["catch_up_cap"] == .integer(3))
            #expect(created.json?["input"] == ["kind": "daily"])
            guard case .string(let local)? = created.json?["next_fire_local"] else { Issue.record("no next_fire_local"); return }
            #expect(local.contains("T06:00:00"), "\(local)")
            #expect(local.hasSuffix("+01:00") || local.hasSuffix("+02:00"), "\(local)")

            try await client.execute(uri: "/api/v1/schedules/nightly/preview?next=5", method: .get, headers: harness.headers("acme-viewer")) { response in
                #expect(response.status == .ok)
                guard case .array(let items)? = response.json?["items"] else { Issue.record("no items"); return }
                #expect(items.count == 5)
                for item in items {
                    guard case .string(let at)? = item["at"], case .string(let wall)? = item["local"] else { continue }
                    #expect(wall.contains("T06:00:00"))
                    // 06:00 in Berlin is 05:00 or 04:00 UTC.
                    #expect(at.contains("T05:00:00") || at.contains("T04:00:00"), "\(at)")
                }
            }
            try await client.execute(uri: "/api/v1/schedules", method: .get, headers: harness.headers("acme-viewer")) { response in
                guard case .array(let items)? = response.json?["items"] else { Issue.record("no items"); return }
                #expect(items.map { $0["name"] } == [.string("nightly")])
            }
        }
        let audited = try await harness.audited(.scheduleCreated)
        #expect(audited.count == 1)
        #expect(audited.first?.details["zone"] == "Europe/Berlin")
    }

    @Test(arguments: [
        (#"{"name": "job", "workflow": "reports"}"#, "cron"),
        (#"{"name": "job", "workflow": "reports", "cron": "* * * * *", "at": "2030-01-01T09:00"}"#, "cron"),
        (#"{"name": "job", "workflow": "reports", "cron": "61 * * * *"}"#, "cron"),
        (#"{"name": "job", "workflow": "reports", "cron": "0 0 30 2 *"}"#, "cron"),
        (#"{"name": "job", "workflow": "reports", "cron": "@daily", "zone": "Mars/Olympus"}"#, "zone"),
        (#"{"name": "job", "workflow": "reports", "at": "2001-01-01T09:00"}"#, "at"),
        (#"{"name": "job", "workflow": "reports", "cron": "@daily", "overlap": "sometimes"}"#, "overlap"),
        (#"{"name": "job", "workflow": "reports", "cron": "@daily", "catch_up": "latest", "catch_up_cap": 3}"#, "catch_up"),
        (#"{"name": "job", "workflow": "reports", "cron": "@daily", "catch_up": "all", "catch_up_window": "soon"}"#, "catch_up_window"),
        (#"{"name": "job", "workflow": "reports", "cron": "@daily", "input": [1]}"#, "input"),
        (#"{"name": "job b", "workflow": "reports", "cron": "@daily"}"#, "name"),
    ])
    func badInputIsRefusedWithTheFieldAndNothingStored(body: String, field: String) async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            try await prepared(harness, client)
            let response = try await create(client, harness, body)
            #expect([HTTPResponse.Status.unprocessableContent, .badRequest].contains(response.status), "\(body)")
            #expect(response.problemFields.contains(field), "\(body): \(String(buffer: response.body))")
            try await client.execute(uri: "/api/v1/schedules", method: .get, headers: harness.headers("acme-developer")) { listing in
                #expect(listing.json?["items"] == .array([]))
            }
        }
        #expect(try await harness.audited(.scheduleCreated).isEmpty)
    }

    @Test func aDuplicateNameConflictsAndAnUnknownWorkflowIsNotFound() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            try await prepared(harness, client)
            #expect(try await create(client, harness, #"{"name": "job", "workflow": "reports", "cron": "@hourly"}"#).status == .created)
            let duplicate = try await create(client, harness, #"{"name": "job", "workflow": "reports", "cron": "@daily"}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.problemCode == "already_exists")
            let unknown = try await create(client, harness, #"{"name": "job-2", "workflow": "nope", "cron": "@daily"}"#)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func aViewerMayReadButNotManageAndAnotherOrgSeesNothing() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            try await prepared(harness, client)
            let refused = try await create(client, harness, as: "acme-viewer", #"{"name": "job", "workflow": "reports", "cron": "@hourly"}"#)
            #expect(refused.status == .forbidden)
            #expect(refused.problemCode == "permission_denied")
            #expect(try await create(client, harness, #"{"name": "job", "workflow": "reports", "cron": "@hourly"}"#).status == .created)
            try await client.execute(uri: "/api/v1/schedules/job/pause", method: .post, headers: harness.headers("acme-viewer")) { response in
                #expect(response.status == .forbidden)
            }
            for (method, path) in [(HTTPRequest.Method.get, "a"), (.get, "a/history"), (.get, "a/preview"), (.post, "a/pause"), (.delete, "a")] {
                try await client.execute(uri: "/api/v1/schedules/\(path)", method: method, headers: harness.headers("other-developer")) { response in
                    #expect(response.status == .notFound, "\(method) \(path)")
                }
            }
            try await client.execute(uri: "/api/v1/schedules", method: .get, headers: harness.headers("other-developer")) { response in
                #expect(response.json?["items"] == .array([]))
            }
            // Still there, still active, for its own org.
            try await client.execute(uri: "/api/v1/schedules/job", method: .get, headers: harness.headers("acme-viewer")) { response in
                #expect(response.json?["status"] == .string("active"))
            }
        }
    }

    @Test func pauseAndResumeMoveOnlyFromTheStatusTheyName() async throws {
        let harness = try await RouteHarness()
        try await harness.run { client in
            try await prepared(harness, client)
            #expect(try await create(client, harness, #"{"name": "job", "workflow": "reports", "cron": "@hourly"}"#).status == .created)
            try await client.execute(uri: "/api/v1/schedules/job/resume", method: .post, headers: harness.headers("acme-developer")) { response in
                #expect(response.status == .conflict, "resuming an active schedule")
            }
            try await client.execute(uri: "/api/v1/schedules/job/pause", method: .post, headers: harness.headers("acme-developer")) { response in
                #expect(response.status == .ok)
                #expect(response.json?["status"] == .string("paused"))
            }
            try await client.execute(uri: "/api/v1/schedules/job/pause", method: .post, headers: harness.headers("acme-developer")) { response in
                #expect(response.status == .conflict, "pausing a paused schedule")
            }
            try await client.execute(uri: "/api/v1/schedules/job/resume", method: .post, headers: harness.headers("acme-developer")) { response in
                #expect(response.json?["status"] == .string("active"))
            }
            try await client.execute(uri: "/api/v1/schedules/job", method: .delete, headers: harness.headers("acme-developer")) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/schedules/job/history", method: .get, headers: harness.headers("acme-developer")) { response in
                #expect(response.status == .notFound)
            }
        }
        #expect(try await harness.audited(.scheduleUpdated).map { $0.details["status"] } == ["paused", "active"])
        #expect(try await harness.audited(.scheduleDeleted).count == 1)
    }
}
