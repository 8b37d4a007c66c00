import Client
import Foundation
import Testing

/// Passwords, logins, lockout and sessions through the real daemon.
@Suite(.serialized) struct LoginTests {
    static let json = [("Content-Type", "application/json")]

    static func makeUser(_ daemon: TestDaemon, _ login: String, password: String, role: String = "developer") async throws {
        _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": login, "role": role])
        _ = try await daemon.socket.call(.PUT, "/api/v1/users/\(login)/password", json: ["password": password])
    }

    static func login(_ daemon: TestDaemon, _ login: String, _ password: String) async throws -> ClientResponse {
        try await daemon.tcp.send(.POST, "/api/v1/login",
                                  body: try JSONSerialization.data(withJSONObject: ["login": login, "password": password]),
                                  headers: json)
    }

    @Test func aPasswordLoginOpensASessionThatLogoutEnds() async throws {
        try await TestDaemon.run { daemon in
            try await Self.makeUser(daemon, "alice", password: "correct horse battery")
            let response = try await Self.login(daemon, "alice", "correct horse battery")
            #expect(response.status == 201, "\(String(decoding: response.body, as: UTF8.self))")
            let token = try #require(response.json?["token"] as? String)
            #expect(token.hasPrefix("ags_"))
            var client = daemon.tcp
            client.bearerToken = token
            #expect(try await client.call(.GET, "/api/v1/whoami").json?["login"] as? String == "alice")
            let sessions = try await client.call(.GET, "/api/v1/sessions").json?["items"] as? [[String: Any]]
            #expect(sessions?.count == 1)
            #expect(sessions?.first?["token"] == nil)
            #expect((sessions?.first?["client"] as? String)?.hasPrefix("tcp") == true)

            #expect(try await client.send(.POST, "/api/v1/logout").status == 204)
            let after = try await client.send(.GET, "/api/v1/whoami")
            #expect(after.status == 401)
            let actions = try await daemon.socket.call(.GET, "/api/v1/audit?limit=200").json?["items"] as? [[String: Any]] ?? []
            let names = actions.compactMap { $0["action"] as? String }
            #expect(names.contains("password.changed") && names.contains("login.succeeded") && names.contains("logout"))
            #expect(!daemon.log.text.contains("correct horse battery"), "a password must never be logged")
        }
    }

    @Test func aWrongPasswordAndAnUnknownLoginLookTheSame() async throws {
        try await TestDaemon.run { daemon in
            try await Self.makeUser(daemon, "bob", password: "a long enough secret")
            let wrong = try await Self.login(daemon, "bob", "not the password")
            let unknown = try await Self.login(daemon, "nobody-here", "not the password")
            #expect(wrong.status == 401)
            #expect(unknown.status == 401)
            #expect(wrong.json?["code"] as? String == "invalid_credentials")
            #expect(wrong.json?["detail"] as? String == unknown.json?["detail"] as? String)
        }
    }

