import Foundation
import Testing

/// The web console over real HTTP (docs/console.md): sign-in, pages behind the same
/// permission checks as the API, forms with the CSRF token, the editor's check and apply, a
/// run from the generated form, errors as pages, and the security headers. The browser tests
/// (`make test-ui`, Tests/UI) drive the same pages in Chromium.
@Suite(.serialized) struct ConsoleTests {
    static let workflow = """
        workflow: console-demo
        description: Greets a customer.
        input: {type: object, properties: {customer: {type: string}, count: {type: integer}}, required: [customer]}
        nodes:
          greet: {kind: transform, config: {output: "Hello {{ input.customer }} x{{ input.count }}"}}
          shout: {kind: transform, input: {text: "{{ nodes.greet.output }}"}, config: {output: "{{ input.text }}!"}}
        edges: [greet -> shout]
        output: {text: "{{ nodes.shout.output }}"}
        """

    /// A browser signed in as `login` (made with `role`) through the console's form.
    static func signedIn(_ daemon: TestDaemon, _ login: String, role: String = "developer") async throws -> (SSOBrowser, String) {
        try await LoginTests.makeUser(daemon, login, password: "console long secret", role: role)
        let browser = SSOBrowser()
        let base = "http://127.0.0.1:\(daemon.tcpPort)"
        let signIn = try await browser.post(base + "/ui/login", form: [("login", login), ("password", "console long secret"), ("next", "/ui/workflows")])
        try #require(signIn.status == 303, "sign-in answered \(signIn.status): \(signIn.body)")
        #expect(signIn.location == "/ui/workflows")
        #expect(browser.cookies["agentd_session"]?.hasPrefix("ags_") == true)
        return (browser, base)
    }

    static func csrf(_ page: SSOBrowser.Page) throws -> String {
        try #require(page.body.firstMatch(of: /name="csrf-token" content="([^"]+)"/).map { String($0.1) }, "no CSRF token in: \(page.body.prefix(2000))")
    }

