import AgentSecurity
import Core
import Foundation
import Storage

/// SAML 2.0 logins (docs/sso.md#saml-20): an AuthnRequest over HTTP-Redirect, the IdP's
/// Response posted to the ACS, its signature and claims checked, the assertion used once.
extension SSOService {
    func samlACS(_ name: String) -> String { publicURL.text + "/auth/saml/" + name + "/acs" }

    /// agentd's entityID for a provider unless the admin names one: its metadata URL.
    func samlDefaultEntityID(_ name: String) -> String { publicURL.text + "/auth/saml/" + name + "/metadata" }

    public func samlMetadata(_ name: String) async throws -> String {
        guard let provider = try await store.samlProvider(name) else { throw SSORefusal.unknownProvider(name) }
        return SAMLMessages.spMetadata(entityID: provider.settings.spEntityID, acs: samlACS(name))
    }

    /// Where to send the browser: the IdP's SSO endpoint with the deflated AuthnRequest.
    public func beginSAML(_ name: String, returnTo: String?, poll: String? = nil, loopbackPort: Int? = nil, address: String) async throws -> Start {
        try throttled(address)
        guard let provider = try await store.samlProvider(name) else { throw SSORefusal.unknownProvider(name) }
        let now = clock.now()
        let state = Self.random(32)
        let requestID = SAMLMessages.requestID(random: SecretHasher.randomBytes(20))
        // The request's ID waits where an OIDC login keeps its nonce: InResponseTo must name it.
        try await store.startLogin(provider: name, stateHash: hasher.hash("sso-state:" + state), nonce: requestID, verifier: "saml",
                                   returnTo: SSOLoginRules.returnPath(returnTo), pollHash: poll.map { hasher.hash("sso-poll:" + $0) },
                                   loopbackPort: loopbackPort, now: now)
        let request = SAMLMessages.authnRequest(id: requestID, at: now, destination: provider.settings.ssoURL, acs: samlACS(name),
                                                spEntityID: provider.settings.spEntityID)
        let encoded = Data(try Deflate.raw(Array(request.utf8))).base64EncodedString()
        let separator = provider.settings.ssoURL.contains("?") ? "&" : "?"
        return Start(authorizationURL: provider.settings.ssoURL + separator + OIDCClient.form([("SAMLRequest", encoded), ("RelayState", state)]),
                     state: state)
    }

    /// Completes a SAML login: RelayState must be a started login's (and this browser's, when the
    /// cookie came along; always over https), the Response's signature must verify with the
    /// IdP's certificate, the signed assertion must be for this SP and ACS, answer this login's
    /// request, be within its times and not used before. Refusals are audited.
    public func finishSAML(_ name: String, response: String?, relayState: String?, browserState: String?, client: String,
                           requestID: String?) async throws -> Finish {
        guard let provider = try await store.samlProvider(name) else { throw SSORefusal.unknownProvider(name) }
        guard let relayState, !relayState.isEmpty, relayState.utf8.count <= 200,
              let pending = try await store.takeLogin(provider: name, stateHash: hasher.hash("sso-state:" + relayState), now: clock.now()) else {
            throw SSORefusal.state
        }
        // why optional over http: the IdP's cross-site POST carries a SameSite=None cookie only
        // over https; plain http is for trials and tests (docs/sso.md). A terminal's login is
        // bound by its poll secret and code instead.
        if pending.forTerminal {
            // no browser to bind
        } else if let browserState {
            guard SSOStore.equal(Array(browserState.utf8), Array(relayState.utf8)) else { throw SSORefusal.state }
        } else if publicURL.text.hasPrefix("https://") {
            throw SSORefusal.state
        }
        return try await auditingRefusals(name, org: provider.orgID, requestID: requestID) {
            guard let response, !response.isEmpty else { throw SSORefusal.providerError("no SAMLResponse came back") }
            let assertion: SAMLAssertion
            do {
                (assertion, _) = try SAMLResponseVerifier.verify(base64: response, certificatePEM: provider.settings.certificatePEM)
            } catch let refused as SAMLResponseVerifier.Refused {
                throw SSORefusal.token(refused.reason)
            }
            let now = clock.now()
            // why before the claims: a replayed assertion is then named as one, whatever else is wrong with it.
            guard try await store.firstUse(ofAssertion: assertion.id, provider: name, until: assertion.replayUntil ?? now, now: now) else {
                throw SSORefusal.token("the assertion was used already (replayed)")
            }
            if let refusal = assertion.refusal(idp: provider.settings.idpEntityID, spEntityID: provider.settings.spEntityID, acs: samlACS(name),
                                               requestID: pending.nonce, now: now) {
                throw SSORefusal.token(refusal.reason)
            }
            let settings = provider.settings
            let raw = settings.loginAttribute.flatMap { assertion.attributes[$0]?.first } ?? assertion.nameID
            guard let login = SSOLoginRules.login(fromClaim: raw) else {
                throw SSORefusal.claims("`\(raw.prefix(60))` cannot be an agentd login (a-z 0-9 . _ @ + -): set --login-attribute to one that can")
            }
            let display = assertion.attributes["displayName"]?.first ?? assertion.attributes["name"]?.first ?? login
            let person = SSOStore.Person(subject: assertion.subject(login: login), login: login, displayName: String(display.prefix(200)),
                                         groups: Array((assertion.attributes[settings.groupsAttribute] ?? []).prefix(1000)))
            let membership = try await provisioned(person, into: provider.provisioning, requestID: requestID)
            if pending.forTerminal {
                let code = Self.terminalCode()
                try await store.completeTerminal(stateHash: hasher.hash("sso-state:" + relayState), codeHash: hasher.hash("sso-code:" + code),
                                                 membership: membership)
                return .terminal(code: code, loopbackPort: pending.loopbackPort)
            }
            let (token, session) = try await passwordLogin.openSession(membership, login: login, client: "saml \(name), " + client,
                                                                       ssoProvider: name, requestID: requestID, now: clock.now())
            return .browser(token, session, returnTo: pending.returnTo)
        }
    }

    /// What `agentctl sso test` reports of a SAML provider.
    public struct SAMLTestReport: Sendable, Encodable {
        let provider: String
        let kind = "saml"
        let idpEntityId: String
        let ssoUrl: String
        let spEntityId: String
        let acsUrl: String
        let problems: [String]
    }

    public func testSAML(_ name: String) async throws -> SAMLTestReport {
        guard let provider = try await store.samlProvider(name) else { throw SSORefusal.unknownProvider(name) }
        var problems: [String] = []
        do {
            _ = try await OIDCClient(caFile: nil).status(of: provider.settings.ssoURL)
        } catch let error as OIDCUnavailable {
            problems.append("the IdP's SSO endpoint: \(error.reason)")
        }
        return SAMLTestReport(provider: name, idpEntityId: provider.settings.idpEntityID, ssoUrl: provider.settings.ssoURL,
                              spEntityId: provider.settings.spEntityID, acsUrl: samlACS(name), problems: problems)
    }
}
