import AgentSecurity
import Client
import Core
import Foundation
import Testing

/// SAML responses' XML signatures, checked by libxmlsec1 through agentd's verifier, against the
/// suite's own SAML IdP (Fixtures/samlidp.py, which signs with Debian's xmlsec1): what verifies,
/// and the forgeries a service provider must refuse, signature wrapping among them.
@Suite struct SAMLVerifierTests {
    static let sp = "http://127.0.0.1:1/saml/sp"
    static let acs = "http://127.0.0.1:1/auth/saml/corp/acs"

    static func idp() async throws -> Upstream {
        try await Upstream(script: "samlidp.py", environment: ["SAML_SP_ENTITY": sp, "SAML_ACS": acs])
    }

    static func issue(_ idp: Upstream, _ kind: String? = nil, request: String = "_req1") async throws -> String {
        let control = AgentClient(endpoint: .url(idp.base))
        if let kind { _ = try await control.call(.POST, "/control/tamper", json: ["kind": kind]) }
        return try #require(try await control.call(.GET, "/control/issue?request_id=\(request)").json?["response"] as? String)
    }

    static func certificate(_ idp: Upstream) async throws -> String {
        try #require(try await AgentClient(endpoint: .url(idp.base)).call(.GET, "/control/certificate").json?["pem"] as? String)
    }