    @Test func aPersonSignsInAppliesRunsAndWatchesAnExecution() async throws {
        try await TestDaemon.run { daemon in
            let (browser, base) = try await Self.signedIn(daemon, "dora")
            let dashboard = try await browser.get(base + "/ui/dashboard")
            #expect(dashboard.status == 200)
            #expect(dashboard.body.contains("<h1>Dashboard</h1>"))
            #expect(dashboard.body.contains("<svg"), "the executions chart")
            let token = try Self.csrf(dashboard)

            // The editor's check: problems at their lines, nothing stored.
            let broken = Self.workflow.replacingOccurrences(of: "edges: [greet -> shout]", with: "edges: [greet -> missing]")
            let check = try await daemon.tcp.send(.POST, "/ui/editor/check", body: try JSONSerialization.data(withJSONObject: ["document": broken]),
                                                  headers: [("Content-Type", "application/json"), ("X-CSRF-Token", token),
                                                            ("Cookie", "agentd_session=\(browser.cookies["agentd_session"] ?? "")")])
            #expect(check.status == 200)
            let result = try #require(check.json)
            #expect(result["state"] as? String == "issues", "\(result)")
            let issues = try #require(result["issues"] as? [[String: Any]])
            #expect(issues.contains { ($0["line"] as? Int) == 7 }, "the edge's line: \(issues)")

            // Applying a broken file shows the editor again with the problem, and stores nothing.
            let refused = try await browser.post(base + "/ui/editor/apply", form: [("csrf_token", token), ("document", broken), ("message", "x")])
            #expect(refused.status == 422)
            #expect(refused.body.contains("class=\"line-error\""))
            #expect(try await daemon.socket.send(.GET, "/api/v1/workflows/console-demo").status == 404)

            let applied = try await browser.post(base + "/ui/editor/apply",
                                                 form: [("csrf_token", token), ("document", Self.workflow), ("message", "first from the console")])
            #expect(applied.status == 303, "\(applied.body)")
            #expect(applied.location == "/ui/workflows/console-demo")
            let versions = try await daemon.socket.call(.GET, "/api/v1/workflows/console-demo/versions")
            #expect((versions.json?["items"] as? [[String: Any]])?.first?["message"] as? String == "first from the console")
            // A second version, compared side by side with the first.
            let second = Self.workflow.replacingOccurrences(of: "Greets a customer.", with: "Greets a customer warmly.")
            #expect(try await browser.post(base + "/ui/editor/apply", form: [("csrf_token", token), ("document", second), ("message", "warmer")]).status == 303)
            let diff = try await browser.get(base + "/ui/workflows/console-demo/diff")
            #expect(diff.status == 200)
            #expect(diff.body.contains("v1 and v2"))
            #expect(diff.body.contains("<tr class=\"changed\">") && diff.body.contains("warmly"))
            #expect(diff.body.contains("1 lines differ"))
            #expect(try await browser.get(base + "/ui/workflows/console-demo/diff?from=9").status == 404)
            #expect(try await browser.get(base + "/ui/workflows/console-demo/diff?from=x").status == 400)

            let page = try await browser.get(base + "/ui/workflows/console-demo")
            #expect(page.status == 200)
            #expect(page.body.contains("id=\"field-customer\"") && page.body.contains("id=\"field-count\""))
            #expect(page.body.contains("data-node=\"greet\""), "the DAG")
            #expect(page.body.contains("id=\"edit-workflow\""))

            // A value the form cannot take comes back with why.
            let bad = try await browser.post(base + "/ui/workflows/console-demo/run",
                                             form: [("csrf_token", token), ("input.customer", "ACME"), ("input.count", "many"), ("environment", "dev")])
            #expect(bad.status == 422)
            #expect(bad.body.contains("must be a whole number"))

            let run = try await browser.post(base + "/ui/workflows/console-demo/run",
                                             form: [("csrf_token", token), ("input.customer", "ACME"), ("input.count", "2"), ("environment", "dev")])
            #expect(run.status == 303, "\(run.body)")
            let location = try #require(run.location)
            #expect(location.hasPrefix("/ui/executions/ex_"))
            let id = String(location.dropFirst("/ui/executions/".count))
            let finished = try await Run.finish(daemon.socket, id)
            #expect(finished["status"] as? String == "succeeded")
            #expect((finished["output"] as? [String: Any])?["text"] as? String == "Hello ACME x2!")
            #expect(finished["trigger"] as? String == "console")

            let execution = try await browser.get(base + location)
            #expect(execution.status == 200)
            #expect(execution.body.contains("data-status=\"succeeded\""))
            #expect(execution.body.contains("Hello ACME x2!"))
            #expect(!execution.body.contains("data-events="), "a finished execution has nothing to follow")
            let list = try await browser.get(base + "/ui/executions?status=succeeded")
            #expect(list.body.contains(id))
            let none = try await browser.get(base + "/ui/executions?status=failed")
            #expect(!none.body.contains(id))

            // Signing out ends the session; pages then send the browser to sign in.
            let out = try await browser.post(base + "/ui/logout", form: [("csrf_token", token)])
            #expect(out.status == 303)
            #expect(out.location == "/ui/login")
            let after = try await browser.get(base + "/ui/dashboard")
            #expect(after.status == 303)
            #expect(after.location == "/ui/login?next=/ui/dashboard")
        }
    }

