import Foundation
import Testing
@testable import Core

/// `canonicalized` must be exactly what the canonical text of a value reads back as: the
/// engine hands new executions' inputs to their first steps that way, without the round trip.
@Suite struct JSONCanonicalTests {
    @Test func canonicalizedIsWhatTheCanonicalTextReadsBackAs() throws {
        let values: [JSONValue] = [
            .number(3.0), .number(-2.0), .number(2.5), .number(.infinity), .number(.nan), .number(1e16), .number(1.2345678901234567e17), .number(9.3e18), .number(-1e300), .integer(7),
            ["a": .number(1.0), "b": [.number(0.5), .number(4.0), "x", nil, true]],
            .string("3.0"), .null, .array([]),
        ]
        for value in values {
            let readBack = try JSONDecoder().decode(JSONValue.self, from: Data(value.canonicalText.utf8))
            #expect(value.canonicalized == readBack, "\(value) reads back as \(readBack), canonicalized \(value.canonicalized)")
        }
        #expect(JSONValue.number(3.0).canonicalized == .integer(3))
    }
}
