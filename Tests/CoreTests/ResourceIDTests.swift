import Core
import Testing

struct FixedRandom: RandomNumberGenerator {
    var value: UInt64
    mutating func next() -> UInt64 { value }
}

@Suite struct ResourceIDTests {
    @Test func encodesTimeAndRandomIntoTwentySixCrockfordCharacters() {
        var random = FixedRandom(value: 0)
        let id = OrgID.generate(at: Instant(millisecondsSinceEpoch: 0), using: &random)
        #expect(id.rawValue == "org_" + String(repeating: "0", count: 26))

        var ones = FixedRandom(value: .max)
        let max = OrgID.generate(at: Instant(millisecondsSinceEpoch: 0xFFFF_FFFF_FFFF), using: &ones)
        #expect(max.rawValue == "org_7" + String(repeating: "Z", count: 25))
    }

    @Test func carriesItsCreationTime() {
        let now = Instant(millisecondsSinceEpoch: 1_732_000_123_456)
        #expect(OrgID.generate(at: now).instant == now)
    }

    @Test func laterIDsSortAfterEarlierOnes() {
        var random = FixedRandom(value: .max)
        let early = OrgID.generate(at: Instant(millisecondsSinceEpoch: 1_000), using: &random)
        var zero = FixedRandom(value: 0)
        let late = OrgID.generate(at: Instant(millisecondsSinceEpoch: 1_001), using: &zero)
        #expect(early < late)
    }

    @Test func twoIDsInTheSameMillisecondDiffer() {
        let now = Instant(millisecondsSinceEpoch: 5)
        #expect(OrgID.generate(at: now) != OrgID.generate(at: now))
    }

    @Test(arguments: [
        ("org_01M87QGRWS15SQN1W552EXH418", true),
        ("org_01m87qgrws15sqn1w552exh418", true),   // lower case is normalised
        ("wf_01M87QGRWS15SQN1W552EXH418", false),   // other kind
        ("org_01M87QGRWS15SQN1W552EXH41", false),   // 25 characters
        ("org_01M87QGRWS15SQN1W552EXH4IU", false),  // I and U are not Crockford
        ("org_81M87QGRWS15SQN1W552EXH418", false),  // more than 128 bits
        ("acme", false),
    ])
    func parses(_ text: String, _ valid: Bool) {
        let id = OrgID(text)
        #expect((id != nil) == valid)
        if let id { #expect(id.rawValue == "org_" + text.dropFirst(4).uppercased()) }
    }
}

@Suite struct InstantTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
        (Int64(1_740_823_620_123), "2025-03-01T10:07:00.123Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
    ])
    func formatsAndParsesRFC3339(_ millis: Int64, _ text: String) {
        let instant = Instant(millisecondsSinceEpoch: millis)
        #expect(instant.rfc3339 == text)
        #expect(Instant(rfc3339: text) == instant)
    }

    @Test(arguments: ["2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-03-01 10:07:00Z", "2025-03-01T10:07:00+01:00", ""])
    func refusesWhatIsNotUTCRFC3339(_ text: String) {
        #expect(Instant(rfc3339: text) == nil)
    }

    @Test func parsesSecondsWithoutFraction() {
        #expect(Instant(rfc3339: "2025-03-01T10:07:00Z")?.millisecondsSinceEpoch == 1_740_823_620_000)
    }

    @Test func fractionsAreCutToMillisecondsAndHostileOnesRefused() {
        #expect(Instant(rfc3339: "2025-03-01T10:07:00.5Z")?.millisecondsSinceEpoch == 1_740_823_620_500)
        #expect(Instant(rfc3339: "2025-03-01T10:07:00.123456789Z")?.millisecondsSinceEpoch == 1_740_823_620_123)
        // 20 digits once overflowed Int while being read, and trapped.
        #expect(Instant(rfc3339: "2025-03-01T10:07:00.12345678901234567890Z") == nil)
        #expect(Instant(rfc3339: "2025-03-01T10:07:00.12x4Z") == nil)
    }
}
