import ArgumentParser
import Client
import Foundation

/// `agentctl search`: workflows, agents and executions the caller may see, best first.
struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search workflows, agents and executions you may see.",
        discussion: """
            Words are all looked for, in any order; "a phrase" in quotes; invo* for words that
            start so; refund OR chargeback for either; -retry for not. Filters, typed in the
            search or as options: type:workflow,agent,execution  tag:billing  status:failed
            since:7d  team:payments  workflow:support-triage.

            Workflows and agents are matched on their name, description, tags and document;
            ended executions on their error, input and output (failed and cancelled ones; all
            of them where [search] executions = "all"). Of executions, the newest 200 that
            match are listed: narrow with --since or --status to reach further back.
            docs/collaboration.md#search.

            Examples:
              agentctl search "invoice timeout" --status failed --since 7d
              agentctl search "invoice timeout" --status failed --save nightly-failures
              agentctl search --saved nightly-failures
            """
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The words (and filters) to look for.") var words: [String] = []
    @Option(help: "Only these kinds: workflow, agent, execution (comma separated).") var type: String?
    @Option(help: "Only with this tag (repeat for any of several).") var tag: [String] = []
    @Option(help: "Executions: queued, running, waiting, succeeded, failed, cancelled; workflows: deployed, draft.") var status: String?
    @Option(help: "Executions started (definitions changed) since: RFC 3339 or back from now (24h, 7d).") var since: String?
    @Option(help: "Only what this team owns.") var team: String?
    @Option(help: "Only this workflow and its executions.") var workflow: String?
    @Option(help: "Also keep this search under a name (agentctl searches list).") var save: String?
    @Option(help: "Run your saved search of this name.") var saved: String?
    @Option(help: "Results per page (1-100).") var limit: Int = 20
    @Option(help: "Skip this many results (the next page starts at the offset printed).") var offset: Int = 0
    @Flag(help: "Empty the search index and fill it again from the rows (installation administrators; writes wait meanwhile).")
    var rebuildIndex = false

    /// The search as one text: the words, then each option as the filter it stands for.
    var text: String {
        var parts = words
        if let type { parts.append("type:" + type) }
        if !tag.isEmpty { parts.append("tag:" + tag.joined(separator: ",")) }
        if let status { parts.append("status:" + status) }
        if let since { parts.append("since:" + since) }
        if let team { parts.append("team:" + team) }
        if let workflow { parts.append("workflow:" + workflow) }
        return parts.joined(separator: " ")
    }

    func validate() throws {
        if rebuildIndex { return }
        if saved != nil, !text.isEmpty { throw ValidationError("--saved runs a kept search as it is: give no words or filters with it") }
        if saved == nil, text.isEmpty { throw ValidationError("give words or filters to search for, or --saved NAME") }
        if save != nil, saved != nil { throw ValidationError("--save keeps a new search; --saved runs a kept one: use one of them") }
    }

    func run() async throws {
        try await reportingFailures {
            let client = connection.client
            if rebuildIndex {
                let done = try await client.call(.POST, "/api/v1/search/rebuild").json ?? [:]
                if connection.output == .json { return Output.json(done) }
                return print("search index rebuilt: \(done.text("definitions")) workflows and agents, \(done.text("executions")) executions in \(done.text("seconds")) s")
            }
            if let save {
                _ = try await client.call(.PUT, "/api/v1/searches/\(segment(save))", json: ["query": text])
            }
            var query = ["limit=\(limit)", "offset=\(offset)"]
            query.append(saved.map { "saved=\(segment($0))" } ?? "q=\(segment(text))")
            let results = try await client.call(.GET, "/api/v1/search?" + query.joined(separator: "&")).json ?? [:]
            if connection.output == .json { return Output.json(results) }
            if let save { print("saved as \(save): agentctl search --saved \(save)") }
            let items = results["items"] as? [[String: Any]] ?? []
            if items.isEmpty { return print("nothing found for \(results.text("query"))") }
            Output.table(headers: ["KIND", "NAME", "ID", "STATUS", "AT", "WHERE"], rows: items.map { item in
                [item.text("kind"), item.text("name"), item.text("id"), item.text("status"), item.text("at"),
                 (item["snippet"] as? String ?? "-").replacingOccurrences(of: "\n", with: " ")]
            })
            let counts = results["counts"] as? [String: Any] ?? [:], more = Set(results["more"] as? [String] ?? [])
            let summary = counts.keys.sorted().compactMap { kind -> String? in
                guard let count = counts[kind] as? Int, count > 0 else { return nil }
                return "\(count)\(more.contains(kind) ? "+" : "") \(kind)\(count == 1 ? "" : "s")"
            }
            print("found " + summary.joined(separator: ", "))
            if let next = results["next_offset"] as? Int { print("more: agentctl search … --offset \(next)") }
        }
    }
}

