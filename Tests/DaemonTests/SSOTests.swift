import Client
import Foundation
import Testing

/// OpenID Connect single sign-on against the suite's own provider on loopback
/// (Fixtures/oidcprovider.py), over real HTTP both ways: a browser's login through the IdP,
/// group → role sync at every login, deprovisioning, forged and replayed answers, key rotation,
/// an org that requires SSO, a terminal's login, and programs' bearer tokens.
@Suite(.serialized) struct SSOTests {
    /// A daemon, and an IdP that knows its redirect URI, with provider `corp` for org `default`:
    /// admins, payments developers (a team), staff viewers; program `agentd` as svc-reporting.
    static func withProvider(alg: String = "RS256", _ body: (TestDaemon, Upstream) async throws -> Void) async throws {
        try await TestDaemon.run { daemon in
            let base = "http://127.0.0.1:\(daemon.tcpPort)"
            let idp = try await Upstream(script: "oidcprovider.py", environment: ["OIDC_REDIRECT_URIS": base + "/auth/callback/corp", "OIDC_ALG": alg])
            _ = try await daemon.socket.call(.POST, "/api/v1/teams", json: ["name": "payments"])
            _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": "svc-reporting", "role": "operator"])
            _ = try await daemon.socket.call(.PUT, "/api/v1/secrets", json: ["environment": "prod", "path": "sso/corp", "value": "s3cret"])
            let created = try await daemon.socket.call(.POST, "/api/v1/sso/providers", json: [
                "name": "corp", "issuer": idp.base, "client_id": "agentd", "client_secret_path": "sso/corp",
                "map": ["agentd-admins=admin", "payments-devs=developer@payments", "staff=viewer"],
                "api_audience": "agentd-api", "programs": ["agentd=svc-reporting"],
            ])
            #expect(created.json?["redirect_uri"] as? String == base + "/auth/callback/corp")
            try await body(daemon, idp)
        }
    }

    static func person(_ idp: Upstream, sub: String = "u-1", login: String = "Alice", groups: [String]) async throws {
        _ = try await AgentClient(endpoint: .url(idp.base)).call(.POST, "/control/person", json: [
            "sub": sub, "preferred_username": login, "email": "\(login.lowercased())@corp.example", "name": "\(login) Example", "groups": groups,
        ])
    }

    static func whoami(_ daemon: TestDaemon, session: String) async throws -> ClientResponse {
        try await daemon.tcp.send(.GET, "/api/v1/whoami", headers: [("Cookie", "agentd_session=\(session)")])
    }

