import Client
import Foundation
import Testing

/// Health, readiness, metrics, request ids and TCP's refusal of /api/ routes.
@Suite(.serialized) struct HTTPSurfaceTests {
    @Test func tcpServesHealthReadinessAndMetrics() async throws {
        try await TestDaemon.run { daemon in
            let health = try await daemon.tcp.send(.GET, "/healthz")
            #expect(health.status == 200)
            #expect(health.json?["status"] as? String == "ok")
            let ready = try await daemon.tcp.send(.GET, "/readyz")
            #expect(ready.status == 200)
            #expect(ready.json?["status"] as? String == "ready")

            _ = try await daemon.socket.call(.POST, "/api/v1/orgs", json: ["name": "acme"])
            let metrics = try await daemon.tcp.send(.GET, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            let text = String(decoding: metrics.body, as: UTF8.self)
            #expect(text.contains(#"agentd_http_requests_total{method="POST",route="/api/v1/orgs",status="201"} 1"#))
            #expect(text.contains("agentd_http_request_duration_seconds_bucket"))
            #expect(text.contains("agentd_writer_batch_units_bucket"))
            #expect(text.contains("agentd_writer_commit_seconds_bucket"))
            #expect(text.contains("agentd_database_size_bytes"))
        }
    }

    @Test func tcpAnswersEveryAPIRouteWith401() async throws {
        try await TestDaemon.run { daemon in
            for (method, path) in [("GET", "/api/v1/orgs"), ("POST", "/api/v1/orgs"), ("GET", "/api/v1/status"),
                                   ("GET", "/api/v1/openapi.json"), ("DELETE", "/api/v1/orgs/default")] {
                let response = try await daemon.tcp.send(.init(rawValue: method), path,
                                                         body: method == "POST" ? Data(#"{"name":"x1"}"#.utf8) : nil)
                #expect(response.status == 401, "\(method) \(path)")
                #expect(response.json?["code"] as? String == "unauthenticated")
                #expect(response.header("Content-Type") == "application/problem+json")
            }
            let orgs = try await daemon.socket.call(.GET, "/api/v1/orgs").json?["items"] as? [[String: Any]]
            #expect(orgs?.map { $0["name"] as? String } == ["default"], "the refused POST must not have written")
        }
    }

    @Test func everyResponseCarriesARequestID() async throws {
        try await TestDaemon.run { daemon in
            let mine = try await daemon.socket.send(.GET, "/healthz", headers: [("X-Request-Id", "trace-42.a")])
            #expect(mine.header("X-Request-Id") == "trace-42.a")
            let hostile = try await daemon.socket.send(.GET, "/healthz", headers: [("X-Request-Id", "bad id <script>" + String(repeating: "x", count: 80))])
            #expect(hostile.header("X-Request-Id")?.hasPrefix("req_") == true)
            let problem = try await daemon.socket.send(.GET, "/api/v1/nothing-here")
            let id = try #require(problem.header("X-Request-Id"))
            #expect(problem.json?["request_id"] as? String == id)
        }
    }

    @Test func theSocketIsOwnerAndGroupOnly() async throws {
        try await TestDaemon.run { daemon in
            let attributes = try FileManager.default.attributesOfItem(atPath: daemon.socketPath)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o660)
        }
    }

    @Test func statusReportsTheDatabaseAndWriter() async throws {
        try await TestDaemon.run { daemon in
            let status = try #require(try await daemon.socket.call(.GET, "/api/v1/status").json)
            #expect((status["schema_version"] as? Int ?? 0) >= 3)
            let database = status["database"] as? [String: Any]
            #expect(database?["path"] as? String == daemon.databasePath)
            #expect(database?["synchronous"] as? String == "full")
            #expect((database?["size_bytes"] as? Int ?? 0) > 0)
            let writer = status["writer"] as? [String: Any]
            #expect((writer?["commits"] as? Int ?? 0) >= 1)
            #expect(status["dev_mode"] as? Bool == true)
        }
    }
}
