import Core
import Testing

@Suite struct TOTPTests {
    // RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", 8 digits.
    static let rfcSecret = Array("12345678901234567890".utf8)

    @Test(arguments: [
        (Int64(59), "94287082"), (Int64(1_111_111_109), "07081804"), (Int64(1_111_111_111), "14050471"),
        (Int64(1_234_567_890), "89005924"), (Int64(2_000_000_000), "69279037"), (Int64(20_000_000_000), "65353130"),
    ])
    func matchesTheRFCVectors(_ seconds: Int64, _ expected: String) {
        let totp = TOTP(secret: Self.rfcSecret, digits: 8)
        #expect(totp.code(step: totp.step(at: Instant(millisecondsSinceEpoch: seconds * 1000))) == expected)
    }

    @Test func sha1MatchesKnownDigests() {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).leftPaddedForTest(2) }.joined() }
        #expect(hex(SHA1.hash(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex(SHA1.hash([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex(SHA1.hash(Array(String(repeating: "a", count: 1000).utf8))) == "291e9a6c66994949b57ba5e650361e98fc36b1ba")
    }

    @Test func acceptsOneStepOfDriftEitherSideAndNoMore() {
        let totp = TOTP(secret: Self.rfcSecret)
        let now = Instant(millisecondsSinceEpoch: 1_700_000_000_000)
        let step = totp.step(at: now)
        for offset in [-1, 0, 1] as [Int64] {
            #expect(totp.matchingStep(totp.code(step: step + offset), at: now, after: nil) == step + offset)
        }
        #expect(totp.matchingStep(totp.code(step: step + 2), at: now, after: nil) == nil)
        #expect(totp.matchingStep(totp.code(step: step - 2), at: now, after: nil) == nil)
    }

    @Test func aCodeWorksOnce() {
        let totp = TOTP(secret: Self.rfcSecret)
        let now = Instant(millisecondsSinceEpoch: 1_700_000_000_000)
        let code = totp.code(step: totp.step(at: now))
        let used = totp.matchingStep(code, at: now, after: nil)
        #expect(used != nil)
        #expect(totp.matchingStep(code, at: now, after: used) == nil)
    }

    @Test(arguments: ["", "12345", "1234567", "abcdef", "１２３４５６"])
    func refusesMalformedCodes(_ code: String) {
        #expect(TOTP(secret: Self.rfcSecret).matchingStep(code, at: Instant(millisecondsSinceEpoch: 0), after: nil) == nil)
    }

    @Test func provisioningURIHasTheBase32Secret() {
        let uri = TOTP(secret: Array("12345678901234567890".utf8)).provisioningURI(account: "alice@acme")
        #expect(uri.hasPrefix("otpauth://totp/agentd:alice%40acme?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=agentd"))
    }
}

extension String {
    func leftPaddedForTest(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