    static func problem(_ page: SSOBrowser.Page) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])?["code"] as? String
    }

    @Test func aPersonSignsInThroughTheIdPAndTheirRolesFollowTheirGroups() async throws {
        try await Self.withProvider { daemon, idp in
            let base = "http://127.0.0.1:\(daemon.tcpPort)"
            let test = try #require(try await daemon.socket.call(.POST, "/api/v1/sso/providers/corp/test").json)
            #expect(test["problems"] as? [String] == [], "\(test)")
            #expect((test["key_ids"] as? [String])?.count == 1)
            #expect(test["client_secret"] as? String == "present")

            // First login: the user is made (login lower-cased), developer (broadest of viewer and
            // developer), and developer in team payments.
            try await Self.person(idp, groups: ["staff", "payments-devs", "unmapped"])
            let browser = SSOBrowser()
            let start = try await browser.get(base + "/auth/login/corp?return_to=/executions")
            let authorize = try #require(start.location)
            #expect(authorize.hasPrefix(idp.base + "/authorize?"))
            #expect(SSOBrowser.query(authorize, "code_challenge_method") == "S256")
            #expect(SSOBrowser.query(authorize, "redirect_uri") == base + "/auth/callback/corp")
            #expect(browser.cookies["agentd_sso_state"] == SSOBrowser.query(authorize, "state"))
            let callback = try #require(try await browser.get(authorize).location)
            let back = try await browser.get(callback)
            #expect(back.status == 200, "\(back.body)")
            #expect(back.body.contains("url=/executions"))
            let session = try #require(browser.cookies["agentd_session"])
            #expect(browser.cookies["agentd_sso_state"] == nil, "the state cookie is cleared: \(back.setCookies)")
            let me = try #require(try await Self.whoami(daemon, session: session).json)
            #expect(me["login"] as? String == "alice")
            #expect(me["roles"] as? [String] == ["developer"])
            let team = try #require(try await daemon.socket.call(.GET, "/api/v1/teams/payments").json)
            let members = try #require(team["members"] as? [[String: Any]])
            #expect(members.contains { $0["login"] as? String == "alice" && $0["role"] as? String == "developer" })
            let user = try #require(try await daemon.socket.call(.GET, "/api/v1/users/alice").json)
            #expect(user["display_name"] as? String == "Alice Example")

            // The same callback again, state cookie and all: its state was used.
            browser.cookies["agentd_sso_state"] = SSOBrowser.query(authorize, "state")
            let replayed = try await browser.get(callback)
            #expect(replayed.status == 400 && Self.problem(replayed) == "sso_failed", "\(replayed.status) \(replayed.body)")

            // Groups change at the IdP: at the next login, viewer, and out of the team.
            try await Self.person(idp, groups: ["staff"])
            let second = SSOBrowser()
            #expect(try await second.signIn(base).status == 200)
            let secondSession = try #require(second.cookies["agentd_session"])
            let viewer = try #require(try await Self.whoami(daemon, session: secondSession).json)
            #expect(viewer["roles"] as? [String] == ["viewer"])
            let after = try #require(try await daemon.socket.call(.GET, "/api/v1/teams/payments").json?["members"] as? [[String: Any]])
            #expect(!after.contains { $0["login"] as? String == "alice" })
            let synced = try #require(try await daemon.socket.call(.GET, "/api/v1/audit?action=sso.roles_synced").json?["items"] as? [[String: Any]])
            #expect(synced.count == 2, "first login and the change: \(synced)")

            // No mapped group: refused, and the membership goes; her sessions in the org end.
            try await Self.person(idp, groups: ["unmapped"])
            let third = SSOBrowser()
            let refused = try await third.signIn(base)
            #expect(refused.status == 403 && Self.problem(refused) == "sso_no_role", "\(refused.body)")
            #expect(third.cookies["agentd_session"] == nil)
            #expect(try await Self.whoami(daemon, session: session).status == 401)
            let gone = try await daemon.socket.send(.GET, "/api/v1/users/alice")
            #expect((gone.json?["memberships"] as? [Any])?.isEmpty ?? true, "\(gone.json ?? [:])")
            let deprovisioned = try #require(try await daemon.socket.call(.GET, "/api/v1/audit?action=sso.deprovisioned").json?["items"] as? [[String: Any]])
            #expect(deprovisioned.count == 1)

            // Back in a group: access again, as admin.
            try await Self.person(idp, groups: ["agentd-admins"])
            let fourth = SSOBrowser()
            #expect(try await fourth.signIn(base).status == 200)
            let fourthSession = try #require(fourth.cookies["agentd_session"])
            #expect(try await Self.whoami(daemon, session: fourthSession).json?["roles"] as? [String] == ["admin"])

            // Logout gives the IdP's end-session URL.
            var client = daemon.tcp
            client.bearerToken = try #require(fourth.cookies["agentd_session"])
            let logout = try #require(try await client.call(.POST, "/api/v1/sso/logout").json)
            #expect((logout["end_session_url"] as? String)?.hasPrefix(idp.base + "/logout?client_id=agentd&post_logout_redirect_uri=") == true)
            #expect(try await client.send(.GET, "/api/v1/whoami").status == 401)
        }
    }

    @Test func forgedTamperedAndMisdirectedAnswersOpenNoSession() async throws {
        try await Self.withProvider { daemon, idp in
            let base = "http://127.0.0.1:\(daemon.tcpPort)"
            try await Self.person(idp, sub: "u-2", login: "mallory", groups: ["agentd-admins"])
            let control = AgentClient(endpoint: .url(idp.base))
            for kind in ["alg_none", "hs256", "wrong_aud", "wrong_iss", "expired", "bad_signature", "wrong_nonce"] {
                _ = try await control.call(.POST, "/control/tamper", json: ["kind": kind])
                let browser = SSOBrowser()
                let page = try await browser.signIn(base)
                #expect(page.status == 401 && Self.problem(page) == "sso_failed", "\(kind): \(page.status) \(page.body)")
                #expect(browser.cookies["agentd_session"] == nil, "\(kind)")
            }
            #expect(try await daemon.socket.send(.GET, "/api/v1/users/mallory").status == 404, "no user was made")
            let refusals = try #require(try await daemon.socket.call(.GET, "/api/v1/audit?action=sso.login_refused").json?["items"] as? [[String: Any]])
            #expect(refusals.count == 7, "each refusal is audited, with its reason: \(refusals)")
            #expect(refusals.allSatisfy { ($0["outcome"] as? String) == "denied" })

            // Another browser's state (login CSRF): the callback without this browser's cookie.
            let victim = SSOBrowser()
            let start = try await SSOBrowser().get(base + "/auth/login/corp")
            let startURL = try #require(start.location)
            let otherCallback = try #require(try await SSOBrowser().get(startURL).location)
            let back = try await SSOBrowser().get(otherCallback)
            _ = victim
            #expect(back.status == 400 && Self.problem(back) == "sso_failed")
            // The IdP's own refusal, an unknown provider, a state never issued.
            let denied = try await SSOBrowser().get(base + "/auth/callback/corp?error=access_denied&state=nothing")
            #expect(denied.status == 400, "an unknown state is refused before anything else")
            #expect(try await SSOBrowser().get(base + "/auth/login/nope").status == 404)
            #expect(try await SSOBrowser().get(base + "/auth/callback/corp?code=x").status == 400)

            // The IdP rotates its key and drops the old one: agentd fetches the new JWKS once.
            _ = try await control.call(.POST, "/control/rotate", json: ["drop_old": true])
            let rotated = SSOBrowser()
            let page = try await rotated.signIn(base)
            #expect(page.status == 200, "\(page.body)")
            let rotatedSession = try #require(rotated.cookies["agentd_session"])
            #expect(try await Self.whoami(daemon, session: rotatedSession).json?["login"] as? String == "mallory")

            // A local user of the same login is not taken over.
            _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": "root-like", "role": "viewer"])
            try await Self.person(idp, sub: "u-3", login: "root-like", groups: ["agentd-admins"])
            let taken = try await SSOBrowser().signIn(base)
            #expect(taken.status == 409 && Self.problem(taken) == "sso_login_taken", "\(taken.body)")
        }
    }

    @Test func claimsTheIDTokenLacksComeFromUserinfo() async throws {
        try await Self.withProvider { daemon, idp in
            let base = "http://127.0.0.1:\(daemon.tcpPort)"
            let provider = try #require(try await daemon.socket.call(.GET, "/api/v1/sso/providers/corp").json)
            _ = try await daemon.socket.call(.PUT, "/api/v1/sso/providers/corp", json: [
                "issuer": provider["issuer"]!, "client_id": "agentd", "client_secret_path": "sso/corp", "groups_claim": "roles",
                "map": ["agentd-admins=admin"],
            ])
            _ = try await AgentClient(endpoint: .url(idp.base)).call(.POST, "/control/person", json: [
                "sub": "u-5", "preferred_username": "frank", "email": "frank@corp.example", "name": "Frank", "groups": [],
                "roles": ["agentd-admins"],
            ])
            let browser = SSOBrowser()
            #expect(try await browser.signIn(base).status == 200)
            let session = try #require(browser.cookies["agentd_session"])
            #expect(try await Self.whoami(daemon, session: session).json?["roles"] as? [String] == ["admin"])
            let calls = try #require(try await AgentClient(endpoint: .url(idp.base)).call(.GET, "/control/calls").json)
            #expect(calls["userinfo"] as? Int == 1, "\(calls)")
        }
    }

    @Test func anOrgThatRequiresSSORefusesPasswordsExceptBreakGlass() async throws {
        try await Self.withProvider { daemon, _ in
            for (login, role) in [("keeper", "admin"), ("bob", "developer")] {
                _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": login, "role": role])
                _ = try await daemon.socket.call(.PUT, "/api/v1/users/\(login)/password", json: ["password": "correct horse battery staple \(login.count)x"])
            }
            // A break-glass list without an admin who has a password is refused.
            let weak = try await daemon.socket.send(.PUT, "/api/v1/orgs/default/sso", body: Data(#"{"required":true,"break_glass":["bob"]}"#.utf8))
            #expect(weak.status == 422, "\(String(decoding: weak.body, as: UTF8.self))")
            let set = try #require(try await daemon.socket.call(.PUT, "/api/v1/orgs/default/sso", json: ["required": true, "break_glass": ["keeper"]]).json)
            #expect(set["providers"] as? [String] == ["corp"])
            let bob = try await daemon.tcp.send(.POST, "/api/v1/login", body: Data(#"{"login":"bob","password":"correct horse battery staple 3x"}"#.utf8))
            #expect(bob.status == 403)
            #expect(bob.json?["code"] as? String == "sso_required")
            #expect((bob.json?["detail"] as? String)?.contains("/auth/login/corp") == true)
            let wrong = try await daemon.tcp.send(.POST, "/api/v1/login", body: Data(#"{"login":"bob","password":"wrong"}"#.utf8))
            #expect(wrong.status == 401, "a wrong password is still just wrong")
            let keeper = try await daemon.tcp.send(.POST, "/api/v1/login", body: Data(#"{"login":"keeper","password":"correct horse battery staple 6x"}"#.utf8))
            #expect(keeper.status == 201)
            let audit = try #require(try await daemon.socket.call(.GET, "/api/v1/audit?action=sso.requirement_changed").json?["items"] as? [[String: Any]])
            #expect(audit.count == 1)
        }
    }

    @Test func aTerminalLogsInWithTheCodeTheBrowserBringsBack() async throws {
        try await Self.withProvider { daemon, idp in
            try await Self.person(idp, sub: "u-9", login: "carol", groups: ["staff"])
            let start = try #require(try await daemon.tcp.call(.POST, "/api/v1/sso/corp/terminal-logins").json)
            let url = try #require(start["authorization_url"] as? String)
            let poll = try #require(start["poll"] as? String)
            let browser = SSOBrowser()
            let firstCallback = try #require(try await browser.get(url).location)
            let page = try await browser.get(firstCallback)
            #expect(page.status == 200)
            #expect(browser.cookies["agentd_session"] == nil, "the browser gets no session: the terminal does")
            let code = try #require(page.body.range(of: #"[0-9A-Z]{5}-[0-9A-Z]{5}"#, options: .regularExpression).map { String(page.body[$0]) })
            let wrongCode = try await daemon.tcp.send(.POST, "/api/v1/sso/terminal-logins/finish", body: Data(#"{"poll":"\#(poll)","code":"AAAAA-AAAAA"}"#.utf8))
            #expect(wrongCode.status == 404, "a wrong code ends the login")
            // Again, this time with the right code.
            let again = try #require(try await daemon.tcp.call(.POST, "/api/v1/sso/corp/terminal-logins", json: ["loopback_port": 45678]).json)
            let second = SSOBrowser()
            let againURL = try #require(again["authorization_url"] as? String)
            let againCallback = try #require(try await second.get(againURL).location)
            let redirect = try await second.get(againCallback)
            #expect(redirect.status == 303)
            let loopback = try #require(redirect.location)
            #expect(loopback.hasPrefix("http://127.0.0.1:45678/agentd-sso?code="))
            let finished = try await daemon.tcp.send(.POST, "/api/v1/sso/terminal-logins/finish", body: Data(
                #"{"poll":"\#(again["poll"] as! String)","code":"\#(SSOBrowser.query(loopback, "code")!.lowercased())"}"#.utf8))
            #expect(finished.status == 201, "\(String(decoding: finished.body, as: UTF8.self))")
            var client = daemon.tcp
            client.bearerToken = try #require(finished.json?["token"] as? String)
            #expect(try await client.call(.GET, "/api/v1/whoami").json?["login"] as? String == "carol")
            let reused = try await daemon.tcp.send(.POST, "/api/v1/sso/terminal-logins/finish", body: Data(
                #"{"poll":"\#(again["poll"] as! String)","code":"\#(SSOBrowser.query(loopback, "code")!)"}"#.utf8))
            #expect(reused.status == 404, "once only")
            _ = code
        }
    }

    @Test(arguments: ["RS256", "ES256"])
    func aProgramCallsWithItsIdPTokenAsItsServiceAccount(alg: String) async throws {
        try await Self.withProvider(alg: alg) { daemon, idp in
            let token = try await SignedTokenTests.token(idp)
            var program = daemon.tcp
            program.bearerToken = token
            let me = try #require(try await program.call(.GET, "/api/v1/whoami").json)
            #expect(me["login"] as? String == "svc-reporting")
            #expect(me["roles"] as? [String] == ["operator"])
            // A program is not a person: self-service routes refuse it.
            let password = try await program.send(.PUT, "/api/v1/users/svc-reporting/password", body: Data(#"{"password":"a long enough password"}"#.utf8))
            #expect(password.status == 403, "\(String(decoding: password.body, as: UTF8.self))")

            // Tampered payload, wrong algorithm, unknown issuer: 401, saying why.
            let parts = token.split(separator: ".").map(String.init)
            var forged = program
            forged.bearerToken = parts[0] + "." + parts[1].dropLast(2) + "Q" + "." + parts[2]
            #expect(try await forged.send(.GET, "/api/v1/whoami").status == 401)
            forged.bearerToken = SignedTokenTests.reheader(token, ["alg": "none", "typ": "JWT"])
            let none = try await forged.send(.GET, "/api/v1/whoami")
            #expect(none.status == 401 && (none.json?["detail"] as? String)?.contains("not allowed") == true, "\(none.json ?? [:])")

            // The provider no longer lists the program: refused at once.
            let provider = try #require(try await daemon.socket.call(.GET, "/api/v1/sso/providers/corp").json)
            _ = try await daemon.socket.call(.PUT, "/api/v1/sso/providers/corp", json: [
                "issuer": provider["issuer"]!, "client_id": "agentd", "client_secret_path": "sso/corp", "map": provider["map"]!,
                "api_audience": "agentd-api", "programs": ["someone-else=svc-reporting"],
            ])
            let dropped = try await program.send(.GET, "/api/v1/whoami")
            #expect(dropped.status == 401 && (dropped.json?["detail"] as? String)?.contains("programs") == true, "\(dropped.json ?? [:])")
        }
    }

    @Test func providersAreAnInstallationActAndCheckedBeforeStored() async throws {
        try await TestDaemon.run { daemon in
            let orgAdmin = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "boss", role: "admin", org: "acme"))
            let body: [String: Any] = ["name": "corp", "issuer": "https://idp.corp.local/realms/main", "client_id": "agentd", "map": ["a=admin"]]
            let refused = try await orgAdmin.send(.POST, "/api/v1/sso/providers", body: try JSONSerialization.data(withJSONObject: body))
            #expect(refused.status == 403 && refused.json?["code"] as? String == "installation_admin_required")
            for (bad, field) in [(["issuer": "http://idp.corp.local"], "issuer"), (["map": ["admins=nosuchrole"]], "map"),
                                 (["map": [] as [String]], "map"), (["map": ["x=viewer@noteam"]], "map"),
                                 (["programs": ["bot=ghost"], "api_audience": "api"], "program"), (["scopes": ["profile"]], "scopes")] as [([String: Any], String)] {
                let merged = body.merging(bad) { _, new in new }
                let answer = try await daemon.socket.send(.POST, "/api/v1/sso/providers", body: try JSONSerialization.data(withJSONObject: merged))
                #expect(answer.status == 422, "\(bad)")
                let fields = (answer.json?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
                #expect(fields.contains(field), "\(bad): \(fields)")
            }
            _ = try await daemon.socket.call(.POST, "/api/v1/sso/providers", json: body)
            let twice = try await daemon.socket.send(.POST, "/api/v1/sso/providers", body: try JSONSerialization.data(withJSONObject: body))
            #expect(twice.status == 409)
            let unreachable = try await daemon.socket.send(.POST, "/api/v1/sso/providers/corp/test")
            #expect(unreachable.status == 502 && unreachable.json?["code"] as? String == "sso_provider_unavailable")
            let listed = try #require(try await daemon.socket.call(.GET, "/api/v1/sso/providers").json?["items"] as? [[String: Any]])
            #expect(listed.count == 1 && listed[0]["client_secret_path"] == nil)
            _ = try await daemon.socket.call(.DELETE, "/api/v1/sso/providers/corp")
            #expect(try await daemon.socket.send(.GET, "/api/v1/sso/providers/corp").status == 404)
            let audit = try #require(try await daemon.socket.call(.GET, "/api/v1/audit?action=sso.provider_removed").json?["items"] as? [[String: Any]])
            #expect(audit.count == 1)
        }
    }
}

/// `agentctl sso` and `agentctl login --sso` as an admin and a person run them.
@Suite(.serialized) struct SSOAgentctlTests {
    static var agentctl: String { TestDaemon.binaries + "/agentctl" }

    @Test func anAdminSetsUpAProviderAndAPersonLogsInFromTheTerminal() async throws {
        try await TestDaemon.run { daemon in
            let base = "http://127.0.0.1:\(daemon.tcpPort)"
            let idp = try await Upstream(script: "oidcprovider.py", environment: ["OIDC_REDIRECT_URIS": base + "/auth/callback/corp"])
            let socket = ["--socket", daemon.socketPath]
            _ = try await daemon.socket.call(.PUT, "/api/v1/secrets", json: ["environment": "prod", "path": "sso/corp", "value": "s3cret"])
            let added = try await runProgram(Self.agentctl, ["sso", "add", "oidc", "corp", "--issuer", idp.base, "--client-id", "agentd",
                                                             "--client-secret-path", "sso/corp", "--map", "staff=viewer", "--map", "ops=operator"] + socket)
            #expect(added.status == 0, "\(added.stderr)")
            #expect(added.stdout.contains(base + "/auth/callback/corp"), "the redirect URI to register: \(added.stdout)")
            let tested = try await runProgram(Self.agentctl, ["sso", "test", "corp"] + socket)
            #expect(tested.status == 0 && tested.stdout.contains("ok: people can log in"), "\(tested.stdout) \(tested.stderr)")
            let bad = try await runProgram(Self.agentctl, ["sso", "add", "oidc", "bad", "--issuer", idp.base, "--client-id", "agentd",
                                                           "--map", "staff=nosuchrole"] + socket)
            #expect(bad.status != 0 && bad.stderr.contains("nosuchrole"), "\(bad.stderr)")
            let listed = try await runProgram(Self.agentctl, ["sso", "list"] + socket)
            #expect(listed.stdout.contains("corp") && !listed.stdout.contains("s3cret"))

            // A person logs in from a terminal: $BROWSER signs in and comes back to agentctl.
            _ = try await AgentClient(endpoint: .url(idp.base)).call(.POST, "/control/person", json: [
                "sub": "u-7", "preferred_username": "dave", "email": "dave@corp.example", "name": "Dave", "groups": ["ops"],
            ])
            let home = NSTemporaryDirectory() + "agentd-sso-home-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: home) }
            let browser = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/browser.py").path
            let login = try await runProgram(Self.agentctl, ["login", "--sso", "corp", "--url", base],
                                             environment: ["HOME": home, "BROWSER": "python3 \(browser)"], timeout: .seconds(60))
            #expect(login.status == 0, "\(login.stdout) \(login.stderr)")
            #expect(login.stdout.contains("logged in through corp"))
            let whoami = try await runProgram(Self.agentctl, ["whoami", "--url", base, "--output", "json"], environment: ["HOME": home])
            #expect(whoami.stdout.contains("\"dave\"") && whoami.stdout.contains("operator"), "\(whoami.stdout) \(whoami.stderr)")

            // Requiring SSO needs a break-glass admin with a password.
            let refused = try await runProgram(Self.agentctl, ["sso", "require", "--org", "default"] + socket)
            #expect(refused.status != 0 && refused.stderr.contains("break"), "\(refused.stderr)")
            let removed = try await runProgram(Self.agentctl, ["sso", "remove", "corp"] + socket)
            #expect(removed.status == 0)
        }
    }
}
