import Foundation
import Testing
@testable import Core

/// `JSONParser` reads what Foundation's `JSONDecoder` reads into a `JSONValue`, with the same
/// answers, and refuses what RFC 8259 refuses (with where and why).
@Suite struct JSONParserTests {
    static func foundation(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Texts both readers accept; each must come out the same from both. (Past 17 significant
    /// digits in fraction or exponent form, which the canonical writer never produces, Foundation
    /// rounds some through its own decimal type: `9.223372036854775807e18` is a Double there and
    /// Int.max here.)
    static let accepted: [String] = [
        "null", "true", "false", "0", "-0", "7", "-7", "3.0", "3.5", "-2.25", "1e3", "1E3", "1e+3", "2.5e-3", "-0.0", "0.1",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
        "1.7976931348623157e308", "5e-324", "1.0e20", "100000000000000000000.0", "4.0194488161105446e+17", "8830617551383124.0",
        "0.000e5", "12.3400e2", "-1.5e1", "1e-2", "123e-2",
        #""""#, #""plain""#, #""quote \" backslash \\ slash \/""#, #""\b\f\n\r\t""#, #""\u0041\u00e9\u4e2d""#,
        #""\ud83d\ude00 smile""#, #""é 中 😀 raw""#, #""\u0000 nul""#,
        "[]", "{}", "[1,2,3]", #"{"a":1,"b":[true,null,{"c":"d"}]}"#, " \t\r\n[ 1 , { \"k\" : [ ] } ] \n",
        #"{"nested":{"deeper":{"deepest":[[[1.5]]]}}}"#, #"{"":""}"#,
    ]

    @Test func readsWhatFoundationReadsTheSame() throws {
        for text in Self.accepted {
            let expected = try #require(Self.foundation(text), "Foundation refuses \(text)")
            #expect(try JSONParser.parse(text) == expected, "\(text)")
            #expect(try JSONParser.parse(bytes: Array(text.utf8)) == expected, "\(text)")
        }
    }

    @Test func numbersKeepIntegersApart() throws {
        #expect(try JSONParser.parse("3") == .integer(3))
        #expect(try JSONParser.parse("3.0") == .integer(3))
        #expect(try JSONParser.parse("3e2") == .integer(300))
        #expect(try JSONParser.parse("3.5") == .number(3.5))
        #expect(try JSONParser.parse("-9223372036854775808") == .integer(Int.min))
        #expect(try JSONParser.parse("9223372036854775808") == .number(9_223_372_036_854_775_808))
        #expect(try JSONParser.parse("4.0194488161105446e+17") == .integer(401_944_881_611_054_460))
        #expect(try JSONParser.parse("1.0e20") == .number(1e20))
        #expect(try JSONParser.parse("-0.0") == .integer(0))
        #expect(try JSONParser.parse("0.000e5") == .integer(0))
    }

    /// Every text the canonical writer produces reads as through Foundation (a whole Double
    /// too large for an exact Int, written `8830617551383124.0`, reads back as `.integer` in both).
    @Test func canonicalTextRoundTrips() throws {
        var generator = SeededGenerator(seed: 0x5EED_1234)
        for _ in 0..<400 {
            let value = Self.randomValue(depth: 0, &generator)
            let text = value.canonicalText
            let parsed = try JSONParser.parse(text)
            #expect(parsed == Self.foundation(text), "\(text)")
        }
    }

    @Test(arguments: [
        ("", 0, "the text ends where a value should be"),
        ("[1,]", 3, "unexpected character"),
        ("{\"a\":1,}", 7, "expected a member name in quotes"),
        ("{'a':1}", 1, "expected a member name in quotes"),
        ("[1 2]", 3, "expected ',' or ']' in an array"),
        ("{\"a\" 1}", 5, "expected ':' after a member name"),
        ("01", 1, "a number with a leading zero"),
        ("-", 1, "a '-' without digits"),
        ("1.", 2, "a '.' without digits after it"),
        ("1e", 2, "an exponent without digits"),
        ("+1", 0, "unexpected character"),
        ("1e400", 0, "a number too large for a Double"),
        ("tru", 0, "unexpected end of text"),
        ("nul1", 3, "unexpected character"),
        ("\"open", 0, "a string is not closed"),
        ("\"tab\there\"", 4, "a control character inside a string must be escaped"),
        ("\"\\x\"", 1, "an unknown escape sequence"),
        ("\"\\u12\"", 3, "a \\u escape needs four hex digits"),
        ("\"\\ud83d\"", 1, "a \\u escape of a high surrogate without its low surrogate"),
        ("\"\\ud83d\\u0041\"", 1, "a \\u escape of a high surrogate without its low surrogate"),
        ("\"\\ude00\"", 1, "a \\u escape of a lone low surrogate"),
        ("[1] x", 4, "text after the value"),
        ("/* c */ 1", 0, "unexpected character"),
        ("NaN", 0, "unexpected character"),
    ])
    func refusesWhatIsNotJSON(text: String, offset: Int, reason: String) {
        // Foundation is lenient about a trailing comma; RFC 8259 is not.
        if !["[1,]", "{\"a\":1,}"].contains(text) { #expect(Self.foundation(text) == nil, "Foundation accepts \(text)") }
        #expect(throws: JSONParser.SyntaxError(offset: offset, reason: reason)) { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8InBytes() {
        #expect(throws: JSONParser.SyntaxError(offset: 1, reason: "a string is not valid UTF-8")) {
            try JSONParser.parse(bytes: [0x22, 0xC3, 0x28, 0x22])
        }
    }

    @Test func refusesNestingPastTheLimit() throws {
        let deepest = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect(try JSONParser.parse(deepest) != .null)
        let tooDeep = "[" + deepest + "]"
        #expect(throws: JSONParser.SyntaxError(offset: JSONParser.maximumDepth, reason: "nested deeper than \(JSONParser.maximumDepth)")) {
            try JSONParser.parse(tooDeep)
        }
    }

    @Test func aDuplicatedKeyKeepsItsLastValue() throws {
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#) == ["a": 2])
    }

    static func randomValue(depth: Int, _ generator: inout SeededGenerator) -> JSONValue {
        let pick = Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &generator)
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .integer(Int.random(in: Int.min...Int.max, using: &generator) >> Int.random(in: 0..<63, using: &generator))
        case 3:
            let magnitude = Double.random(in: -1...1, using: &generator) * pow(10, Double(Int.random(in: -30...30, using: &generator)))
            return .number(magnitude)
        case 4: return .string(randomString(&generator))
        case 5: return .array((0..<Int.random(in: 0..<5, using: &generator)).map { _ in randomValue(depth: depth + 1, &generator) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<5, using: &generator) { object[randomString(&generator)] = randomValue(depth: depth + 1, &generator) }
            return .object(object)
        }
    }

    static func randomString(_ generator: inout SeededGenerator) -> String {
        let pieces = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0001}", "\u{001F}", "é", "中", "😀", "\u{2028}", "\u{FEFF}"]
        return (0..<Int.random(in: 0..<8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }
}

/// A deterministic generator, so a failure is replayed by its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        // SplitMix64.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
