import Client
import Foundation
import Testing

/// The contract checker itself: it must catch what it is there to catch (a test that passes
/// because the checker is blind proves nothing), and the document must state the rules the
/// code applies to edge values (an empty cursor or path).
@Suite(.serialized) struct ContractTests {
    static func response(_ status: Int, _ body: String, type: String = "application/json") -> ClientResponse {
        ClientResponse(status: status, headers: [("Content-Type", type)], body: Data(body.utf8))
    }

    @Test func theCheckerCatchesAWrongBodyStatusAndMediaType() async throws {
        try await TestDaemon.run { daemon in
            let contract = try #require(await ContractDocument.shared.contract, "the document did not load")
            // A real answer keeps the contract.
            var plain = AgentClient(endpoint: .socket(daemon.socketPath))
            plain.onResponse = nil
            let real = try await plain.send(.GET, "/api/v1/orgs/default")
            #expect(real.status == 200)
            #expect(contract.mismatches(method: "GET", path: "/api/v1/orgs/default", response: real) == [])

            // An org without its name, with a malformed id and a number for a string.
            let bad = contract.mismatches(method: "GET", path: "/api/v1/orgs/default", response: Self.response(
                200, #"{"id":"org_nope","display_name":7,"created_at":"2026-01-01T00:00:00Z","updated_at":"yesterday"}"#))
            #expect(bad.contains { $0.contains("getOrg") && $0.contains("`name` is required") && $0.contains("/responses/200/content/application~1json/schema") })
            #expect(bad.contains { $0.contains("/id") && $0.contains("pattern") })
            #expect(bad.contains { $0.contains("/display_name") && $0.contains("must be string") })
            #expect(bad.contains { $0.contains("/updated_at") && $0.contains("date-time") })

            // A problem whose code is not one agentd has.
            let problem = contract.mismatches(method: "GET", path: "/api/v1/orgs/x", response: Self.response(
                404, #"{"type":"about:blank","title":"Not found","status":404,"detail":"no","code":"no_such_code"}"#,
                type: "application/problem+json"))
            #expect(problem.contains { $0.contains("#/components/schemas/Problem/properties/code/enum") })

            // A status the operation does not document, and a media type it does not send.
            let teapot = contract.mismatches(method: "GET", path: "/api/v1/orgs/default", response: Self.response(418, "{}"))
            #expect(teapot.contains { $0.contains("status 418 is not documented") })
            let html = contract.mismatches(method: "GET", path: "/api/v1/orgs/default", response: Self.response(200, "<p>", type: "text/html"))
            #expect(html.contains { $0.contains("Content-Type `text/html` is not documented") })
            // A body where the document says none (204).
            let deleted = contract.mismatches(method: "DELETE", path: "/api/v1/orgs/acme", response: Self.response(204, "{}"))
            #expect(deleted.contains { $0.contains("no body") })
            // A literal segment wins over a parameter: this is secretVersions, not a secret by path.
            #expect(contract.route("GET", "/api/v1/secrets/versions?path=a")?.template == "/api/v1/secrets/versions")
        }
    }

    @Test func theValidatorKnowsTheKeywordsTheDocumentUses() {
        let root = ContractJSON.parse(Data(#"{"components":{"schemas":{"N":{"type":"integer","minimum":1}}}}"#.utf8))!
        let validator = SchemaValidator(root: root)
        func check(_ value: String, _ schema: String) -> [SchemaValidator.Mismatch] {
            validator.validate(ContractJSON.parse(Data(value.utf8))!, ContractJSON.parse(Data(schema.utf8))!, schemaPath: "#")
        }
        #expect(check("null", #"{"type":["string","null"]}"#).isEmpty)
        #expect(!check("1", #"{"type":["string","null"]}"#).isEmpty)
        #expect(!check("true", #"{"type":"integer"}"#).isEmpty)
        #expect(!check("1.5", #"{"type":"integer"}"#).isEmpty)
        #expect(check("3", ##"{"$ref":"#/components/schemas/N"}"##).isEmpty)
        #expect(check("0", ##"{"$ref":"#/components/schemas/N"}"##).first?.schemaPath == "#/components/schemas/N/minimum")
        #expect(!check(#""a""#, #"{"oneOf":[{"type":"string"},{"minLength":1}]}"#).isEmpty, "two of oneOf match")
        #expect(check(#""a""#, #"{"anyOf":[{"type":"integer"},{"type":"string"}]}"#).isEmpty)
        #expect(!check(#"{"a":1,"b":2}"#, #"{"properties":{"a":{}},"additionalProperties":false}"#).isEmpty)
        #expect(check(#"{"a":1}"#, #"{"allOf":[{"required":["a"]},{"properties":{"a":{"maximum":1}}}]}"#).isEmpty)
        #expect(!check(#"["x",""]"#, #"{"items":{"minLength":1}}"#).isEmpty)
        #expect(!check(#""abc""#, #"{"maxLength":2}"#).isEmpty)
        #expect(!check(#""x""#, #"{"enum":["a","b"]}"#).isEmpty)
    }

    /// An empty cursor or secret path is refused by the schema, and by agentd (never a 200 that
    /// the schema calls invalid).
    @Test func anEmptyCursorOrPathIsRefusedByTheSchemaAndTheCode() async throws {
        try await TestDaemon.run { daemon in
            let contract = try #require(await ContractDocument.shared.contract, "the document did not load")
            let parameters = contract.route("GET", "/api/v1/orgs")?.operation["parameters"]?.array ?? []
            let cursor = try #require(parameters.first { $0["name"]?.string == "cursor" }?["schema"])
            let validator = SchemaValidator(root: contract.document)
            #expect(!validator.validate(.string(""), cursor, schemaPath: "#").isEmpty)

            let emptyCursor = try await daemon.socket.send(.GET, "/api/v1/orgs?cursor=")
            #expect(emptyCursor.status == 400)
            #expect(emptyCursor.json?["code"] as? String == "invalid_cursor")
            let notBase64URL = try await daemon.socket.send(.GET, "/api/v1/orgs?cursor=a+b/c")
            #expect(notBase64URL.status == 400)

            let versions = contract.route("GET", "/api/v1/secrets/versions")?.operation["parameters"]?.array ?? []
            let path = try #require(versions.first { $0["name"]?.string == "path" })
            #expect(path["required"] == .bool(true))
            #expect(!validator.validate(.string(""), try #require(path["schema"]), schemaPath: "#").isEmpty)
            #expect(!validator.validate(.string("a/../b"), try #require(path["schema"]), schemaPath: "#").isEmpty)
            #expect(validator.validate(.string("payments/sfdc.v2"), try #require(path["schema"]), schemaPath: "#").isEmpty)
            let emptyPath = try await daemon.socket.send(.GET, "/api/v1/secrets/versions?environment=dev&path=")
            #expect(emptyPath.status == 400)
            #expect(emptyPath.json?["code"] as? String == "invalid_parameter")
            let emptyDelete = try await daemon.socket.send(.DELETE, "/api/v1/secrets?environment=dev&path=")
            #expect(emptyDelete.status == 400)
        }
    }
}