/// `agentctl searches`: your saved searches.
struct Searches: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Your saved searches (keep one with agentctl search … --save NAME).",
        subcommands: [List.self, Remove.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your saved searches.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, "/api/v1/searches", all: true)
                if connection.output == .json { return Output.json(listing.json) }
                if listing.items.isEmpty { return print("no saved searches: keep one with agentctl search … --save NAME") }
                Output.table(headers: ["NAME", "SEARCH", "UPDATED"], rows: listing.items.map { [$0.text("name"), $0.text("query"), $0.text("updated_at")] })
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a saved search.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/searches/\(segment(name))")
                print("forgot \(name)")
            }
        }
    }
}

/// `agentctl favorites`: workflows, agents and executions you keep at hand.
struct Favorites: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Your favourite workflows, agents and executions.",
        discussion: "Name them as KIND/NAME: workflow/support-triage, agent/summarise, execution/ex_01….",
        subcommands: [List.self, Add.self, Remove.self]
    )

    /// `workflow/support-triage` → the route's `workflow/support-triage`, checked.
    static func path(_ reference: String) throws -> String {
        let parts = reference.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["workflow", "agent", "execution"].contains(parts[0]), !parts[1].isEmpty else {
            throw ValidationError("name it as workflow/NAME, agent/NAME or execution/ID; got `\(reference)`")
        }
        return "/api/v1/favorites/\(parts[0])/\(segment(parts[1]))"
    }

    static func print(_ items: [[String: Any]], at: String) {
        Output.table(headers: ["KIND", "NAME", "ID", "STATUS", at], rows: items.map { item in
            [item.text("kind"), item.text("name"), item.text("id"), item["status"] is String ? item.text("status") : "-", item.text("at")]
        })
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your favourites you may still see, newest first.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, "/api/v1/favorites", all: true)
                if connection.output == .json { return Output.json(listing.json) }
                if listing.items.isEmpty { return Swift.print("no favourites: add one with agentctl favorites add workflow/NAME") }
                Favorites.print(listing.items, at: "ADDED")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a favourite.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "workflow/NAME, agent/NAME or execution/ID.") var reference: String

        func run() async throws {
            try await reportingFailures {
                let item = try await connection.client.call(.PUT, try Favorites.path(reference)).json ?? [:]
                if connection.output == .json { return Output.json(item) }
                Swift.print("added \(item.text("kind")) \(item.text("name")) (\(item.text("id")))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a favourite.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "workflow/NAME, agent/NAME or execution/ID.") var reference: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, try Favorites.path(reference))
                Swift.print("removed \(reference)")
            }
        }
    }
}

/// `agentctl recent`: what you opened last.
struct Recent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Workflows, agents and executions you opened last (through agentctl, the API or the console), newest first."
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "How many (1-50).") var limit: Int = 20

    func run() async throws {
        try await reportingFailures {
            let listing = try await Listing.read(connection.client, "/api/v1/recent?limit=\(limit)", all: false)
            if connection.output == .json { return Output.json(listing.json) }
            if listing.items.isEmpty { return print("nothing opened yet") }
            Favorites.print(listing.items, at: "OPENED")
        }
    }
}
