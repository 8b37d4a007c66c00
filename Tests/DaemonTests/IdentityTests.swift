import Client
import Foundation
import Testing

/// Users, memberships and API keys through the real daemon: bearer keys over TCP, scopes,
/// revocation, expiry, tenant isolation and the no-escalation rules.
@Suite(.serialized) struct IdentityTests {
    /// Creates an org, a user in it with `role`, and a key for that user; returns the key's token.
    static func keyFor(_ daemon: TestDaemon, login: String, role: String, org: String = "default",
                       scopes: [String]? = nil, expiresIn: String? = nil) async throws -> String {
        let existing = try await daemon.socket.send(.GET, "/api/v1/orgs/\(org)")
        if existing.status == 404 { _ = try await daemon.socket.call(.POST, "/api/v1/orgs", json: ["name": org]) }
        _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": login, "role": role, "org": org])
        var body: [String: Any] = ["name": "test", "user": login, "org": org]
        if let scopes { body["scopes"] = scopes }
        if let expiresIn { body["expires_in"] = expiresIn }
        let created = try await daemon.socket.call(.POST, "/api/v1/api-keys", json: body)
        #expect(created.header("Cache-Control") == "no-store")
        return try #require(created.json?["token"] as? String)
    }

    static func tcp(_ daemon: TestDaemon, key: String) -> AgentClient {
        var client = daemon.tcp
        client.bearerToken = key
        return client
    }

    @Test func aKeyOpensTheAPIOverTCPAsItsOwner() async throws {
        try await TestDaemon.run { daemon in
            let token = try await Self.keyFor(daemon, login: "alice@acme", role: "developer")
            let me = try #require(try await Self.tcp(daemon, key: token).call(.GET, "/api/v1/whoami").json)
            #expect(me["login"] as? String == "alice@acme")
            #expect(me["roles"] as? [String] == ["developer"])
            #expect(me["reach"] as? String == "org")
            let orgs = try await Self.tcp(daemon, key: token).call(.GET, "/api/v1/orgs").json?["items"] as? [[String: Any]]
            #expect(orgs?.map { $0["name"] as? String } == ["default"])

            // The token is never shown again, and the stored row has no secret.
            let keys = try await daemon.socket.call(.GET, "/api/v1/api-keys").json?["items"] as? [[String: Any]] ?? []
            #expect(keys.count == 1)
            #expect(keys.first?["token"] == nil)
            let python = try await runProgram("/usr/bin/env", ["python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('SELECT hex(secret_hash) FROM api_key').fetchone()[0])",
                daemon.databasePath])
            let secret = String(token.split(separator: "_").last ?? "")
            #expect(!python.stdout.contains(secret))
            #expect(!daemon.log.text.contains(secret), "the secret must never be logged")
        }
    }