    @Test func repeatedFailuresLockTheAccountWithRetryAfter() async throws {
        try await TestDaemon.run { daemon in
            try await Self.makeUser(daemon, "carol", password: "a long enough secret")
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await Self.login(daemon, "carol", "wrong wrong wrong").status) }
            #expect(statuses == [401, 401, 401, 401, 429])
            // Locked: even the right password is refused until the lock ends.
            let locked = try await Self.login(daemon, "carol", "a long enough secret")
            #expect(locked.status == 429)
            #expect(locked.json?["code"] as? String == "account_locked")
            #expect(Int(locked.header("Retry-After") ?? "") ?? 0 > 0)
            let events = try await daemon.socket.call(.GET, "/api/v1/audit?action=login.locked").json?["items"] as? [[String: Any]]
            #expect(events?.count == 1)
            // An administrator's reset clears the lock.
            _ = try await daemon.socket.call(.PUT, "/api/v1/users/carol/password", json: ["password": "a brand new secret"])
            #expect(try await Self.login(daemon, "carol", "a brand new secret").status == 201)
        }
    }

    @Test(arguments: [
        ("short", "at least 12"),
        ("passwordpassword", "most common"),
        ("aaaaaaaaaaaaaaaa", "too few different"),
        ("dave-is-my-name!", "login name"),
    ])
    func thePasswordPolicyIsEnforced(_ password: String, _ reason: String) async throws {
        try await TestDaemon.run { daemon in
            _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": "dave", "role": "viewer"])
            let response = try await daemon.socket.send(.PUT, "/api/v1/users/dave/password",
                body: try JSONSerialization.data(withJSONObject: ["password": password]), headers: Self.json)
            #expect(response.status == 422)
            let errors = response.json?["errors"] as? [[String: Any]]
            #expect((errors?.first?["message"] as? String)?.contains(reason) == true, "\(errors ?? [])")
        }
    }

    @Test func changingYourOwnPasswordNeedsTheCurrentOneAndNoReuse() async throws {
        try await TestDaemon.run { daemon in
            try await Self.makeUser(daemon, "erin", password: "first secret phrase")
            let token = try #require(try await Self.login(daemon, "erin", "first secret phrase").json?["token"] as? String)
            var client = daemon.tcp
            client.bearerToken = token
            func change(_ body: [String: Any]) async throws -> ClientResponse {
                try await client.send(.PUT, "/api/v1/users/erin/password", body: try JSONSerialization.data(withJSONObject: body),
                                      headers: Self.json)
            }
            #expect(try await change(["password": "second secret phrase"]).status == 422)
            #expect(try await change(["password": "second secret phrase", "current_password": "wrong one"]).status == 422)
            let reuse = try await change(["password": "first secret phrase", "current_password": "first secret phrase"])
            #expect(reuse.status == 422)
            #expect((reuse.json?["errors"] as? [[String: Any]])?.first?["message"] as? String ?? "" != "")
            #expect(try await change(["password": "second secret phrase", "current_password": "first secret phrase"]).status == 204)
            #expect(try await Self.login(daemon, "erin", "second secret phrase").status == 201)
            // Someone else's password needs users.manage.
            _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": "frank", "role": "viewer"])
            let other = try await client.send(.PUT, "/api/v1/users/frank/password",
                body: try JSONSerialization.data(withJSONObject: ["password": "takeover attempt 1"]), headers: Self.json)
            #expect(other.status == 403)
        }
    }

    @Test func agentctlLogsInKeepsTheSessionPrivateAndLogsOut() async throws {
        try await TestDaemon.run { daemon in
            try await Self.makeUser(daemon, "gina", password: "a long secret phrase")
            let config = try TestDaemon.makeDirectory()
            defer { try? FileManager.default.removeItem(atPath: config) }
            let agentctl = TestDaemon.binaries + "/agentctl"
            let url = ["--url", "http://127.0.0.1:\(daemon.tcpPort)"]
            let env = ["XDG_CONFIG_HOME": config]
            let login = try await runProgramWithInput(agentctl, ["login", "--login", "gina", "--password-stdin"] + url,
                                                input: "a long secret phrase\n", environment: env)
            #expect(login.status == 0, "\(login.stderr)")
            let file = config + "/agentctl/sessions.json"
            let mode = (try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600)
            let whoami = try await runProgram(agentctl, ["whoami"] + url, environment: env)
            #expect(whoami.stdout.contains("gina"), "\(whoami.stderr)")
            let sessions = try await runProgram(agentctl, ["sessions", "list"] + url, environment: env)
            #expect(sessions.stdout.contains("ags_"))
            let logout = try await runProgram(agentctl, ["logout"] + url, environment: env)
            #expect(logout.status == 0, "\(logout.stderr)")
            let after = try await runProgram(agentctl, ["whoami"] + url, environment: env)
            #expect(after.status == 1)
        }
    }
}

/// Runs a program with `input` on its standard input.
func runProgramWithInput(_ path: String, _ arguments: [String], input: String,
                         environment: [String: String] = [:]) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await runProgram(path, arguments, input: input, environment: environment)
}