    @Test func formsWithoutTheTokenOrFromAnotherSiteAreRefused() async throws {
        try await TestDaemon.run { daemon in
            let (browser, base) = try await Self.signedIn(daemon, "fred")
            let token = try Self.csrf(try await browser.get(base + "/ui/dashboard"))
            let missing = try await browser.post(base + "/ui/logout", form: [])
            #expect(missing.status == 403)
            #expect(missing.body.contains("403 Forbidden") && missing.body.contains("CSRF"))
            let wrong = try await browser.post(base + "/ui/logout", form: [("csrf_token", String(token.reversed()))])
            #expect(wrong.status == 403)
            #expect(try await browser.get(base + "/ui/dashboard").status == 200, "still signed in")

            // A login form another site posts (login CSRF) is refused before any check.
            let crossSite = try await daemon.tcp.send(.POST, "/ui/login", body: Data("login=fred&password=console+long+secret".utf8),
                                                      headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Sec-Fetch-Site", "cross-site")])
            #expect(crossSite.status == 403)
            #expect(crossSite.header("Set-Cookie") == nil)
        }
    }

    @Test func signInProblemsAndRedirectsStayOnThisSite() async throws {
        try await TestDaemon.run { daemon in
            try await LoginTests.makeUser(daemon, "gil", password: "console long secret")
            let browser = SSOBrowser()
            let base = "http://127.0.0.1:\(daemon.tcpPort)"
            let wrong = try await browser.post(base + "/ui/login", form: [("login", "gil"), ("password", "not it at all")])
            #expect(wrong.status == 401)
            #expect(wrong.body.contains("role=\"alert\""))
            #expect(wrong.body.contains("value=\"gil\""), "the login is kept, the password is not")
            #expect(browser.cookies["agentd_session"] == nil)
            for next in ["//evil.example/x", "https://evil.example/", "/api/v1/whoami", "/ui/\r\nSet-Cookie: x=y"] {
                let page = try await browser.post(base + "/ui/login", form: [("login", "gil"), ("password", "console long secret"), ("next", next)])
                #expect(page.status == 303)
                #expect(page.location == "/ui/dashboard", "next \(next) went to \(page.location ?? "-")")
            }
            // Escaping: what a person typed comes back as text, never markup.
            let hostile = try await browser.get(base + "/ui/login?next=%22%3E%3Cscript%3E")
            #expect(!hostile.body.contains("<script>"))
        }
    }

    @Test func aViewerSeesNoEditControlsAndAnotherOrgsThingsAreNotFound() async throws {
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, Self.workflow)
            let foreign = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "gus", role: "admin", org: "globex"))
            _ = try await foreign.call(.POST, "/api/v1/apply", json: ["document": "workflow: globex-secret\nnodes:\n  a: {kind: transform, config: {output: 1}}\n"])
            let (viewer, base) = try await Self.signedIn(daemon, "vic", role: "viewer")
            let page = try await viewer.get(base + "/ui/workflows/console-demo")
            #expect(page.status == 200)
            #expect(page.body.contains("data-node=\"greet\""))
            #expect(!page.body.contains("id=\"edit-workflow\"") && !page.body.contains("id=\"run-form\""))
            let list = try await viewer.get(base + "/ui/workflows")
            #expect(list.body.contains("console-demo") && !list.body.contains("id=\"new-workflow\""))
            #expect(!list.body.contains("globex-secret"))
            let editor = try await viewer.get(base + "/ui/editor")
            #expect(editor.status == 403)
            #expect(editor.body.contains("workflows.create"))
            let token = try Self.csrf(page)
            let run = try await viewer.post(base + "/ui/workflows/console-demo/run", form: [("csrf_token", token), ("input.customer", "x")])
            #expect(run.status == 403)
            let other = try await viewer.get(base + "/ui/workflows/globex-secret")
            #expect(other.status == 404)
            #expect(other.body.contains("404 Not found"))
            #expect(try await viewer.get(base + "/ui/no-such-page").status == 404)
        }
    }

    @Test func aPersonSearchesSavesAndKeepsFavourites() async throws {
        try await TestDaemon.run { daemon in
            try await Run.apply(daemon.socket, Self.workflow)
            try await Run.apply(daemon.socket, "workflow: bold-demo\ndescription: a <b>bold</b> greeting <script>alert(1)</script> demo\nnodes:\n  a: {kind: transform, config: {output: 1}}\n")
            let (person, base) = try await Self.signedIn(daemon, "sam")
            // The top bar's search box, on every page.
            let start = try await person.get(base + "/ui/workflows")
            #expect(start.body.contains(#"action="/ui/search""#) && start.body.contains(#"id="search-box""#))

            // Results with the matched word marked, every character of the text escaped.
            let found = try await person.get(base + "/ui/search?q=" + "greeting demo".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(found.status == 200)
            #expect(found.body.contains("<mark>greeting</mark>") && found.body.contains("&lt;b&gt;bold&lt;/b&gt;"), "\(found.body)")
            #expect(!found.body.contains("<script>alert(1)</script>") && !found.body.contains("<b>bold</b>"))
            #expect(found.body.contains("id=\"search-found\""))
            let wrong = try await person.get(base + "/ui/search?q=%22open")
            #expect(wrong.status == 422 && wrong.body.contains("closing quote"))

            // Saved under a name, then run by it.
            let token = try Self.csrf(found)
            let saved = try await person.post(base + "/ui/search/save", form: [("csrf_token", token), ("q", "greeting demo"), ("name", "greetings")])
            #expect(saved.status == 303 && saved.location == "/ui/search?saved=greetings", "\(saved.status) \(saved.body.prefix(300))")
            #expect(try await person.get(base + "/ui/search?saved=greetings").body.contains("<mark>greeting</mark>"))
            let badName = try await person.post(base + "/ui/search/save", form: [("csrf_token", token), ("q", "x"), ("name", "No Good")])
            #expect(badName.status == 422)

            // The star on a workflow's page, and the lists on the search page.
            let workflow = try await person.get(base + "/ui/workflows/console-demo")
            #expect(workflow.body.contains(#"id="favorite" aria-pressed="false""#))
            let starred = try await person.post(base + "/ui/favorites", form: [("csrf_token", token), ("kind", "workflow"), ("ref", "console-demo"), ("action", "add")])
            #expect(starred.status == 303 && starred.location == "/ui/workflows/console-demo")
            #expect(try await person.get(base + "/ui/workflows/console-demo").body.contains(#"id="favorite" aria-pressed="true""#))
            let home = try await person.get(base + "/ui/search")
            #expect(home.body.contains(#"<a href="/ui/search?saved=greetings">greetings</a>"#), "\(home.body)")
            #expect(home.body.contains(#"id="favorites""#) && home.body.contains(#"<a href="/ui/workflows/console-demo">console-demo</a>"#))
            let deadline = ContinuousClock.now + .seconds(10)
            var recent = home
            while ContinuousClock.now < deadline, !recent.body.contains(#"id="recent""#) {
                try await Task.sleep(for: .milliseconds(20))
                recent = try await person.get(base + "/ui/search")
            }
            #expect(recent.body.contains(#"id="recent""#), "the workflow page noted the visit")
            // Without the form's token: refused, nothing kept.
            let forged = try await person.post(base + "/ui/favorites", form: [("kind", "workflow"), ("ref", "console-demo"), ("action", "remove")])
            #expect(forged.status == 403)
            #expect(try await person.get(base + "/ui/workflows/console-demo").body.contains(#"aria-pressed="true""#))
        }
    }

    @Test func anApproverDecidesFromTheInboxOnce() async throws {
        try await TestDaemon.run { daemon in
            let (olga, base) = try await Self.signedIn(daemon, "olga", role: "operator")
            try await Run.apply(daemon.socket, "workflow: gate\nnodes:\n  review: {kind: approval, config: {approvers: [olga], message: \"Ship it?\"}}\n")
            let id = try await Run.start(daemon.socket, "gate")
            let deadline = ContinuousClock.now + .seconds(20)
            var inbox = try await olga.get(base + "/ui/approvals")
            while !inbox.body.contains("data-approval="), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                inbox = try await olga.get(base + "/ui/approvals")
            }
            #expect(inbox.status == 200)
            #expect(inbox.body.contains("Ship it?"))
            let approval = try #require(inbox.body.firstMatch(of: /data-approval="([^"]+)"/).map { String($0.1) })
            let token = try Self.csrf(inbox)
            let unsure = try await olga.post(base + "/ui/approvals/\(approval)", form: [("csrf_token", token), ("decision", "maybe")])
            #expect(unsure.status == 422)
            let approved = try await olga.post(base + "/ui/approvals/\(approval)",
                                               form: [("csrf_token", token), ("decision", "approve"), ("comment", "looks <b>good</b>")])
            #expect(approved.status == 303, "\(approved.body)")
            let finished = try await Run.finish(daemon.socket, id)
            #expect(finished["status"] as? String == "succeeded")
            let again = try await olga.post(base + "/ui/approvals/\(approval)", form: [("csrf_token", token), ("decision", "reject")])
            #expect(again.status == 409)
            #expect(again.body.contains("role=\"alert\""))
            let after = try await olga.get(base + "/ui/approvals")
            #expect(after.body.contains("id=\"nothing-waiting\""))
            #expect(after.body.contains("looks &lt;b&gt;good&lt;/b&gt;"), "the comment, escaped")

            let (viewer, _) = try await Self.signedIn(daemon, "val", role: "viewer")
            let seen = try await viewer.get(base + "/ui/approvals")
            #expect(seen.status == 200 && !seen.body.contains("class=\"decision\""))
            let refused = try await viewer.post(base + "/ui/approvals/\(approval)", form: [("csrf_token", try Self.csrf(seen)), ("decision", "approve")])
            #expect(refused.status == 403)
        }
    }

    @Test func costsShowTheWindowAndAnAdminSetsABudget() async throws {
        try await TestDaemon.run { daemon in
            let (admin, base) = try await Self.signedIn(daemon, "ada", role: "admin")
            let page = try await admin.get(base + "/ui/costs?since=7d")
            #expect(page.status == 200)
            #expect(page.body.contains("<h2>By model</h2>") && page.body.contains("<h2>By user</h2>"))
            #expect(page.body.contains("No budget set"))
            let token = try Self.csrf(page)
            let bad = try await admin.post(base + "/ui/costs/budget", form: [("csrf_token", token), ("limit", "lots"), ("period", "monthly")])
            #expect(bad.status == 422)
            #expect(bad.body.contains("amount of dollars"))
            let set = try await admin.post(base + "/ui/costs/budget", form: [("csrf_token", token), ("limit", "250"), ("period", "quarterly")])
            #expect(set.status == 303)
            let budgets = try await daemon.socket.call(.GET, "/api/v1/budgets")
            let budget = try #require((budgets.json?["items"] as? [[String: Any]])?.first)
            #expect(budget["limit_micros"] as? Int == 250_000_000)
            #expect(budget["period"] as? String == "quarterly")
            #expect(try await admin.get(base + "/ui/costs").body.contains("id=\"budgets\""))

            // A developer sees costs but may not set budgets; a viewer does not see costs.
            let (developer, _) = try await Self.signedIn(daemon, "dev", role: "developer")
            let seen = try await developer.get(base + "/ui/costs")
            #expect(seen.status == 200 && !seen.body.contains("id=\"budget-form\""))
            let refused = try await developer.post(base + "/ui/costs/budget", form: [("csrf_token", try Self.csrf(seen)), ("limit", "1")])
            #expect(refused.status == 403)
            let (viewer, _) = try await Self.signedIn(daemon, "vera", role: "viewer")
            #expect(try await viewer.get(base + "/ui/costs").status == 403)
            #expect(!(try await viewer.get(base + "/ui/dashboard").body.contains("href=\"/ui/costs\"")), "no link to a page it may not open")
        }
    }

    @Test func anAdminManagesPeopleKeysAndSecretsFromSettings() async throws {
        try await TestDaemon.run { daemon in
            let (admin, base) = try await Self.signedIn(daemon, "ines", role: "admin")
            let home = try await admin.get(base + "/ui/settings")
            #expect(home.status == 303 && home.location == "/ui/settings/users")
            let people = try await admin.get(base + "/ui/settings/users")
            #expect(people.status == 200 && people.body.contains("id=\"user-form\""))
            let token = try Self.csrf(people)

            // A person added with a first password can sign in with it.
            let added = try await admin.post(base + "/ui/settings/users", form: [("csrf_token", token), ("login", "newbie"), ("role", "viewer"),
                                                                                 ("password", "a first long password")])
            #expect(added.status == 201, "\(added.body)")
            #expect(added.body.contains("newbie can now sign in"))
            let newbie = SSOBrowser()
            #expect(try await newbie.post(base + "/ui/login", form: [("login", "newbie"), ("password", "a first long password")]).status == 303)
            #expect(people.body.contains("id=\"roles\"") && people.body.contains("workflows.execute"))
            let team = try await admin.post(base + "/ui/settings/teams", form: [("csrf_token", token), ("name", "payments")])
            #expect(team.status == 201 && team.body.contains("Team payments added."))
            #expect(try await admin.post(base + "/ui/settings/teams", form: [("csrf_token", token), ("name", "payments")]).status == 409)
            let twice = try await admin.post(base + "/ui/settings/users", form: [("csrf_token", token), ("login", "newbie"), ("role", "viewer")])
            #expect(twice.status == 409)
            #expect(twice.body.contains("role=\"alert\""))

            // A key's token is shown once, on the answer to its creation, and works.
            let created = try await admin.post(base + "/ui/settings/keys", form: [("csrf_token", token), ("name", "ci"), ("expires_in", "30d")])
            #expect(created.status == 201)
            #expect(created.setCookies.isEmpty)
            let secretToken = try #require(created.body.firstMatch(of: /id="new-key-token">([^<]+)</).map { String($0.1) })
            var client = daemon.tcp
            client.bearerToken = secretToken
            #expect(try await client.send(.GET, "/api/v1/whoami").status == 200)
            let listed = try await admin.get(base + "/ui/settings/keys")
            #expect(!listed.body.contains(secretToken), "never shown again")
            let keyID = try #require(listed.body.firstMatch(of: /action="\/ui\/settings\/keys\/([^\/]+)\/revoke"/).map { String($0.1) })
            let badScope = try await admin.post(base + "/ui/settings/keys", form: [("csrf_token", token), ("name", "x"), ("scopes", "no.such")])
            #expect(badScope.status == 422)
            #expect(try await admin.post(base + "/ui/settings/keys/\(keyID)/revoke", form: [("csrf_token", token)]).status == 303)
            #expect(try await client.send(.GET, "/api/v1/whoami").status == 401)

            // A secret's value goes in and never comes back.
            let set = try await admin.post(base + "/ui/settings/secrets",
                                           form: [("csrf_token", token), ("path", "crm/token"), ("environment", "dev"), ("value", "s3cr3t-value-xyz")])
            #expect(set.status == 200, "\(set.body)")
            #expect(set.body.contains("crm/token") && !set.body.contains("s3cr3t-value-xyz"))
            let versions = try await daemon.socket.call(.GET, "/api/v1/secrets")
            #expect((versions.json?["items"] as? [[String: Any]])?.contains { $0["path"] as? String == "crm/token" } == true)
            let badPath = try await admin.post(base + "/ui/settings/secrets", form: [("csrf_token", token), ("path", "../up"), ("value", "x")])
            #expect(badPath.status == 422)

            // The audit log shows what was done here, filtered; an org admin may not verify the
            // installation's chain.
            let audit = try await admin.get(base + "/ui/settings/audit?action=key.created")
            #expect(audit.status == 200)
            #expect(audit.body.contains("<code>key.created</code>") && !audit.body.contains("<code>secret.written</code>"))
            #expect(try await admin.get(base + "/ui/settings/audit?since=yesterday-ish").status == 400)
            #expect(try await admin.get(base + "/ui/settings/audit").body.contains("<code>secret.written</code>"))
            #expect(!audit.body.contains("id=\"verify-form\""))
            #expect(try await admin.post(base + "/ui/settings/audit/verify", form: [("csrf_token", token)]).status == 403)
            #expect(try await admin.get(base + "/ui/settings/models").status == 200)
            #expect(try await admin.get(base + "/ui/alerts").status == 200)

            // A viewer's settings are people only, read-only.
            let (viewer, _) = try await Self.signedIn(daemon, "vince", role: "viewer")
            let seen = try await viewer.get(base + "/ui/settings/users")
            #expect(seen.status == 200 && !seen.body.contains("id=\"user-form\""))
            #expect(try await viewer.get(base + "/ui/settings/keys").status == 403)
            #expect(try await viewer.post(base + "/ui/settings/users", form: [("csrf_token", try Self.csrf(seen)), ("login", "x")]).status == 403)
        }
    }

    @Test func pagesCarryAStrictPolicyAndAssetsAreHashedAndCachedForGood() async throws {
        try await TestDaemon.run { daemon in
            let (browser, base) = try await Self.signedIn(daemon, "hana")
            let dashboard = try await daemon.tcp.send(.GET, "/ui/dashboard", headers: [("Cookie", "agentd_session=\(browser.cookies["agentd_session"] ?? "")")])
            #expect(dashboard.status == 200)
            let policy = try #require(dashboard.header("Content-Security-Policy"))
            #expect(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'") && policy.contains("script-src 'self'"))
            #expect(dashboard.header("X-Frame-Options") == "DENY")
            #expect(dashboard.header("Cache-Control") == "no-store")
            let html = String(decoding: dashboard.body, as: UTF8.self)
            #expect(html.matches(of: /<script(?![^>]*\bsrc=)/).isEmpty, "no inline script")
            #expect(!html.contains("style=\""), "no inline style")
            let assets = html.matches(of: /(?:src|href)="(\/ui\/assets\/[^"]+)"/).map { String($0.1) }
            #expect(assets.count == 2)
            var weight = dashboard.body.count
            for asset in assets {
                #expect(asset.firstMatch(of: /\.[0-9a-f]{12}\.(css|js)$/) != nil, "hashed name: \(asset)")
                let answer = try await daemon.tcp.send(.GET, asset)
                #expect(answer.status == 200)
                #expect(answer.header("Cache-Control")?.contains("immutable") == true)
                weight += answer.body.count
            }
            #expect(weight < 100_000, "page weight \(weight) bytes")
            #expect(try await browser.get(base + "/ui/assets/console.000000000000.css").status == 404)
            // The console is not part of the API's contract.
            let openapi = try await daemon.socket.call(.GET, "/api/v1/openapi.json")
            #expect(!((openapi.json?["paths"] as? [String: Any])?.keys.contains { $0.hasPrefix("/ui") } ?? true))
        }
    }
}
