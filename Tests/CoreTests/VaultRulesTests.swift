import Core
import Testing

@Suite struct SecretPathTests {
    @Test(arguments: ["payments/sfdc", "a", "db.main/password_2", "x-y/z"])
    func acceptsGoodPaths(_ path: String) { #expect(SecretRules.checkPath(path) == nil) }

    @Test(arguments: ["", "/lead", "trail/", "dou//ble", "up/../etc", "Caps", "sp ace", String(repeating: "a", count: 201)])
    func refusesBadPaths(_ path: String) { #expect(SecretRules.checkPath(path) != nil) }

    @Test func associatedDataBindsEveryPart() {
        let org = OrgID.generate(at: Instant(millisecondsSinceEpoch: 1))
        let base = SecretRef(orgID: org, environment: .prod, path: "payments/sfdc", version: 1)
        let others = [
            SecretRef(orgID: OrgID.generate(at: Instant(millisecondsSinceEpoch: 2)), environment: .prod, path: "payments/sfdc", version: 1),
            SecretRef(orgID: org, environment: .dev, path: "payments/sfdc", version: 1),
            SecretRef(orgID: org, environment: .prod, path: "payments/sfdc2", version: 1),
            SecretRef(orgID: org, environment: .prod, path: "payments/sfdc", version: 2),
        ]
        for other in others { #expect(other.associatedData != base.associatedData) }
    }
}

@Suite struct ScrubberTests {
    let scrubber = Scrubber([.init(path: "db/password", value: "s3cr\"et/pass"), .init(path: "short", value: "ab")])

    @Test func replacesRawValues() {
        #expect(scrubber.scrub("login with s3cr\"et/pass now") == "login with [secret:db/password] now")
    }

    @Test func replacesJSONEscapedValues() {
        #expect(scrubber.scrub(#"{"password":"s3cr\"et/pass"}"#) == #"{"password":"[secret:db/password]"}"#)
    }

    @Test func replacesValuesWhoseSlashesAnEncoderEscaped() {
        #expect(scrubber.scrub(#"{"password":"s3cr\"et\/pass"}"#) == #"{"password":"[secret:db/password]"}"#)
    }

    @Test func replacesBase64InBothAlphabetsWithAndWithoutPadding() {
        // base64("s3cr\"et/pass") = czNjciJldC9wYXNz
        #expect(scrubber.scrub("Authorization: Basic czNjciJldC9wYXNz") == "Authorization: Basic [secret:db/password]")
        let padded = Scrubber([.init(path: "k", value: "abcde")])  // YWJjZGU=
        #expect(padded.scrub("x YWJjZGU= y") == "x [secret:k] y")
        #expect(padded.scrub("x YWJjZGU y") == "x [secret:k] y")
    }

    @Test func leavesShortValuesAndOtherTextAlone() {
        #expect(scrubber.scrub("ab cd ab") == "ab cd ab")
        #expect(scrubber.scrub("nothing secret here") == "nothing secret here")
    }
}