@Suite(.serialized) struct CookieSessionTests {
    @Test func aBrowserSessionLivesInAnHttpOnlyCookieAndNeedsTheCSRFTokenToChangeThings() async throws {
        try await TestDaemon.run { daemon in
            try await LoginTests.makeUser(daemon, "bea", password: "browser long secret")
            let login = try await daemon.tcp.send(.POST, "/api/v1/login",
                body: Data(#"{"login":"bea","password":"browser long secret","cookie":true}"#.utf8), headers: LoginTests.json)
            #expect(login.status == 201)
            let setCookie = try #require(login.header("Set-Cookie"))
            #expect(setCookie.hasPrefix("agentd_session=ags_"))
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            #expect((login.json?["session"] as? [String: Any])?["token"] == nil, "the token must not reach page scripts")
            let csrf = try #require(login.json?["csrf_token"] as? String)
            let cookie = String(setCookie.split(separator: ";")[0])

            let me = try await daemon.tcp.send(.GET, "/api/v1/whoami", headers: [("Cookie", cookie)])
            #expect(me.json?["login"] as? String == "bea")
            let forged = try await daemon.tcp.send(.POST, "/api/v1/mfa/totp", headers: [("Cookie", cookie)])
            #expect(forged.status == 403)
            #expect(forged.json?["code"] as? String == "csrf_failed")
            let wrong = try await daemon.tcp.send(.POST, "/api/v1/mfa/totp", headers: [("Cookie", cookie), ("X-CSRF-Token", String(csrf.reversed()))])
            #expect(wrong.status == 403)
            let real = try await daemon.tcp.send(.POST, "/api/v1/mfa/totp", headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)])
            #expect(real.status == 201)

            let logout = try await daemon.tcp.send(.POST, "/api/v1/logout", headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)])
            #expect(logout.status == 204)
            #expect(logout.header("Set-Cookie")?.contains("Max-Age=0") == true)
            #expect(try await daemon.tcp.send(.GET, "/api/v1/whoami", headers: [("Cookie", cookie)]).status == 401)
        }
    }
}

@Suite(.serialized) struct LoginHardeningTests {
    @Test func aNewPasswordEndsTheUsersOtherSessions() async throws {
        try await TestDaemon.run { daemon in
            try await LoginTests.makeUser(daemon, "hal", password: "first secret words")
            let first = try #require(try await LoginTests.login(daemon, "hal", "first secret words").json?["token"] as? String)
            let second = try #require(try await LoginTests.login(daemon, "hal", "first secret words").json?["token"] as? String)
            var changer = daemon.tcp
            changer.bearerToken = first
            let change = try await changer.send(.PUT, "/api/v1/users/hal/password",
                body: Data(#"{"password":"second secret words","current_password":"first secret words"}"#.utf8), headers: LoginTests.json)
            #expect(change.status == 204)
            var other = daemon.tcp
            other.bearerToken = second
            #expect(try await other.send(.GET, "/api/v1/whoami").status == 401, "the other session ended")
            #expect(try await changer.send(.GET, "/api/v1/whoami").status == 200, "the session that changed it lives on")
        }
    }

    @Test func aNonAdminLearnsNothingAboutOtherUsersFromThePasswordRoute() async throws {
        try await TestDaemon.run { daemon in
            try await LoginTests.makeUser(daemon, "ivy", password: "a viewer's long phrase", role: "viewer")
            let token = try #require(try await LoginTests.login(daemon, "ivy", "a viewer's long phrase").json?["token"] as? String)
            var client = daemon.tcp
            client.bearerToken = token
            for target in ["nobody-at-all", "root"] {
                let response = try await client.send(.PUT, "/api/v1/users/\(target)/password",
                    body: Data(#"{"password":"whatever long one"}"#.utf8), headers: LoginTests.json)
                #expect(response.status == 403, "\(target)")
            }
        }
    }

    @Test func passwordGuessingFromOneClientIsThrottled() async throws {
        try await TestDaemon.run { daemon in
            var statuses: [Int] = []
            // 30 a minute from one client: each attempt takes an Argon2id verification, so a
            // token refills now and then meanwhile (more often on a busy machine); past 30, the
            // answers are mostly 429.
            var index = 0
            while statuses.filter({ $0 == 429 }).count < 5, index < 100 {
                statuses.append(try await LoginTests.login(daemon, "ghost-\(index)", "not a password").status)
                index += 1
            }
            #expect(statuses.prefix(30).allSatisfy { $0 == 401 })
            #expect(statuses.last == 429)
            #expect(statuses.filter { $0 == 429 }.count >= 5 && statuses.count <= 60, "\(statuses.count) attempts")
        }
    }
}
