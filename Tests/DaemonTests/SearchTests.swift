import Client
import Foundation
import Testing

/// Search, saved searches, favourites and recent items through the real daemon: each caller
/// finds, counts and keeps only what it may open (`GET /api/v1/search`, `agentctl search`).
@Suite(.serialized) struct SearchTests {
    static let documents = """
        workflow: invoice-sync
        team: red
        description: pulls invoice totals from the ledger
        tags: [billing]
        nodes:
          fetch: {kind: http, config: {url: "UPSTREAM/status?code=404"}}
        ---
        workflow: invoice-blue
        team: blue
        description: the blue team's invoice copy
        tags: [billing]
        nodes:
          only: {kind: transform, config: {output: "{{ input }}"}}
        ---
        workflow: ledger-close
        description: closes the month
        tags: [ops]
        nodes:
          only: {kind: transform, config: {output: "{{ input }}"}}
        """

    func problem(_ response: ClientResponse) -> String {
        (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["code"] as? String ?? "(\(response.status))"
    }

    func search(_ client: AgentClient, _ text: String) async throws -> [String: Any] {
        try await client.call(.GET, "/api/v1/search?q=" + text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!).json ?? [:]
    }

    func ids(_ results: [String: Any]) -> Set<String> {
        Set((results["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
    }

    @Test func callersFindCountAndKeepOnlyWhatTheyMayOpen() async throws {
        let upstream = try await Upstream()
        // Every ended execution searchable (the default takes failed ones only).
        try await TestDaemon.run(environment: ["AGENTD_SEARCH_EXECUTIONS": "all"]) { daemon in
            let admin = daemon.socket
            for team in ["red", "blue"] { _ = try await admin.call(.POST, "/api/v1/teams", json: ["name": team]) }
            let rae = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "rae", role: "developer"))
            _ = try await admin.call(.PUT, "/api/v1/teams/red/members/rae", json: [:])
            let olga = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "olga", role: "admin", org: "other"))
            let guest = IdentityTests.tcp(daemon, key: try await IdentityTests.keyFor(daemon, login: "gus", role: "guest"))
            try await Run.apply(admin, Self.documents.replacingOccurrences(of: "UPSTREAM", with: upstream.base))

            let red = try await Run.start(admin, "invoice-sync", input: ["customer": "acme", "note": "invoice for march"])
            #expect(try await Run.finish(admin, red)["status"] as? String == "failed")
            let blue = try await Run.start(admin, "invoice-blue", input: ["customer": "acme", "note": "invoice for april"])
            #expect(try await Run.finish(admin, blue)["status"] as? String == "succeeded")
            let ids = try await admin.call(.GET, "/api/v1/workflows?limit=10").json?["items"] as? [[String: Any]] ?? []
            let workflow = Dictionary(uniqueKeysWithValues: ids.compactMap { item in (item["name"] as? String).map { ($0, item["id"] as? String ?? "") } })

            // The org admin finds both teams' workflows and executions, best first.
            let all = try await search(admin, "invoice")
            #expect(self.ids(all) == [workflow["invoice-sync"]!, workflow["invoice-blue"]!, red, blue], "\(all)")
            #expect(all["counts"] as? [String: Int] == ["workflow": 2, "agent": 0, "execution": 2, "comment": 0], "\(all)")
            let first = (all["items"] as? [[String: Any]])?.first ?? [:]
            #expect(first["kind"] as? String == "workflow" && (first["snippet"] as? String)?.contains("«invoice»") == true, "\(first)")

            // Team red's developer: red's and no team's, never blue's, not even in a count.
            let seen = try await search(rae, "invoice")
            #expect(self.ids(seen) == [workflow["invoice-sync"]!, red], "\(seen)")
            #expect(seen["counts"] as? [String: Int] == ["workflow": 1, "agent": 0, "execution": 1, "comment": 0], "\(seen)")
            #expect(self.ids(try await search(rae, "april")).isEmpty)
            // Another org's admin and a guest (no view permission) find nothing of it.
            #expect(self.ids(try await search(olga, "invoice")).isEmpty)
            let nothing = try await search(guest, "invoice")
            #expect(self.ids(nothing).isEmpty && (nothing["counts"] as? [String: Int] ?? [:]).isEmpty, "\(nothing)")

            // Filters compose with the words.
            #expect(self.ids(try await search(admin, "invoice status:failed")) == [red])
            #expect(self.ids(try await search(admin, "acme type:execution -april")) == [red])
            #expect(self.ids(try await search(admin, "tag:ops")) == [workflow["ledger-close"]!])
            #expect(self.ids(try await search(admin, "invoice team:blue")) == [workflow["invoice-blue"]!, blue])
            #expect(self.ids(try await search(admin, "404 type:execution")) == [red], "the error is searched")
            #expect(self.ids(try await search(admin, "invoice since:2099-01-01T00:00:00Z")).isEmpty)

            // Bad searches: a problem that says where, and nothing run.
            for (query, parameter) in [("%22unclosed", "q"), ("status:exploded", "q"), (String(repeating: "a", count: 1001), "q"), ("", "q")] {
                let response = try await admin.send(.GET, "/api/v1/search?q=" + query)
                #expect(response.status == 400 && problem(response) == "invalid_parameter", "\(query.prefix(20)): \(response.status)")
                #expect(String(decoding: response.body, as: UTF8.self).contains(parameter))
            }
            #expect(try await admin.send(.GET, "/api/v1/search?q=x&limit=500").status == 400)
            #expect(try await daemon.tcp.send(.GET, "/api/v1/search?q=invoice").status == 401)

            // Saved searches are each person's own.
            let saved = try await rae.call(.PUT, "/api/v1/searches/red-failures", json: ["query": "invoice status:failed"]).json ?? [:]
            #expect(saved["query"] as? String == "invoice status:failed")
            #expect(self.ids(try await rae.call(.GET, "/api/v1/search?saved=red-failures").json ?? [:]) == [red])
            #expect(problem(try await admin.send(.GET, "/api/v1/search?saved=red-failures")) == "not_found")
            let refused = try await rae.send(.PUT, "/api/v1/searches/broken", body: Data(#"{"query": "OR"}"#.utf8), headers: [("Content-Type", "application/json")])
            #expect(refused.status == 400 && problem(refused) == "invalid_parameter")
            #expect(try await rae.send(.PUT, "/api/v1/searches/Bad%20Name", body: Data(#"{"query": "x"}"#.utf8),
                                       headers: [("Content-Type", "application/json")]).status == 400)
            #expect((try await rae.call(.GET, "/api/v1/searches").json?["items"] as? [[String: Any]])?.map { $0["name"] as? String } == ["red-failures"])

            // Favourites: only what the caller may open, and shown only while it may.
            #expect(problem(try await rae.send(.PUT, "/api/v1/favorites/workflow/invoice-blue")) == "not_found")
            #expect(problem(try await rae.send(.PUT, "/api/v1/favorites/pizza/invoice-sync")) == "invalid_parameter")
            let favourite = try await rae.call(.PUT, "/api/v1/favorites/workflow/invoice-sync").json ?? [:]
            #expect(favourite["id"] as? String == workflow["invoice-sync"])
            _ = try await rae.call(.PUT, "/api/v1/favorites/execution/\(red)")
            let favourites = try await rae.call(.GET, "/api/v1/favorites").json?["items"] as? [[String: Any]] ?? []
            #expect(Set(favourites.compactMap { $0["id"] as? String }) == [workflow["invoice-sync"]!, red])

            // Recent items: what was opened, newest first (noted without holding the answer).
            _ = try await rae.call(.GET, "/api/v1/workflows/invoice-sync")
            _ = try await rae.call(.GET, "/api/v1/executions/\(red)")
            var recent: [String] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, recent.count < 2 {
                recent = (try await rae.call(.GET, "/api/v1/recent").json?["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                if recent.count < 2 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(Set(recent) == [red, workflow["invoice-sync"]!])

            // Out of team red, rae's favourites and recent items of red are hidden, not named.
            _ = try await admin.call(.DELETE, "/api/v1/teams/red/members/rae")
            #expect((try await rae.call(.GET, "/api/v1/favorites").json?["items"] as? [[String: Any]] ?? []).isEmpty)
            #expect((try await rae.call(.GET, "/api/v1/recent").json?["items"] as? [[String: Any]] ?? []).isEmpty)
            #expect(self.ids(try await search(rae, "invoice")).isEmpty)
            _ = try await admin.call(.PUT, "/api/v1/teams/red/members/rae", json: [:])

            // Rebuilding the index is the installation's act; it changes no answer.
            #expect(problem(try await olga.send(.POST, "/api/v1/search/rebuild")) == "permission_denied")
            let rebuilt = try await admin.call(.POST, "/api/v1/search/rebuild").json ?? [:]
            #expect(rebuilt["executions"] as? Int == 2 && rebuilt["definitions"] as? Int == 3, "\(rebuilt)")
            #expect(self.ids(try await search(admin, "invoice")) == self.ids(all))
            let audit = try await admin.call(.GET, "/api/v1/audit?limit=200").json?["items"] as? [[String: Any]] ?? []
            let actions = Set(audit.compactMap { $0["action"] as? String })
            #expect(actions.isSuperset(of: ["search.saved", "favorite.added", "search.index_rebuilt"]), "\(actions)")

            // agentctl, as a person reads it.
            let socket = ["--socket", daemon.socketPath]
            let table = try await runProgram(AgentctlTests.agentctl, ["search", "invoice", "--status", "failed", "--save", "mine"] + socket)
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout.contains(red) && table.stdout.contains("found 1 execution") && table.stdout.contains("saved as mine"), "\(table.stdout)")
            let again = try await runProgram(AgentctlTests.agentctl, ["search", "--saved", "mine", "--output", "json"] + socket)
            #expect(self.ids((try? JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]) ?? [:]) == [red], "\(again)")
            let added = try await runProgram(AgentctlTests.agentctl, ["favorites", "add", "workflow/ledger-close"] + socket)
            #expect(added.status == 0 && added.stdout.contains("added workflow ledger-close"), "\(added)")
            let listed = try await runProgram(AgentctlTests.agentctl, ["favorites", "list"] + socket)
            #expect(listed.stdout.contains("ledger-close"), "\(listed)")
            let wrong = try await runProgram(AgentctlTests.agentctl, ["search", "\"open"] + socket)
            #expect(wrong.status == 1 && wrong.stderr.contains("closing quote"), "\(wrong)")
            let searches = try await runProgram(AgentctlTests.agentctl, ["searches", "list"] + socket)
            #expect(searches.stdout.contains("mine") && searches.stdout.contains("invoice status:failed"), "\(searches)")
        }
    }
}
