import Core
import Foundation
import Testing

/// The one JSON string escaper, which the canonical writer and the scrubber share.
@Suite struct JSONStringEscapingTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("a\"b", "a\\\"b"),
        ("back\\slash", "back\\\\slash"),
        ("line\nreturn\rtab\t", "line\\nreturn\\rtab\\t"),
        ("\u{01}\u{1F}", "\\u0001\\u001f"),
        ("a/b", "a/b"),
        ("\u{7F}é😀", "\u{7F}é😀"),
        ("", ""),
    ])
    func escapes(_ raw: String, _ want: String) {
        #expect(JSONStringEscaping.escaped(raw) == want)
    }

    @Test(arguments: ["plain", "q\"uo\\te", "ctl\u{00}\u{08}\u{0C}\n", "ünï/côdé 😀", String(repeating: "\"\\", count: 50)])
    func aJSONParserReadsBackTheOriginal(_ raw: String) throws {
        let document = Data("[\"\(JSONStringEscaping.escaped(raw))\"]".utf8)
        #expect(try JSONSerialization.jsonObject(with: document) as? [String] == [raw])
    }

    @Test func theCanonicalWriterAndTheScrubberAgree() {
        let secret = "pa\"ss\\word\n"
        let stored = JSONValue.object(["token": .string(secret)]).canonicalText
        #expect(stored.contains(JSONStringEscaping.escaped(secret)))
        #expect(!Scrubber([.init(path: "p", value: secret)]).scrub(stored).contains("word"))
    }
}
