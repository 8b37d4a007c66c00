import Client
import Foundation
import Testing

/// Issue 14, holes 1, 2 and 5: no taking over another org's user through a key, no becoming
/// admin through `users.manage`, and a lockout and login throttle that hold under pressure.
@Suite(.serialized) struct IdentityHardeningTests {
    static let json = [("Content-Type", "application/json")]

    /// Sends `method` (by name, so that tables of requests need no NIO type) with an optional JSON body.
    static func send(_ client: AgentClient, _ method: String, _ path: String, _ body: String? = nil) async throws -> ClientResponse {
        let data = body.map { Data($0.utf8) }
        let headers = body == nil ? [] : json
        switch method {
        case "POST": return try await client.send(.POST, path, body: data, headers: headers)
        case "PUT": return try await client.send(.PUT, path, body: data, headers: headers)
        case "PATCH": return try await client.send(.PATCH, path, body: data, headers: headers)
        case "DELETE": return try await client.send(.DELETE, path, body: data, headers: headers)
        default: return try await client.send(.GET, path)
        }
    }

    static func text(_ response: ClientResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    /// A session of `login` (password `password`) acting in `org`.
    static func session(_ daemon: TestDaemon, _ login: String, _ password: String, org: String? = nil) async throws -> AgentClient {
        var body = ["login": login, "password": password]
        if let org { body["org"] = org }
        let response = try await daemon.tcp.send(.POST, "/api/v1/login", body: try JSONSerialization.data(withJSONObject: body),
                                                 headers: json)
        var client = daemon.tcp
        client.bearerToken = try #require(response.json?["token"] as? String, "\(text(response))")
        return client
    }

    // MARK: Hole 1: a key is never the person

    @Test func anOrgAdminCannotMintAKeyForAUserWhoIsAlsoInAnotherOrg() async throws {
        try await TestDaemon.run { daemon in
            let acmeAdmin = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "boss@acme", role: "admin", org: "acme"))
            _ = try await IdentityTests.keyFor(daemon, login: "x@globex", role: "developer", org: "globex")
            _ = try await daemon.socket.call(.PUT, "/api/v1/orgs/acme/members/x@globex", json: ["role": "viewer"])
            let mint = try await Self.send(acmeAdmin, "POST", "/api/v1/api-keys", #"{"name":"takeover","user":"x@globex","org":"acme"}"#)
            #expect(mint.status == 403, "\(Self.text(mint))")
            #expect(mint.json?["code"] as? String == "key_owner_in_other_org")
            // A member of acme alone: its admin still may.
            _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": "only@acme", "role": "viewer", "org": "acme"])
            let own = try await Self.send(acmeAdmin, "POST", "/api/v1/api-keys", #"{"name":"ci","user":"only@acme"}"#)
            #expect(own.status == 201, "\(Self.text(own))")
            // An installation administrator may mint for anyone.
            let root = try await Self.send(daemon.socket, "POST", "/api/v1/api-keys", #"{"name":"ops","user":"x@globex","org":"acme"}"#)
            #expect(root.status == 201, "\(Self.text(root))")
        }
    }

    @Test func aKeyCannotSetItsOwnersPasswordEnrolMFAOrSeeTheirSessions() async throws {
        try await TestDaemon.run { daemon in
            // kat has no password yet: the case where a key alone could choose one.
            let key = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "kat", role: "developer"))
            let attempts: [(String, String, String?)] = [
                ("PUT", "/api/v1/users/kat/password", #"{"password":"chosen by the key holder"}"#),
                ("POST", "/api/v1/mfa/totp", nil),
                ("POST", "/api/v1/mfa/totp/confirm", #"{"code":"123456"}"#),
                ("DELETE", "/api/v1/users/kat/mfa?code=123456", nil),
                ("GET", "/api/v1/sessions", nil),
                ("DELETE", "/api/v1/sessions/ags_00000000000000000000000000", nil),
            ]
            for (method, path, body) in attempts {
                let response = try await Self.send(key, method, path, body)
                #expect(response.status == 403, "\(method) \(path): \(Self.text(response))")
                #expect(response.json?["code"] as? String == "login_session_required", "\(method) \(path)")
            }
            #expect(try await LoginTests.login(daemon, "kat", "chosen by the key holder").status == 401, "no password was set")
            // Her own session may do all of it.
            _ = try await daemon.socket.call(.PUT, "/api/v1/users/kat/password", json: ["password": "her own long phrase"])
            let session = try await Self.session(daemon, "kat", "her own long phrase")
            #expect(try await session.send(.GET, "/api/v1/sessions").status == 200)
            #expect(try await session.send(.POST, "/api/v1/mfa/totp").status == 201)
        }
    }

    @Test func sessionsAreListedAndEndedPerOrg() async throws {
        try await TestDaemon.run { daemon in
            try await LoginTests.makeUser(daemon, "mo", password: "a long secret words")
            _ = try await daemon.socket.call(.POST, "/api/v1/orgs", json: ["name": "globex"])
            _ = try await daemon.socket.call(.PUT, "/api/v1/orgs/globex/members/mo", json: ["role": "viewer"])
            let home = try await Self.session(daemon, "mo", "a long secret words", org: "default")
            let away = try await Self.session(daemon, "mo", "a long secret words", org: "globex")
            let homeList = try await home.call(.GET, "/api/v1/sessions").json?["items"] as? [[String: Any]] ?? []
            let awayList = try await away.call(.GET, "/api/v1/sessions").json?["items"] as? [[String: Any]] ?? []
            #expect(homeList.count == 1 && awayList.count == 1, "home \(homeList), away \(awayList)")
            let homeOrg = try #require(homeList.first?["org_id"] as? String)
            let awayOrg = try #require(awayList.first?["org_id"] as? String)
            #expect(homeOrg != awayOrg)
            // The default org's session cannot end the globex one: it is not in its org.
            let awayID = try #require(awayList.first?["id"] as? String)
            #expect(try await home.send(.DELETE, "/api/v1/sessions/\(awayID)").status == 404)
            #expect(try await away.send(.GET, "/api/v1/whoami").status == 200)
            #expect(try await away.send(.DELETE, "/api/v1/sessions/\(awayID)").status == 204)
            #expect(try await away.send(.GET, "/api/v1/whoami").status == 401)
        }
    }

    // MARK: Hole 2: acting on a user needs the power to grant its roles

    @Test func aUsersManageHolderWhoIsNotAdminCannotTakeOverAnAdmin() async throws {
        try await TestDaemon.run { daemon in
            // helpdesk: everything a viewer has, and users.manage; not admin.
            _ = try await daemon.socket.call(.POST, "/api/v1/orgs", json: ["name": "acme"])
            _ = try await daemon.socket.call(.PUT, "/api/v1/roles/helpdesk", json: [
                "org": "acme", "permissions": ["orgs.view", "users.view", "workflows.view", "agents.view", "executions.view", "users.manage"]])
            let desk = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "desk", role: "helpdesk", org: "acme"))
            _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": "ada", "role": "admin", "org": "acme"])
            _ = try await daemon.socket.call(.PUT, "/api/v1/users/ada/password", json: ["password": "the chief's long phrase"])
            _ = try await MFATests.enrol(try await Self.session(daemon, "ada", "the chief's long phrase"))
            _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": "vic", "role": "viewer", "org": "acme"])

            let refused: [(String, String, String?)] = [
                ("PUT", "/api/v1/users/ada/password", #"{"password":"the helpdesk's choice"}"#),
                ("DELETE", "/api/v1/users/ada/mfa", nil),
                ("PATCH", "/api/v1/users/ada", #"{"disabled":true}"#),
                ("PATCH", "/api/v1/users/ada", #"{"display_name":"Not Ada"}"#),
                ("PUT", "/api/v1/orgs/acme/members/ada", #"{"role":"viewer"}"#),
                ("DELETE", "/api/v1/orgs/acme/members/ada", nil),
            ]
            for (method, path, body) in refused {
                let response = try await Self.send(desk, method, path, body)
                #expect(response.status == 403, "\(method) \(path): \(Self.text(response))")
                #expect(response.json?["code"] as? String == "target_outranks_caller", "\(method) \(path)")
            }
            // Nothing changed: ada logs in with her password and still needs her code.
            let login = try await LoginTests.login(daemon, "ada", "the chief's long phrase")
            #expect(login.json?["code"] as? String == "mfa_required", "\(Self.text(login))")
            let ada = try await daemon.socket.call(.GET, "/api/v1/users/ada").json
            #expect(ada?["disabled"] as? Bool == false)
            #expect((ada?["memberships"] as? [[String: Any]])?.first?["role"] as? String == "admin")
            // A viewer's roles the helpdesk could grant: it may reset that password.
            #expect(try await Self.send(desk, "PUT", "/api/v1/users/vic/password", #"{"password":"a fresh long phrase"}"#).status == 204)
            #expect(try await Self.send(desk, "PATCH", "/api/v1/users/vic", #"{"disabled":true}"#).status == 200)
        }
    }

    @Test func anOrgAdminOverTCPCannotMapAHostUid() async throws {
        try await TestDaemon.run { daemon in
            let admin = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "boss@acme", role: "admin", org: "acme"))
            _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": "dev@acme", "role": "developer", "org": "acme"])
            for (method, path, body) in [("PATCH", "/api/v1/users/dev@acme", #"{"unix_uid":4243}"#),
                                         ("PATCH", "/api/v1/users/dev@acme", #"{"clear_unix_uid":true}"#),
                                         ("POST", "/api/v1/users", #"{"login":"new@acme","role":"viewer","unix_uid":4244}"#)] {
                let response = try await Self.send(admin, method, path, body)
                #expect(response.status == 403, "\(method) \(path): \(Self.text(response))")
                #expect(response.json?["code"] as? String == "installation_admin_required")
            }
            #expect(try await daemon.socket.send(.GET, "/api/v1/users/new@acme").status == 404)
            #expect(try await daemon.socket.call(.GET, "/api/v1/users/dev@acme").json?["unix_uid"] == nil)
            // The installation administrator on the socket may.
            #expect(try await Self.send(daemon.socket, "PATCH", "/api/v1/users/dev@acme", #"{"unix_uid":4243}"#).status == 200)
            // The org admin may still change what is the org's: a name.
            #expect(try await Self.send(admin, "PATCH", "/api/v1/users/dev@acme", #"{"display_name":"Dev"}"#).status == 200)
        }
    }

    // MARK: Hole 5: the lockout counts every guess; the throttle blocks only what it must

    @Test func parallelWrongPasswordsEachCount() async throws {
        try await TestDaemon.run { daemon in
            try await LoginTests.makeUser(daemon, "pat", password: "the right phrase here")
            let attempts = 8
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<attempts { group.addTask { try await LoginTests.login(daemon, "pat", "a wrong guess").status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 401 || $0 == 429 }, "\(statuses)")
            let failed = try await daemon.socket.call(.GET, "/api/v1/audit?action=login.failed&limit=100").json?["items"] as? [[String: Any]] ?? []
            let locked = try await daemon.socket.call(.GET, "/api/v1/audit?action=login.locked&limit=100").json?["items"] as? [[String: Any]] ?? []
            let counts = (failed + locked).compactMap { ($0["details"] as? [String: Any])?["failures"] as? String }.compactMap { Int($0) }
            // Each guess that reached the hash check counted once, with its own number; those that
            // came after the lock was set were refused before it (and are the 429s beyond the lock's own).
            #expect(counts.sorted() == Array(1...max(1, counts.count)), "\(counts.sorted())")
            #expect(counts.count >= 5, "the 5th failure locks (counted: \(counts.sorted()))")
            let right = try await LoginTests.login(daemon, "pat", "the right phrase here")
            #expect(right.status == 429, "\(Self.text(right))")
            #expect(right.json?["code"] as? String == "account_locked")
        }
    }

    @Test func thePerLoginBucketLooksTheSameForAnyLoginAndBlocksOnlyThatLogin() async throws {
        try await TestDaemon.run { daemon in
            try await LoginTests.makeUser(daemon, "ned", password: "first user's phrase")
            try await LoginTests.makeUser(daemon, "ollie", password: "second user's phrase")
            /// Guesses for `login` until the answer is `rate_limited` (the per-login bucket holds 10
            /// a minute; one refills every 6 s, so a busy machine may need a few more).
            func exhaust(_ login: String) async throws -> (ClientResponse, Int)? {
                for attempt in 1...16 {
                    let response = try await LoginTests.login(daemon, login, "a wrong guess")
                    if response.json?["code"] as? String == "rate_limited" { return (response, attempt) }
                }
                return nil
            }
            let (existing, existingAttempts) = try #require(try await exhaust("ned"), "ned's guesses were never throttled")
            #expect(existingAttempts >= 11)
            // Another login is not blocked (the address's bucket has room; no bucket for all).
            #expect(try await LoginTests.login(daemon, "ollie", "second user's phrase").status == 201)
            // Names count as the account would: case and spaces do not give fresh buckets.
            #expect(try await LoginTests.login(daemon, " NED ", "a wrong guess").json?["code"] as? String == "rate_limited")
            let (missing, _) = try #require(try await exhaust("nobody-at-all"), "guesses at a missing login were never throttled")
            for response in [existing, missing] {
                #expect(response.status == 429)
                #expect(response.header("Retry-After") != nil)
            }
            let a = try #require(existing.json), b = try #require(missing.json)
            #expect(Set(a.keys) == Set(b.keys))
            #expect(a["title"] as? String == b["title"] as? String)
            func shape(_ text: Any?) -> String { String((text as? String ?? "").filter { !$0.isNumber }) }
            #expect(shape(a["detail"]) == shape(b["detail"]), "\(a["detail"] ?? "") vs \(b["detail"] ?? "")")
            #expect(existing.header("RateLimit-Limit") == missing.header("RateLimit-Limit"))
        }
    }
}
