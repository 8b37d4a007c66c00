import Client
import Foundation
import Testing

@Suite(.serialized) struct OrgAPITests {
    @Test func createGetRenameDeleteOverTheSocket() async throws {
        try await TestDaemon.run { daemon in
            let created = try await daemon.socket.call(.POST, "/api/v1/orgs", json: ["name": "acme", "display_name": "ACME Corp"])
            #expect(created.status == 201)
            let org = try #require(created.json)
            let id = try #require(org["id"] as? String)
            #expect(id.hasPrefix("org_"))
            #expect(created.header("Location") == "/api/v1/orgs/\(id)")
            #expect(org["display_name"] as? String == "ACME Corp")

            let byName = try await daemon.socket.call(.GET, "/api/v1/orgs/acme").json
            #expect(byName?["id"] as? String == id)

            let renamed = try await daemon.socket.call(.PATCH, "/api/v1/orgs/\(id)", json: ["name": "acme-corp"]).json
            #expect(renamed?["name"] as? String == "acme-corp")
            #expect(renamed?["display_name"] as? String == "ACME Corp")

            let deleted = try await daemon.socket.call(.DELETE, "/api/v1/orgs/acme-corp")
            #expect(deleted.status == 204)
            let gone = try await daemon.socket.send(.GET, "/api/v1/orgs/\(id)")
            #expect(gone.status == 404)
        }
    }

    @Test func listingPagesWithCursors() async throws {
        try await TestDaemon.run { daemon in
            for index in 0..<7 {
                _ = try await daemon.socket.call(.POST, "/api/v1/orgs", json: ["name": "org-\(index)"])
            }
            var names: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let path = "/api/v1/orgs?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try #require(try await daemon.socket.call(.GET, path).json)
                names += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                cursor = page["next_cursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            #expect(names == ["default"] + (0..<7).map { "org-\($0)" })
            #expect(pages == 3)
        }
    }

    @Test func twoHundredConcurrentCreatesAllLand() async throws {
        try await TestDaemon.run { daemon in
            let client = daemon.socket
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        try await client.send(.POST, "/api/v1/orgs", body: Data(#"{"name":"load-\#(index)"}"#.utf8),
                                              headers: [("Content-Type", "application/json")]).status
                    }
                }
                return try await group.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(statuses == [201: 200], "no request may fail or see a busy database: \(statuses)")
            var names = Set<String>()
            var cursor: String?
            repeat {
                let page = try #require(try await client.call(.GET, "/api/v1/orgs?limit=200" + (cursor.map { "&cursor=\($0)" } ?? "")).json)
                names.formUnion((page["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
                cursor = page["next_cursor"] as? String
            } while cursor != nil
            #expect(names.count == 201)
            let writer = try #require(try await client.call(.GET, "/api/v1/status").json?["writer"] as? [String: Any])
            #expect((writer["max_batch"] as? Int ?? 0) > 1, "concurrent requests should share commits")
        }
    }

    @Test func orgsSurviveARestart() async throws {
        let first = try await TestDaemon.start()
        _ = try await first.socket.call(.POST, "/api/v1/orgs", json: ["name": "durable"])
        #expect(try await first.stop() == 0)
        let second = try await TestDaemon.start(directory: first.directory)
        let org = try await second.socket.call(.GET, "/api/v1/orgs/durable").json
        #expect(org?["name"] as? String == "durable")
        #expect(second.log.text.contains("migrations_applied=\"\"") || second.log.text.contains("migrations_applied= "),
                "a second start applies no migration:\n\(second.log.text)")
        #expect(try await second.stop() == 0)
    }
}

/// The OpenAPI document and the router come from one table; this checks they agree as served.
@Suite(.serialized) struct OpenAPITests {
    @Test func everyDocumentedOperationIsServedAndNothingElse() async throws {
        try await TestDaemon.run { daemon in
            let document = try #require(try await daemon.socket.call(.GET, "/api/v1/openapi.json").json)
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            #expect(paths.count >= 7)
            var operations = 0
            for (path, methods) in paths {
                for (method, operation) in methods {
                    operations += 1
                    let op = try #require(operation as? [String: Any])
                    #expect(op["operationId"] is String, "\(method) \(path)")
                    #expect(op["x-agentd-permission"] is String || op["security"] != nil, "\(method) \(path) declares no access")
                    let concrete = path.replacingOccurrences(of: "{org}", with: "nobody-here")
                    let hasBody = op["requestBody"] != nil
                    let response = try await daemon.socket.send(.init(rawValue: method.uppercased()), concrete,
                                                                body: hasBody ? Data("{}".utf8) : nil)
                    let code = response.json?["code"] as? String
                    #expect(code != "route_not_found" && code != "method_not_allowed",
                            "documented \(method.uppercased()) \(path) is not served: \(response.status) \(code ?? "")")
                }
            }
            #expect(operations >= 9)
            // And a method the document does not list is refused on a documented path.
            for (path, methods) in paths where !path.contains("{") {
                for verb in ["put", "post", "delete", "patch"] where methods[verb] == nil {
                    let response = try await daemon.socket.send(.init(rawValue: verb.uppercased()), path)
                    #expect(response.json?["code"] as? String == "method_not_allowed", "\(verb) \(path)")
                }
            }
        }
    }
}