    static var now: Instant { Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)) }

    @Test func aSignedAssertionOrResponseVerifiesAndItsClaimsAreRead() async throws {
        let idp = try await Self.idp()
        let pem = try await Self.certificate(idp)
        for kind in [nil, "sign_response"] as [String?] {
            let (assertion, signed) = try SAMLResponseVerifier.verify(base64: try await Self.issue(idp, kind), certificatePEM: pem)
            #expect(signed == (kind == nil ? "Assertion" : "Response"))
            #expect(assertion.issuer == idp.base)
            #expect(assertion.nameID == "alice@corp.example")
            #expect(assertion.audiences == [Self.sp])
            #expect(assertion.attributes["groups"] == ["staff"] && assertion.attributes["uid"] == ["alice"])
            #expect(assertion.refusal(idp: idp.base, spEntityID: Self.sp, acs: Self.acs, requestID: "_req1", now: Self.now) == nil)
            #expect(assertion.replayUntil != nil)
        }
    }

    @Test func forgeriesAreRefusedByTheSignatureCheck() async throws {
        let idp = try await Self.idp()
        let pem = try await Self.certificate(idp)
        for (kind, expected) in [("unsigned", "nor the response is signed"), ("modified", "does not verify"), ("other_key", "does not verify"),
                                 ("wrapping", "nor the response is signed")] {
            let response = try await Self.issue(idp, kind)
            do {
                _ = try SAMLResponseVerifier.verify(base64: response, certificatePEM: pem)
                Issue.record("\(kind) was accepted")
            } catch {
                #expect(error.reason.contains(expected), "\(kind): \(error.reason)")
            }
        }
        // Not base64, not XML, a DOCTYPE (entities), two assertions.
        for (text, expected) in [("%%%", "base64"), (Data("<nope".utf8).base64EncodedString(), "well-formed"),
                                 (Data(#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>"#.utf8).base64EncodedString(), "DOCTYPE")] {
            do {
                _ = try SAMLResponseVerifier.verify(base64: text, certificatePEM: pem)
                Issue.record("\(expected) was accepted")
            } catch {
                #expect(error.reason.contains(expected), "\(error.reason)")
            }
        }
        let genuine = String(decoding: try #require(Data(base64Encoded: try await Self.issue(idp))), as: UTF8.self)
        let assertionStart = try #require(genuine.range(of: "<saml:Assertion"))
        let assertionEnd = try #require(genuine.range(of: "</saml:Assertion>"))
        let copy = String(genuine[assertionStart.lowerBound..<assertionEnd.upperBound])
        let doubled = genuine.replacingOccurrences(of: "</samlp:Response>", with: copy + "</samlp:Response>")
        do {
            _ = try SAMLResponseVerifier.verify(base64: Data(doubled.utf8).base64EncodedString(), certificatePEM: pem)
            Issue.record("two assertions were accepted")
        } catch {
            #expect(error.reason.contains("exactly one Assertion"), "\(error.reason)")
        }
    }

    @Test func theAssertionsClaimsAreCheckedForWhoItIsForAndWhen() async throws {
        let idp = try await Self.idp()
        let pem = try await Self.certificate(idp)
        func refusal(_ kind: String, request: String = "_req1") async throws -> SAMLAssertion.Refusal? {
            let (assertion, _) = try SAMLResponseVerifier.verify(base64: try await Self.issue(idp, kind, request: request), certificatePEM: pem)
            return assertion.refusal(idp: idp.base, spEntityID: Self.sp, acs: Self.acs, requestID: request, now: Self.now)
        }
        #expect(try await refusal("wrong_audience") == .audience(Self.sp))
        #expect(try await refusal("wrong_recipient") == .recipient(Self.acs))
        #expect(try await refusal("expired") == .expired)
        #expect(try await refusal("not_yet_valid") == .notYetValid)
        #expect(try await refusal("wrong_in_response_to") == .inResponseTo)
        #expect(try await refusal("wrong_issuer") == .issuer(expected: idp.base, got: idp.base + "/other"))
    }
}

/// SAML 2.0 logins through the daemon: SP metadata, the AuthnRequest over HTTP-Redirect, the
/// IdP's Response posted to the ACS, roles from attributes, and every refusal.
@Suite(.serialized) struct SAMLLoginTests {
    static func withProvider(_ body: (TestDaemon, Upstream, String) async throws -> Void) async throws {
        try await TestDaemon.run { daemon in
            let base = "http://127.0.0.1:\(daemon.tcpPort)"
            let idp = try await Upstream(script: "samlidp.py", environment: ["SAML_SP_ENTITY": base + "/auth/saml/adfs/metadata",
                                                                              "SAML_ACS": base + "/auth/saml/adfs/acs"])
            let metadata = String(decoding: try await AgentClient(endpoint: .url(idp.base)).send(.GET, "/metadata").body, as: UTF8.self)
            let created = try #require(try await daemon.socket.call(.POST, "/api/v1/sso/providers", json: [
                "kind": "saml", "name": "adfs", "metadata": metadata, "login_attribute": "uid",
                "map": ["agentd-admins=admin", "staff=viewer"],
            ]).json)
            #expect(created["acs_url"] as? String == base + "/auth/saml/adfs/acs")
            #expect(created["idp_entity_id"] as? String == idp.base)
            try await body(daemon, idp, base)
        }
    }

    /// Login → IdP → the form's POST to the ACS; the ACS's answer, and the posted fields.
    static func signIn(_ browser: SSOBrowser, _ base: String) async throws -> (SSOBrowser.Page, [(String, String)]) {
        let start = try await browser.get(base + "/auth/login/adfs?return_to=/approvals")
        try #require(start.status == 302, "\(start.body)")
        let idpPage = try await browser.get(try #require(start.location))
        try #require(idpPage.status == 200, "the IdP refused the AuthnRequest: \(idpPage.body)")
        let form = try #require(SSOBrowser.form(idpPage))
        return (try await browser.post(form.action, form: form.fields), form.fields)
    }

    static func person(_ idp: Upstream, uid: String, groups: [String]) async throws {
        _ = try await AgentClient(endpoint: .url(idp.base)).call(.POST, "/control/person", json: [
            "name_id": "\(uid)@corp.example", "attributes": ["uid": [uid], "groups": groups, "displayName": ["\(uid) from ADFS"]],
        ])
    }

    @Test func aPersonSignsInThroughASAMLIdP() async throws {
        try await Self.withProvider { daemon, idp, base in
            let metadata = String(decoding: try await SSOBrowser().get(base + "/auth/saml/adfs/metadata").body.utf8, as: UTF8.self)
            #expect(metadata.contains("entityID=\"\(base)/auth/saml/adfs/metadata\"") && metadata.contains("Location=\"\(base)/auth/saml/adfs/acs\""))

            try await Self.person(idp, uid: "Erin", groups: ["staff", "agentd-admins"])
            let browser = SSOBrowser()
            let (page, fields) = try await Self.signIn(browser, base)
            #expect(page.status == 200, "\(page.body)")
            #expect(page.body.contains("url=/approvals"))
            let session = try #require(browser.cookies["agentd_session"])
            let me = try #require(try await SSOTests.whoami(daemon, session: session).json)
            #expect(me["login"] as? String == "erin" && me["roles"] as? [String] == ["admin"], "\(me)")
            #expect(try await daemon.socket.call(.GET, "/api/v1/users/erin").json?["display_name"] as? String == "Erin from ADFS")

            // The same Response again, with a new login's RelayState: the assertion was used.
            let again = SSOBrowser()
            let start = try await again.get(base + "/auth/login/adfs")
            let startLocation = try #require(start.location)
            let relay = try #require(SSOBrowser.query(startLocation, "RelayState"))
            let replayed = try await again.post(base + "/auth/saml/adfs/acs", form: fields.map { $0.0 == "RelayState" ? ($0.0, relay) : $0 })
            #expect(replayed.status == 401 && (replayed.body.contains("replayed")), "\(replayed.body)")

            // Groups change: viewer at the next login.
            try await Self.person(idp, uid: "Erin", groups: ["staff"])
            let second = SSOBrowser()
            #expect(try await Self.signIn(second, base).0.status == 200)
            let secondSession = try #require(second.cookies["agentd_session"])
            #expect(try await SSOTests.whoami(daemon, session: secondSession).json?["roles"] as? [String] == ["viewer"])
        }
    }

    @Test func aTerminalLogsInThroughASAMLIdP() async throws {
        try await Self.withProvider { daemon, idp, base in
            try await Self.person(idp, uid: "gina", groups: ["staff"])
            let start = try #require(try await daemon.tcp.call(.POST, "/api/v1/sso/adfs/terminal-logins", json: ["loopback_port": 45679]).json)
            let browser = SSOBrowser()
            let idpPage = try await browser.get(try #require(start["authorization_url"] as? String))
            let form = try #require(SSOBrowser.form(idpPage))
            let back = try await browser.post(form.action, form: form.fields)
            #expect(back.status == 303, "\(back.body)")
            let loopback = try #require(back.location)
            #expect(loopback.hasPrefix("http://127.0.0.1:45679/agentd-sso?code="))
            #expect(browser.cookies["agentd_session"] == nil)
            let finished = try await daemon.tcp.send(.POST, "/api/v1/sso/terminal-logins/finish", body: try JSONSerialization.data(withJSONObject: [
                "poll": try #require(start["poll"] as? String), "code": try #require(SSOBrowser.query(loopback, "code")),
            ]))
            #expect(finished.status == 201, "\(String(decoding: finished.body, as: UTF8.self))")
            var client = daemon.tcp
            client.bearerToken = try #require(finished.json?["token"] as? String)
            #expect(try await client.call(.GET, "/api/v1/whoami").json?["login"] as? String == "gina")
        }
    }

    @Test func forgedMisdirectedAndStaleResponsesOpenNoSession() async throws {
        try await Self.withProvider { daemon, idp, base in
            try await Self.person(idp, uid: "mallory", groups: ["agentd-admins"])
            let control = AgentClient(endpoint: .url(idp.base))
            for kind in ["unsigned", "modified", "other_key", "wrapping", "wrong_audience", "wrong_recipient", "expired", "not_yet_valid",
                         "wrong_issuer", "wrong_in_response_to"] {
                _ = try await control.call(.POST, "/control/tamper", json: ["kind": kind])
                let browser = SSOBrowser()
                let (page, _) = try await Self.signIn(browser, base)
                #expect(page.status == 401 && SSOTests.problem(page) == "sso_failed", "\(kind): \(page.status) \(page.body)")
                #expect(browser.cookies["agentd_session"] == nil, "\(kind)")
            }
            #expect(try await daemon.socket.send(.GET, "/api/v1/users/mallory").status == 404)
            let refusals = try #require(try await daemon.socket.call(.GET, "/api/v1/audit?action=sso.login_refused").json?["items"] as? [[String: Any]])
            #expect(refusals.count == 10, "\(refusals.count)")
            // Another browser's RelayState; no RelayState; not a form.
            let start = try await SSOBrowser().get(base + "/auth/login/adfs")
            let startLocation = try #require(start.location)
            let form = try #require(SSOBrowser.form(try await SSOBrowser().get(startLocation)))
            let otherBrowser = SSOBrowser()
            otherBrowser.cookies["agentd_saml_state"] = "not-this-one"
            #expect(try await otherBrowser.post(form.action, form: form.fields).status == 400)
            #expect(try await SSOBrowser().post(base + "/auth/saml/adfs/acs", form: [("SAMLResponse", "x")]).status == 400)
            let json = try await daemon.tcp.send(.POST, "/auth/saml/adfs/acs", body: Data("{}".utf8))
            #expect(json.status == 415)
        }
    }

    @Test func anAdminAddsASAMLProviderWithAgentctl() async throws {
        try await TestDaemon.run { daemon in
            let base = "http://127.0.0.1:\(daemon.tcpPort)"
            let idp = try await Upstream(script: "samlidp.py", environment: ["SAML_SP_ENTITY": "urn:agentd:test", "SAML_ACS": base + "/auth/saml/adfs/acs"])
            let file = NSTemporaryDirectory() + "idp-\(UUID().uuidString).xml"
            try await AgentClient(endpoint: .url(idp.base)).send(.GET, "/metadata").body.write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let agentctl = TestDaemon.binaries + "/agentctl"
            let socket = ["--socket", daemon.socketPath]
            let added = try await runProgram(agentctl, ["sso", "add", "saml", "adfs", "--metadata-file", file, "--sp-entity-id", "urn:agentd:test",
                                                        "--map", "staff=viewer"] + socket)
            #expect(added.status == 0 && added.stdout.contains(base + "/auth/saml/adfs/acs"), "\(added.stdout) \(added.stderr)")
            let metadata = try await runProgram(agentctl, ["sso", "sp-metadata", "adfs"] + socket)
            #expect(metadata.stdout.contains("entityID=\"urn:agentd:test\""), "\(metadata.stdout)")
            let tested = try await runProgram(agentctl, ["sso", "test", "adfs"] + socket)
            #expect(tested.status == 0 && tested.stdout.contains("ok: people can log in"), "\(tested.stdout) \(tested.stderr)")
            let notMetadata = NSTemporaryDirectory() + "bad-\(UUID().uuidString).xml"
            try Data("<nope/>".utf8).write(to: URL(fileURLWithPath: notMetadata))
            defer { try? FileManager.default.removeItem(atPath: notMetadata) }
            let bad = try await runProgram(agentctl, ["sso", "add", "saml", "other", "--metadata-file", notMetadata, "--map", "staff=viewer"] + socket)
            #expect(bad.status != 0 && bad.stderr.contains("metadata"), "\(bad.stderr)")
            let listed = try await runProgram(agentctl, ["sso", "list"] + socket)
            #expect(listed.stdout.contains("adfs") && listed.stdout.contains("saml"), "\(listed.stdout)")
        }
    }
}