    @Test func aRoleWithoutThePermissionGets403NamingItAndTheDenialIsAudited() async throws {
        try await TestDaemon.run { daemon in
            let token = try await Self.keyFor(daemon, login: "vic", role: "viewer")
            let response = try await Self.tcp(daemon, key: token).send(.POST, "/api/v1/users",
                body: Data(#"{"login":"mallory","role":"admin"}"#.utf8), headers: [("Content-Type", "application/json")])
            #expect(response.status == 403)
            #expect(response.json?["code"] as? String == "permission_denied")
            #expect((response.json?["detail"] as? String)?.contains("users.manage") == true)
            let denied = try await daemon.socket.call(.GET, "/api/v1/audit?action=permission.denied").json?["items"] as? [[String: Any]]
            #expect(denied?.count == 1)
            #expect((denied?.first?["actor"] as? String)?.hasPrefix("key:agk_") == true)
        }
    }

    @Test func aScopedKeyCanDoOnlyWhatItsScopesSay() async throws {
        try await TestDaemon.run { daemon in
            let token = try await Self.keyFor(daemon, login: "ann", role: "admin", scopes: ["orgs.view"])
            let client = Self.tcp(daemon, key: token)
            #expect(try await client.send(.GET, "/api/v1/orgs").status == 200)
            #expect(try await client.send(.GET, "/api/v1/users").status == 403)
            let me = try await client.call(.GET, "/api/v1/whoami").json
            #expect(me?["permissions"] as? [String] == ["orgs.view"])
        }
    }

    @Test func presetsNarrowToWhatTheOwnerHolds() async throws {
        try await TestDaemon.run { daemon in
            let token = try await Self.keyFor(daemon, login: "vera", role: "viewer", scopes: ["read-only"])
            let me = try await Self.tcp(daemon, key: token).call(.GET, "/api/v1/whoami").json
            // A viewer holds orgs.view, users.view and executions.view of the view permissions.
            #expect(Set(me?["permissions"] as? [String] ?? []) == ["agents.view", "executions.view", "orgs.view", "users.view", "workflows.view"])
            let bad = try await daemon.socket.send(.POST, "/api/v1/api-keys",
                body: Data(#"{"name":"x","user":"vera","scopes":["read-mostly"]}"#.utf8), headers: [("Content-Type", "application/json")])
            #expect(bad.status == 422)
        }
    }

    @Test func revokedExpiredAndMalformedKeysAllGetTheSame401() async throws {
        try await TestDaemon.run { daemon in
            let token = try await Self.keyFor(daemon, login: "bob", role: "operator")
            let client = Self.tcp(daemon, key: token)
            #expect(try await client.send(.GET, "/api/v1/whoami").status == 200)
            let keyID = String(token.prefix(30))
            _ = try await daemon.socket.call(.DELETE, "/api/v1/api-keys/\(keyID)")
            let revoked = try await client.send(.GET, "/api/v1/whoami")
            #expect(revoked.status == 401)

            let shortLived = try await Self.keyFor(daemon, login: "carl", role: "operator", expiresIn: "1s")
            let expiring = Self.tcp(daemon, key: shortLived)
            #expect(try await expiring.send(.GET, "/api/v1/whoami").status == 200)
            var status = 200
            let deadline = ContinuousClock.now + .seconds(5)
            while status == 200 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                status = try await expiring.send(.GET, "/api/v1/whoami").status
            }
            #expect(status == 401)

            var details = Set<String>()
            for bad in [token, shortLived, token + "x", "agk_nonsense", String(token.dropLast()) + "0"] {
                let response = try await Self.tcp(daemon, key: bad).send(.GET, "/api/v1/whoami")
                #expect(response.status == 401, "\(bad)")
                details.insert(response.json?["detail"] as? String ?? "")
            }
            #expect(details.count == 1, "every bad key gets the same answer: \(details)")
            let basic = try await daemon.tcp.send(.GET, "/api/v1/whoami", headers: [("Authorization", "Basic YWxpY2U6cHc=")])
            #expect(basic.status == 401)
        }
    }

    @Test func anotherOrgsObjectsAreNotFound() async throws {
        try await TestDaemon.run { daemon in
            let acmeAdmin = try await Self.keyFor(daemon, login: "root@acme", role: "admin", org: "acme")
            _ = try await Self.keyFor(daemon, login: "root@globex", role: "admin", org: "globex")
            let client = Self.tcp(daemon, key: acmeAdmin)
            let globexOrg = try await client.send(.GET, "/api/v1/orgs/globex")
            #expect(globexOrg.status == 404)
            #expect(globexOrg.json?["code"] as? String == "not_found")
            #expect(try await client.send(.GET, "/api/v1/users/root@globex").status == 404)
            let users = try await client.call(.GET, "/api/v1/users").json?["items"] as? [[String: Any]]
            #expect(users?.map { $0["login"] as? String } == ["root@acme"])
            let events = try await client.call(.GET, "/api/v1/audit?limit=200").json?["items"] as? [[String: Any]] ?? []
            let acmeID = try await client.call(.GET, "/api/v1/orgs/acme").json?["id"] as? String
            #expect(!events.isEmpty)
            #expect(events.allSatisfy { $0["org_id"] as? String == acmeID })
            // An org admin cannot make or remove tenants: those are installation acts.
            let create = try await client.send(.POST, "/api/v1/orgs", body: Data(#"{"name":"evil"}"#.utf8),
                                               headers: [("Content-Type", "application/json")])
            #expect(create.status == 403)
            #expect(try await client.send(.DELETE, "/api/v1/orgs/globex").status == 403)
            // Nor add a user of another org by login.
            let steal = try await client.send(.PUT, "/api/v1/orgs/acme/members/root@globex",
                                              body: Data(#"{"role":"viewer"}"#.utf8), headers: [("Content-Type", "application/json")])
            #expect(steal.status == 404)
        }
    }

    @Test func nobodyGrantsMoreThanTheyHaveNorRemovesTheLastAdmin() async throws {
        try await TestDaemon.run { daemon in
            let adminToken = try await Self.keyFor(daemon, login: "ada", role: "admin", org: "acme")
            // A key limited to users.manage cannot hand out admin.
            let limited = try #require(try await Self.tcp(daemon, key: adminToken).call(.POST, "/api/v1/api-keys",
                json: ["name": "limited", "scopes": ["users.manage", "users.view"]]).json?["token"] as? String)
            let escalate = try await Self.tcp(daemon, key: limited).send(.POST, "/api/v1/users",
                body: Data(#"{"login":"eve","role":"admin"}"#.utf8), headers: [("Content-Type", "application/json")])
            #expect(escalate.status == 403)
            #expect(escalate.json?["code"] as? String == "permission_denied")

            // ada is acme's only admin: she cannot be demoted or removed.
            let demote = try await daemon.socket.send(.PUT, "/api/v1/orgs/acme/members/ada",
                                                      body: Data(#"{"role":"viewer"}"#.utf8), headers: [("Content-Type", "application/json")])
            #expect(demote.status == 409)
            #expect(demote.json?["code"] as? String == "protected")
            #expect(try await daemon.socket.send(.DELETE, "/api/v1/orgs/acme/members/ada").status == 409)
            // With a second admin she can.
            _ = try await daemon.socket.call(.POST, "/api/v1/users", json: ["login": "bea", "role": "admin", "org": "acme"])
            #expect(try await daemon.socket.send(.DELETE, "/api/v1/orgs/acme/members/ada").status == 204)
            // Her key no longer works: she is not a member any more.
            #expect(try await Self.tcp(daemon, key: adminToken).send(.GET, "/api/v1/whoami").status == 401)
        }
    }

    @Test func aMappedUidActsAsItsUserOnTheSocket() async throws {
        try await TestDaemon.run { daemon in
            _ = try await daemon.socket.call(.POST, "/api/v1/users",
                                             json: ["login": "nobody-user", "role": "viewer", "unix_uid": 65534])
            let result = try await daemon.getAsNobody("/api/v1/whoami")
            #expect(result.stdout.hasPrefix("HTTP/1.1 200"), "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("\"login\":\"nobody-user\""))
            #expect(result.stdout.contains("\"roles\":[\"viewer\"]"))
        }
    }

    @Test func agentctlManagesUsersAndKeys() async throws {
        try await TestDaemon.run { daemon in
            let agentctl = TestDaemon.binaries + "/agentctl"
            let socket = ["--socket", daemon.socketPath]
            let created = try await runProgram(agentctl, ["users", "create", "dev@acme", "--role", "developer"] + socket)
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout.contains("dev@acme"))
            let key = try await runProgram(agentctl, ["keys", "create", "--name", "ci", "--user", "dev@acme", "--expires", "90d",
                                                "--scope", "orgs.view"] + socket)
            #expect(key.status == 0, "\(key.stderr)")
            let token = key.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(token.hasPrefix("agk_"))
            #expect(key.stderr.contains("shown only once"))

            let whoami = try await runProgram(agentctl, ["whoami", "--url", "http://127.0.0.1:\(daemon.tcpPort)", "--api-key", token])
            #expect(whoami.status == 0, "\(whoami.stderr)")
            #expect(whoami.stdout.contains("dev@acme"))

            let list = try await runProgram(agentctl, ["keys", "list"] + socket)
            #expect(list.stdout.contains("ci"))
            #expect(!list.stdout.contains(token))
            let keyID = String(token.prefix(30))
            let revoke = try await runProgram(agentctl, ["keys", "revoke", keyID] + socket)
            #expect(revoke.status == 0, "\(revoke.stderr)")
            let after = try await runProgram(agentctl, ["whoami", "--url", "http://127.0.0.1:\(daemon.tcpPort)", "--api-key", token])
            #expect(after.status == 1)
            #expect(after.stderr.contains("unauthenticated"))
        }
    }
}

@Suite(.serialized) struct RateLimitTests {
    @Test func aKeyOverItsBudgetGets429WithRetryAfterAndHeaders() async throws {
        let daemon = try await TestDaemon.start(environment: ["AGENTD_LIMITS_KEY_PER_HOUR": "5"])
        let token = try await IdentityTests.keyFor(daemon, login: "busy", role: "viewer")
        let client = IdentityTests.tcp(daemon, key: token)
        var statuses: [Int] = []
        var last: ClientResponse?
        for _ in 0..<6 {
            let response = try await client.send(.GET, "/api/v1/whoami")
            statuses.append(response.status)
            last = response
        }
        #expect(statuses == [200, 200, 200, 200, 200, 429])
        let limited = try #require(last)
        #expect(limited.json?["code"] as? String == "rate_limited")
        // One token per 3600/5 s = 720 s, less what refilled while this ran (seconds on a busy machine).
        #expect((700...720).contains(Int(limited.header("Retry-After") ?? "") ?? 0), "\(limited.header("Retry-After") ?? "none")")
        #expect(limited.header("RateLimit-Limit") == "5")
        #expect(limited.header("RateLimit-Remaining") == "0")
        // Socket administrators are not limited.
        for _ in 0..<10 { #expect(try await daemon.socket.send(.GET, "/api/v1/whoami").status == 200) }
        #expect(try await daemon.stop() == 0)
    }

    @Test func aLimitedKeyRecoversAsTheBucketRefills() async throws {
        // 3600 an hour: one token a second.
        let daemon = try await TestDaemon.start(environment: ["AGENTD_LIMITS_KEY_PER_HOUR": "3600",
                                                              "AGENTD_LIMITS_USER_PER_HOUR": "100000"])
        let token = try await IdentityTests.keyFor(daemon, login: "steady", role: "viewer")
        let client = IdentityTests.tcp(daemon, key: token)
        var status = 200
        var sent = 0
        while status == 200 && sent < 4000 {
            status = try await client.send(.GET, "/api/v1/whoami").status
            sent += 1
        }
        #expect(status == 429)
        let deadline = ContinuousClock.now + .seconds(5)
        while status == 429 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            status = try await client.send(.GET, "/api/v1/whoami").status
        }
        #expect(status == 200, "the bucket refills one token a second")
        #expect(try await daemon.stop() == 0)
    }
}

/// The holes a review found, each closed and kept closed.
@Suite(.serialized) struct TenantIsolationTests {
    static let json = [("Content-Type", "application/json")]

    @Test func anOrgAdminCannotTakeOverAUserSharedWithAnotherOrg() async throws {
        try await TestDaemon.run { daemon in
            let acmeAdmin = try await IdentityTests.keyFor(daemon, login: "boss@acme", role: "admin", org: "acme")
            _ = try await IdentityTests.keyFor(daemon, login: "boss@globex", role: "admin", org: "globex")
            // An installation administrator shares globex's admin with acme as a viewer.
            _ = try await daemon.socket.call(.PUT, "/api/v1/orgs/acme/members/boss@globex", json: ["role": "viewer"])
            let client = IdentityTests.tcp(daemon, key: acmeAdmin)
            let remap = try await client.send(.PATCH, "/api/v1/users/boss@globex",
                                              body: Data(#"{"unix_uid": 4242}"#.utf8), headers: Self.json)
            #expect(remap.status == 409, "\(String(decoding: remap.body, as: UTF8.self))")
            let disable = try await client.send(.PATCH, "/api/v1/users/boss@globex",
                                                body: Data(#"{"disabled": true}"#.utf8), headers: Self.json)
            #expect(disable.status == 409)
            let password = try await client.send(.PUT, "/api/v1/users/boss@globex/password",
                                                 body: Data(#"{"password":"taken over at last"}"#.utf8), headers: Self.json)
            #expect(password.status == 409)
            // Nor pull in another org's user by ID.
            _ = try await IdentityTests.keyFor(daemon, login: "dev@globex", role: "developer", org: "globex")
            let devID = try #require(try await daemon.socket.call(.GET, "/api/v1/users/dev@globex").json?["id"] as? String)
            let pull = try await client.send(.PUT, "/api/v1/orgs/acme/members/\(devID)",
                                             body: Data(#"{"role":"viewer"}"#.utf8), headers: Self.json)
            #expect(pull.status == 404)
            let globex = try await daemon.socket.call(.GET, "/api/v1/users/boss@globex").json
            #expect(globex?["unix_uid"] == nil)
            #expect(globex?["disabled"] as? Bool == false)
        }
    }

    @Test func aScopedKeyCannotMintAnUnscopedOne() async throws {
        try await TestDaemon.run { daemon in
            let admin = try await IdentityTests.keyFor(daemon, login: "kim", role: "admin", org: "acme")
            let limited = try #require(try await IdentityTests.tcp(daemon, key: admin).call(.POST, "/api/v1/api-keys",
                json: ["name": "limited", "scopes": ["api_keys.manage"]]).json?["token"] as? String)
            let mint = try await IdentityTests.tcp(daemon, key: limited).send(.POST, "/api/v1/api-keys",
                body: Data(#"{"name":"everything"}"#.utf8), headers: Self.json)
            #expect(mint.status == 403)
            #expect(mint.json?["code"] as? String == "permission_denied")
        }
    }

    @Test func theLastAdminCannotBeDisabled() async throws {
        try await TestDaemon.run { daemon in
            _ = try await IdentityTests.keyFor(daemon, login: "solo", role: "admin", org: "acme")
            let disable = try await daemon.socket.send(.PATCH, "/api/v1/users/solo",
                                                       body: Data(#"{"disabled": true}"#.utf8), headers: Self.json)
            #expect(disable.status == 409)
            #expect(disable.json?["code"] as? String == "protected")
        }
    }
}
