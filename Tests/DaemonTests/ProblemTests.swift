import Client
import Foundation
import Testing

/// Every problem code the HTTP surface produces, and that a refused request writes nothing.
@Suite(.serialized) struct ProblemTests {
    struct Case: Sendable, CustomStringConvertible {
        let method: String
        let path: String
        let body: String?
        let contentType: String?
        let status: Int
        let code: String
        var description: String { "\(method) \(path) → \(code)" }
    }

    static let cases: [Case] = [
        Case(method: "POST", path: "/api/v1/orgs", body: #"{"name": "acme""#, contentType: "application/json", status: 400, code: "malformed_json"),
        Case(method: "POST", path: "/api/v1/orgs", body: "", contentType: "application/json", status: 400, code: "malformed_json"),
        Case(method: "POST", path: "/api/v1/orgs", body: #"["acme"]"#, contentType: "application/json", status: 400, code: "malformed_json"),
        Case(method: "POST", path: "/api/v1/orgs", body: #"{"name":"acme"}"#, contentType: "text/plain", status: 415, code: "unsupported_media_type"),
        Case(method: "POST", path: "/api/v1/orgs", body: #"{"name":"acme","owner":"me"}"#, contentType: "application/json", status: 400, code: "unknown_field"),
        Case(method: "POST", path: "/api/v1/orgs", body: #"{"name":"acme","display_name":"#
                + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}",
             contentType: "application/json", status: 400, code: "json_too_deep"),
        Case(method: "POST", path: "/api/v1/orgs", body: #"{"name":"acme","display_name":""# + String(repeating: "x", count: 2 << 20) + #""}"#,
             contentType: "application/json", status: 413, code: "body_too_large"),
        Case(method: "POST", path: "/api/v1/orgs", body: #"{"name": 5}"#, contentType: "application/json", status: 422, code: "validation_failed"),
        Case(method: "POST", path: "/api/v1/orgs", body: #"{"display_name": "x"}"#, contentType: "application/json", status: 422, code: "validation_failed"),
        Case(method: "POST", path: "/api/v1/orgs", body: #"{"name": "Bad Name"}"#, contentType: "application/json", status: 422, code: "validation_failed"),
        Case(method: "POST", path: "/api/v1/orgs", body: #"{"name": "default"}"#, contentType: "application/json", status: 409, code: "already_exists"),
        Case(method: "PATCH", path: "/api/v1/orgs/default", body: #"{"name": "other"}"#, contentType: "application/json", status: 409, code: "protected"),
        Case(method: "PATCH", path: "/api/v1/orgs/default", body: "{}", contentType: "application/json", status: 422, code: "validation_failed"),
        Case(method: "DELETE", path: "/api/v1/orgs/default", body: nil, contentType: nil, status: 409, code: "protected"),
        Case(method: "GET", path: "/api/v1/orgs/nobody", body: nil, contentType: nil, status: 404, code: "not_found"),
        Case(method: "GET", path: "/api/v1/orgs/org_01M87QGRWS15SQN1W552EXH418", body: nil, contentType: nil, status: 404, code: "not_found"),
        Case(method: "GET", path: "/api/v1/orgs?limit=0", body: nil, contentType: nil, status: 400, code: "invalid_parameter"),
        Case(method: "GET", path: "/api/v1/orgs?limit=many", body: nil, contentType: nil, status: 400, code: "invalid_parameter"),
        Case(method: "GET", path: "/api/v1/orgs?cursor=not-a-cursor", body: nil, contentType: nil, status: 400, code: "invalid_cursor"),
        Case(method: "GET", path: "/api/v1/nowhere", body: nil, contentType: nil, status: 404, code: "route_not_found"),
        Case(method: "PUT", path: "/api/v1/orgs", body: "{}", contentType: "application/json", status: 405, code: "method_not_allowed"),
    ]

    @Test func eachBadRequestGetsItsOwnProblemAndWritesNothing() async throws {
        try await TestDaemon.run { daemon in
            let before = try await Self.orgNames(daemon)
            for item in Self.cases {
                var headers: [(String, String)] = []
                if let contentType = item.contentType { headers.append(("Content-Type", contentType)) }
                let response = try await daemon.socket.send(.init(rawValue: item.method), item.path,
                                                             body: item.body.map { Data($0.utf8) }, headers: headers)
                #expect(response.status == item.status, "\(item)")
                #expect(response.header("Content-Type") == "application/problem+json", "\(item)")
                let problem = try #require(response.json, "\(item)")
                #expect(problem["code"] as? String == item.code, "\(item)")
                #expect(problem["status"] as? Int == item.status, "\(item)")
                #expect((problem["title"] as? String)?.isEmpty == false, "\(item)")
                #expect((problem["detail"] as? String)?.isEmpty == false, "\(item)")
                #expect(problem["type"] as? String == "urn:agentd:problem:\(item.code)", "\(item)")
                #expect(problem["request_id"] as? String == response.header("X-Request-Id"), "\(item)")
                if item.code == "method_not_allowed" { #expect(response.header("Allow") == "GET, POST") }
                if item.code == "validation_failed" { #expect((problem["errors"] as? [Any])?.isEmpty == false, "\(item)") }
            }
            #expect(try await Self.orgNames(daemon) == before)
        }
    }

    static func orgNames(_ daemon: TestDaemon) async throws -> [String] {
        let items = try await daemon.socket.call(.GET, "/api/v1/orgs?limit=200").json?["items"] as? [[String: Any]] ?? []
        return items.compactMap { $0["name"] as? String }
    }

    @Test func aSmallerBodyLimitIsHonoured() async throws {
        let daemon = try await TestDaemon.start(environment: ["AGENTD_SERVER_MAX_BODY_BYTES": "2048"])
        let body = Data(#"{"name":"acme","display_name":""#.utf8) + Data(repeating: UInt8(ascii: "x"), count: 4096) + Data(#""}"#.utf8)
        let response = try await daemon.socket.send(.POST, "/api/v1/orgs", body: body)
        #expect(response.status == 413)
        #expect((response.json?["detail"] as? String)?.contains("2048") == true)
        #expect(try await daemon.stop() == 0)
    }
}
