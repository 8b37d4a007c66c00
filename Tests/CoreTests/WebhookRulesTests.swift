import Core
import Foundation
import Testing

/// The pure parts of webhook receiving: the signature header, its freshness, form bodies, and
/// the transform language (bare templates keep their type, quoted ones are text).
@Suite struct WebhookRulesTests {
    static let mac = String(repeating: "ab", count: 32)

    @Test func aWellFormedHeaderParses_withEveryV1() throws {
        let parsed = try #require(WebhookSignature.parse("t=1765000000,v1=\(Self.mac), v1=\(String(repeating: "01", count: 32)),v2=zz"))
        #expect(parsed.timestamp == 1_765_000_000)
        #expect(parsed.macs.count == 2)
        #expect(parsed.macs[0] == Array(repeating: 0xab, count: 32))
    }

    @Test(arguments: ["", "t=1", "v1=\(mac)", "t=abc,v1=\(mac)", "t=1,v1=abcd", "t=1,v1=\(String(repeating: "zz", count: 32))",
                      "t=1,t=2,v1=\(mac)", "t=1,v1", "t=-5,v1=\(mac)", "t=1,\(Array(repeating: "v1=\(mac)", count: 5).joined(separator: ","))"])
    func aMalformedHeaderIsRefused(header: String) {
        #expect(WebhookSignature.parse(header) == nil, "\(header)")
    }

    @Test func freshnessAllowsTheToleranceEitherWayAndNoMore() throws {
        let now = Instant(millisecondsSinceEpoch: 1_765_000_000_000)
        func fresh(_ t: Int64) -> Bool { WebhookSignature(timestamp: t, macs: [[0]]).isFresh(now: now, toleranceSeconds: 300) }
        #expect(fresh(1_765_000_000))
        #expect(fresh(1_765_000_000 - 300))
        #expect(fresh(1_765_000_000 + 300))
        #expect(!fresh(1_765_000_000 - 301))
        #expect(!fresh(1_765_000_000 + 301))
    }

    @Test func theSignedMessageIsTimestampDotBody() {
        #expect(WebhookSignature.message(timestamp: 42, body: Array("{}".utf8)) == Array("42.{}".utf8))
    }

    @Test func formBodiesBecomeObjects_repeatedFieldsArrays() throws {
        let parsed = try #require(FormBody.parse(Array("a=1&b=hello+world&a=2&c=%C3%A9t%C3%A9&empty=".utf8)))
        #expect(parsed == ["a": ["1", "2"], "b": "hello world", "c": "été", "empty": ""])
        #expect(FormBody.parse(Array("a=%zz".utf8)) == nil)
        #expect(FormBody.parse(Array("=x".utf8)) == nil)
        #expect(FormBody.parse([0xff, 0x3d, 0x31]) == nil)
    }

    @Test func bareTemplatesKeepTheirType_quotedOnesAreText() throws {
        let transform = try WebhookTransform(#"{"order": {{ body.data.id }}, "amount": {{ body.data.amount * 100 }}, "note": "order {{ body.data.id }}", "source": {{ query.source }}}"#)
        let body: JSONValue = ["data": ["id": 42, "amount": 1.5]]
        let input = try transform.render(["body": body, "query": ["source": "erp"], "headers": [:], "webhook": [:], "delivery": [:]],
                                         now: Instant(millisecondsSinceEpoch: 0))
        #expect(input["order"] == 42)
        #expect(input["amount"] == .number(150))
        #expect(input["source"] == "erp")
        #expect(input["note"] == "order 42")
        let text = try WebhookTransform(#"{"note": "order {{ body.data.id }}"}"#)
        #expect(try text.render(["body": body], now: Instant(millisecondsSinceEpoch: 0)) == ["note": "order 42"])
    }

    @Test(arguments: [
        #"[1, 2]"#, #"{"a": }"#, #"not json"#, #"{"a": {{ secrets.x }}}"#, #"{"a": {{ input.x }}}"#, #"{"a": {{ body. }}}"#,
    ])
    func aTransformThatIsNotAnObjectOrReadsOtherRootsIsRefused(text: String) {
        #expect(throws: ValidationError.self, "\(text)") { try WebhookTransform(text) }
    }

    @Test func aMissingPathFailsAtRender_notAtCreation() throws {
        let transform = try WebhookTransform(#"{"order": {{ body.data.id }}}"#)
        #expect(throws: WebhookTransform.Failure(description: "body.data.id is missing from the delivery")) {
            try transform.render(["body": ["other": 1]], now: Instant(millisecondsSinceEpoch: 0))
        }
        // Optional with default(); a missing path inside a string is just empty text.
        let optional = try WebhookTransform(#"{"order": {{ default(body.data.id, 0) }}, "note": "id {{ body.data.id }}"}"#)
        let rendered = try optional.render(["body": ["other": 1]], now: Instant(millisecondsSinceEpoch: 0))
        #expect(rendered["order"] == 0)
        #expect(rendered["note"] == "id ")
    }

    @Test func withoutATransformTheBodyIsTheInput() {
        #expect(WebhookTransform.defaultInput(body: ["a": 1]) == ["a": 1])
        #expect(WebhookTransform.defaultInput(body: [1, 2]) == ["body": [1, 2]])
    }
}
