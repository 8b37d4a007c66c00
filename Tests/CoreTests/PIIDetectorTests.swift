import Core
import Testing

/// The personal-data detectors as tables: what each finds, and the near misses it must not
/// (a card number failing Luhn is not a card).
@Suite struct PIIDetectorTests {
    static func kinds(_ text: String) -> [PIIKind] { PIIDetector.find(in: text).map(\.kind) }

    @Test(arguments: [
        ("mail alice.smith+tag@corp.example.com now", PIIKind.email, "alice.smith+tag@corp.example.com"),
        ("card 4111 1111 1111 1111.", .paymentCard, "4111 1111 1111 1111"),
        ("card 5500-0000-0000-0004", .paymentCard, "5500-0000-0000-0004"),
        ("card 4012888888881881", .paymentCard, "4012888888881881"),
        ("iban DE89 3704 0044 0532 0130 00 ok", .iban, "DE89 3704 0044 0532 0130 00"),
        ("iban GB82WEST12345698765432", .iban, "GB82WEST12345698765432"),
        ("host 192.168.10.7:8080", .ipv4, "192.168.10.7"),
        ("v6 2001:db8::1 and", .ipv6, "2001:db8::1"),
        ("v6 fe80::1ff:fe23:4567:890a.", .ipv6, "fe80::1ff:fe23:4567:890a"),
        ("ssn 123-45-6789", .usSSN, "123-45-6789"),
        ("steuer-id 86095742719", .germanTaxID, "86095742719"),
        ("nino AB 12 34 56 C", .ukNINO, "AB 12 34 56 C"),
        ("nino QQ123456C", .ukNINO, ""),
        ("call +49 30 1234567", .phone, "+49 30 1234567"),
        ("call +1 (212) 555-0100 today", .phone, "+1 (212) 555-0100"),
        ("call (212) 555-0100", .phone, "(212) 555-0100"),
        ("call 030 12345678", .phone, "030 12345678"),
    ] as [(String, PIIKind, String)])
    func eachDetectorFindsItsKind(_ text: String, _ kind: PIIKind, _ expected: String) {
        let matches = PIIDetector.find(in: text)
        let bytes = Array(text.utf8)
        let found = matches.filter { $0.kind == kind }.map { String(decoding: bytes[$0.range], as: UTF8.self) }
        if expected.isEmpty {
            #expect(found.isEmpty, "\(text): \(matches)")
        } else {
            #expect(found == [expected], "\(text): \(matches)")
        }
    }

    @Test(arguments: [
        "card 4111 1111 1111 1112",          // fails Luhn
        "order 1234567890123",               // 13 digits, not Luhn-valid
        "iban DE89 3704 0044 0532 0130 01",  // fails mod 97
        "version 1.2.3.4000",                // an octet over 255
        "ssn 000-12-3456", "ssn 666-12-3456", "ssn 912-12-3456", "ssn 123-00-4567", "ssn 123-45-0000",
        "steuer-id 86095742718",             // wrong check digit
        "steuer-id 06095742719",             // starts with 0
        "nino DA123456C", "nino AO123456C", "nino GB123456A", "nino AB123456E",
        "at me@localhost", "at @example.com", "at alice@", "at alice@corp.x",
        "id 123456789",                      // a number without separators is no phone
        "time 12:30:45",                     // not an address
        "word abc4111111111111111",          // inside a word
    ])
    func nearMissesAreNotFound(_ text: String) {
        #expect(PIIDetector.find(in: text).isEmpty, "\(text): \(PIIDetector.find(in: text))")
    }

    @Test func maskingReplacesEachFindingAndCountsIt() {
        let text = "Refund 4111 1111 1111 1111 for bob@corp.example (DE89370400440532013000), twice to bob@corp.example"
        let masked = PIIDetector.mask(text)
        #expect(masked.text == "Refund [payment_card] for [email] ([iban]), twice to [email]")
        #expect(masked.counts == [.paymentCard: 1, .email: 2, .iban: 1])
        #expect(PIIDetector.mask(text, kinds: [.email]).text == "Refund 4111 1111 1111 1111 for [email] (DE89370400440532013000), twice to [email]")
        #expect(PIIDetector.mask("nothing here").counts.isEmpty)
        // Text that is not ASCII around a finding stays as it was.
        #expect(PIIDetector.mask("Zürich: 10.0.0.1 ✓").text == "Zürich: [ipv4] ✓")
    }
}
