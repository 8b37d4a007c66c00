import Core
import Testing

/// The pure rules of single sign-on: group mappings, what they grant, the ID token's claims,
/// PKCE and a provider's settings.
struct SSORulesTests {
    @Test(arguments: [
        ("agentd-admins=admin", SSOMapping(group: "agentd-admins", role: "admin")),
        ("payments-devs=developer@payments", SSOMapping(group: "payments-devs", role: "developer", team: "payments")),
        ("cn=ops,ou=groups=operator", SSOMapping(group: "cn=ops,ou=groups", role: "operator")),
    ])
    func mappingsParse(text: String, expected: SSOMapping) throws {
        #expect(try SSOMapping.parse(text).get() == expected)
        #expect(expected.text == text)
    }

    @Test(arguments: ["admins", "=admin", "admins=", "devs=developer@", String(repeating: "g", count: 257) + "=admin"])
    func badMappingsAreRefused(text: String) {
        guard case .failure(let error) = SSOMapping.parse(text) else { Issue.record("\(text) parsed"); return }
        #expect(error.violations.map(\.field) == ["map"])
    }

    static func permissions(_ role: String) -> Set<Permission>? { Role(rawValue: role)?.permissions }

    @Test func theBroadestRoleWinsAndTeamRolesAreNarrowedToIt() {
        let mappings = [SSOMapping(group: "ops", role: "operator"), SSOMapping(group: "devs", role: "developer"),
                        SSOMapping(group: "pay", role: "developer", team: "payments"), SSOMapping(group: "all", role: "viewer"),
                        SSOMapping(group: "admins", role: "admin"), SSOMapping(group: "ghosts", role: "no-such-role")]
        #expect(SSOGrants.grant(groups: ["all"], mappings: mappings, permissions: Self.permissions) == SSOGrant(orgRole: "viewer", teams: [:]))
        // A team mapping counts for the org role too: a team role can only narrow it.
        #expect(SSOGrants.grant(groups: ["all", "pay"], mappings: mappings, permissions: Self.permissions)
                == SSOGrant(orgRole: "developer", teams: ["payments": "developer"]))
        #expect(SSOGrants.grant(groups: ["admins", "devs", "pay"], mappings: mappings, permissions: Self.permissions)
                == SSOGrant(orgRole: "admin", teams: ["payments": "developer"]))
        // Developer and operator each lack a permission of the other's: the earlier mapping wins,
        // and a team role outside the org role becomes the org role.
        #expect(SSOGrants.grant(groups: ["devs", "ops", "pay"], mappings: mappings, permissions: Self.permissions).orgRole == "operator")
        #expect(SSOGrants.grant(groups: ["devs", "ops", "pay"], mappings: mappings, permissions: Self.permissions).teams == ["payments": "operator"])
        // No mapped group (or only a role the org lacks): no access.
        #expect(SSOGrants.grant(groups: ["ghosts", "nobody"], mappings: mappings, permissions: Self.permissions) == SSOGrant(orgRole: nil, teams: [:]))
        #expect(SSOGrants.grant(groups: [], mappings: mappings, permissions: Self.permissions).orgRole == nil)
    }

    static let now = Instant(millisecondsSinceEpoch: 1_800_000_000_000)
    static func claims(_ change: (inout IDTokenClaims) -> Void = { _ in }) -> IDTokenClaims {
        var claims = IDTokenClaims(issuer: "https://idp.corp.local/realms/main", subject: "u-1", audience: ["agentd"],
                                   expiresAt: now.adding(milliseconds: 300_000), issuedAt: now.adding(milliseconds: -1_000), nonce: "n-1")
        change(&claims)
        return claims
    }

    @Test func anIDTokenIsCheckedForIssuerAudienceTimesAndNonce() {
        func refusal(_ claims: IDTokenClaims, nonce: String? = "n-1") -> IDTokenClaims.Refusal? {
            claims.refusal(issuer: "https://idp.corp.local/realms/main", clientID: "agentd", nonce: nonce, now: Self.now)
        }
        #expect(refusal(Self.claims()) == nil)
        #expect(refusal(Self.claims { $0.issuer = "https://idp.corp.local/realms/other" })
                == .issuer(expected: "https://idp.corp.local/realms/main", got: "https://idp.corp.local/realms/other"))
        #expect(refusal(Self.claims { $0.audience = ["other"] }) == .audience(clientID: "agentd"))
        #expect(refusal(Self.claims { $0.audience = ["agentd", "other"] }) == .authorizedParty, "several audiences need azp")
        #expect(refusal(Self.claims { $0.audience = ["agentd", "other"]; $0.authorizedParty = "agentd" }) == nil)
        #expect(refusal(Self.claims { $0.authorizedParty = "other" }) == .authorizedParty)
        #expect(refusal(Self.claims { $0.expiresAt = Self.now.adding(milliseconds: -60_000) }) == .expired)
        #expect(refusal(Self.claims { $0.expiresAt = Self.now.adding(milliseconds: -59_000) }) == nil, "within the skew")
        #expect(refusal(Self.claims { $0.notBefore = Self.now.adding(milliseconds: 61_000) }) == .notYetValid)
        #expect(refusal(Self.claims { $0.issuedAt = Self.now.adding(milliseconds: 61_000) }) == .issuedInTheFuture)
        #expect(refusal(Self.claims { $0.nonce = "n-2" }) == .nonce)
        #expect(refusal(Self.claims { $0.nonce = nil }) == .nonce)
        #expect(refusal(Self.claims { $0.nonce = nil }, nonce: nil) == nil, "a program's token carries no nonce")
        #expect(refusal(Self.claims { $0.subject = "" }) == .noSubject)
        // A program's access token: agentd's API is its audience, the program its azp.
        let program = Self.claims { $0.audience = ["agentd"]; $0.authorizedParty = "ci-pipeline"; $0.nonce = nil }
        #expect(refusal(program, nonce: nil) == .authorizedParty)
        #expect(program.refusal(issuer: "https://idp.corp.local/realms/main", clientID: "agentd", nonce: nil, now: Self.now, accessToken: true) == nil)
    }

    @Test func claimsAreReadFromAVerifiedPayload() throws {
        let one = try #require(IDTokenClaims(json: ["iss": "https://i", "sub": "u", "aud": "a", "exp": 100, "iat": 40.5, "nonce": "n"]))
        #expect(one.audience == ["a"] && one.expiresAt.millisecondsSinceEpoch == 100_000 && one.issuedAt.millisecondsSinceEpoch == 40_500)
        #expect(one.nonce == "n" && one.notBefore == nil && one.authorizedParty == nil)
        let many = try #require(IDTokenClaims(json: ["iss": "https://i", "sub": "u", "aud": ["a", "b"], "azp": "a", "exp": 100, "iat": 40, "nbf": 39]))
        #expect(many.audience == ["a", "b"] && many.authorizedParty == "a" && many.notBefore?.millisecondsSinceEpoch == 39_000)
        #expect(IDTokenClaims(json: ["sub": "u", "aud": "a", "exp": 100, "iat": 40]) == nil, "no issuer")
        #expect(IDTokenClaims(json: ["iss": "https://i", "sub": "u", "aud": ["a", 1], "exp": 100, "iat": 40]) == nil, "an audience that is not a string")
        #expect(IDTokenClaims(json: ["iss": "https://i", "sub": "u", "aud": "a", "exp": "100", "iat": 40]) == nil, "exp as text")
        #expect(IDTokenClaims(json: .array([])) == nil)
    }

    @Test func pkceMatchesRFC7636sExample() {
        // RFC 7636 appendix B: this verifier's S256 challenge. The digest is passed in; here the
        // appendix's own SHA-256 output stands in for it.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        let digest: [UInt8] = [19, 211, 30, 150, 26, 26, 216, 236, 47, 22, 177, 12, 76, 152, 46, 8, 118, 168, 120, 173, 109, 241,
                               68, 86, 110, 225, 137, 74, 203, 112, 249, 195]
        var hashed: [UInt8] = []
        let challenge = PKCE.challenge(verifier: verifier, sha256: { bytes in
            hashed = bytes
            return digest
        })
        #expect(challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(hashed == Array(verifier.utf8), "the verifier's ASCII bytes are what is hashed")
        #expect(PKCE.verifier(random: Array(repeating: 0xFF, count: 32)).count == 43)
        #expect(PKCE.base64url([0xFB, 0xFF]) == "-_8")
        #expect(PKCE.base64url([]) == "")
    }

    @Test func providerSettingsAreChecked() {
        let good = OIDCProviderSettings(name: "corp", issuer: "https://idp.corp.local/realms/main", clientID: "agentd",
                                        clientSecretPath: "sso/corp", mappings: [SSOMapping(group: "g", role: "admin")])
        #expect(good.violations().isEmpty)
        var local = good
        local.issuer = "http://127.0.0.1:8443/realms/test"
        #expect(local.violations().isEmpty, "plain http to this machine only")
        func fields(_ change: (inout OIDCProviderSettings) -> Void) -> [String] {
            var settings = good
            change(&settings)
            return settings.violations().map(\.field)
        }
        #expect(fields { $0.issuer = "http://idp.corp.local" } == ["issuer"])
        #expect(fields { $0.issuer = "https://user:pw@idp.corp.local" } == ["issuer"])
        #expect(fields { $0.issuer = "idp.corp.local" } == ["issuer"])
        #expect(fields { $0.issuer = "https://idp.corp.local/?x=1" } == ["issuer"])
        #expect(fields { $0.name = "Corp SSO" } == ["name"])
        #expect(fields { $0.clientID = "" } == ["client_id"])
        #expect(fields { $0.clientSecretPath = "/etc/secret" } == ["client_secret_path"])
        #expect(fields { $0.scopes = ["profile"] } == ["scopes"])
        #expect(fields { $0.groupsClaim = "" } == ["groups_claim"])
        #expect(fields { $0.mappings = [] } == ["map"])
    }

    @Test func returnPathsStayOnThisServer() {
        for safe in ["/", "/executions", "/runs?x=1&y=2"] { #expect(SSOLoginRules.returnPath(safe) == safe) }
        for unsafe in ["//evil.example/x", "https://evil.example", "/\\evil.example", "evil", "/a b", "/a\u{0}b", nil] as [String?] {
            #expect(SSOLoginRules.returnPath(unsafe) == "/", "\(unsafe ?? "nil")")
        }
    }

    @Test func loginClaimsBecomeAgentdLogins() {
        #expect(SSOLoginRules.login(fromClaim: "Alice") == "alice")
        #expect(SSOLoginRules.login(fromClaim: "Alice.Smith@Corp.Example") == "alice.smith@corp.example")
        #expect(SSOLoginRules.login(fromClaim: "CORP\\alice") == nil, "a backslash is not in a login")
        #expect(SSOLoginRules.login(fromClaim: "a") == nil)
    }

    @Test func groupsAreReadFlatOrNestedAndProgramsByTheirClaim() throws {
        let claims = try JSONParser.parse(bytes: Array(#"{"groups":["a","b",3],"one":"solo","realm_access":{"roles":["r1"]},"azp":"bot","cid":"okta-bot"}"#.utf8))
        #expect(SSOLoginRules.groups(claims, claim: "groups") == ["a", "b"])
        #expect(SSOLoginRules.groups(claims, claim: "one") == ["solo"])
        #expect(SSOLoginRules.groups(claims, claim: "realm_access.roles") == ["r1"])
        #expect(SSOLoginRules.groups(claims, claim: "missing") == nil)
        #expect(SSOLoginRules.programClient(claims, claim: nil) == "bot")
        #expect(SSOLoginRules.programClient(claims, claim: "cid") == "okta-bot")
        #expect(SSOLoginRules.programClient(claims, claim: "appid") == nil)
    }

    @Test func breakGlassLoginsKeepTheirPasswords() {
        #expect(SSOLoginRules.passwordAllowed(login: "bob", ssoRequired: false, breakGlass: []))
        #expect(!SSOLoginRules.passwordAllowed(login: "bob", ssoRequired: true, breakGlass: ["keeper"]))
        #expect(SSOLoginRules.passwordAllowed(login: "keeper", ssoRequired: true, breakGlass: ["keeper"]))
    }

    @Test func programsParseAsClientEqualsLogin() {
        #expect((try? SSOProgram.parse("reporting-bot=svc-reporting").get()) == SSOProgram(client: "reporting-bot", login: "svc-reporting"))
        #expect((try? SSOProgram.parse("api://x=y=svc").get()) == SSOProgram(client: "api://x=y", login: "svc"))
        for bad in ["nologin", "=svc", "bot=", "bot=Not Valid"] {
            #expect((try? SSOProgram.parse(bad).get()) == nil, "\(bad)")
        }
    }

    @Test func base64urlDecodesWhatItEncodes() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64URL.decode(PKCE.base64url(bytes)) == bytes)
            #expect(Base64URL.decode(PKCE.base64url(bytes) + String(repeating: "=", count: (4 - PKCE.base64url(bytes).count % 4) % 4)) == bytes)
        }
        #expect(Base64URL.decode("a+b/") == nil, "the standard alphabet's + and / are not base64url")
        #expect(Base64URL.decode("abcde") == nil, "an impossible length")
    }

    @Test func aSAMLAssertionIsCheckedForWhoItIsForAndWhen() {
        let now = Instant(millisecondsSinceEpoch: 1_800_000_000_000)
        var assertion = SAMLAssertion(id: "_a1", issuer: "https://idp", nameID: "alice@corp", notBefore: now.adding(milliseconds: -1000),
                                      notOnOrAfter: now.adding(milliseconds: 300_000), audiences: ["urn:sp"], recipient: "https://sp/acs",
                                      confirmationNotOnOrAfter: now.adding(milliseconds: 300_000), inResponseTo: "_r1", attributes: [:])
        func refusal(_ at: Instant = now) -> SAMLAssertion.Refusal? {
            assertion.refusal(idp: "https://idp", spEntityID: "urn:sp", acs: "https://sp/acs", requestID: "_r1", now: at)
        }
        #expect(refusal() == nil)
        #expect(refusal(now.adding(milliseconds: 300_000 + 59_000)) == nil, "within the skew")
        #expect(refusal(now.adding(milliseconds: 300_000 + 60_000)) == .expired)
        #expect(refusal(now.adding(milliseconds: -62_000)) == .notYetValid)
        assertion.inResponseTo = nil
        #expect(refusal() == .inResponseTo, "an unsolicited response is refused")
        assertion.inResponseTo = "_r1"
        assertion.recipient = nil
        #expect(refusal() == .noBearerConfirmation)
        assertion.recipient = "https://sp/acs"
        assertion.audiences = ["urn:other", "urn:sp"]
        #expect(refusal() == nil, "one of several audiences is enough")
        #expect(assertion.subject(login: "alice") == "alice@corp")
        assertion.nameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
        #expect(assertion.subject(login: "alice") == "login:alice", "a transient NameID is not who the person is")
        let whole = SAMLAssertion.instant("2026-12-07T10:00:00Z")?.millisecondsSinceEpoch
        #expect(whole != nil && SAMLAssertion.instant("2026-12-07T10:00:00.1234567Z")?.millisecondsSinceEpoch == whole.map { $0 + 123 },
                "ADFS's seven digits of fractions")
    }

    @Test func anAuthnRequestAndSPMetadataAreEscapedXML() {
        let request = SAMLMessages.authnRequest(id: "_1", at: Instant(millisecondsSinceEpoch: 0), destination: "https://idp/sso?a=1&b=2",
                                                acs: "https://sp/acs", spEntityID: "urn:sp")
        #expect(request.contains("Destination=\"https://idp/sso?a=1&amp;b=2\""))
        #expect(request.contains("IssueInstant=\"1970-01-01T00:00:00Z\""))
        #expect(SAMLMessages.spMetadata(entityID: "urn:\"x\"", acs: "https://sp/acs").contains("entityID=\"urn:&quot;x&quot;\""))
        #expect(SAMLMessages.requestID(random: [0xAB, 0x01]) == "_ab01")
    }
}
