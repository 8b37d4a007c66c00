import ArgumentParser
import Client
import Foundation

/// `agentctl share`: read-only links to a workflow or an execution, for people without a login.
struct Share: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read-only links to a workflow or an execution that work without a login.",
        discussion: """
            A link opens one thing, read-only, until it expires (at most 30 days) or is revoked;
            each opening is audited. It shows no secret, no person and nothing else. Making
            links needs share.links.

            Examples:
              agentctl share link execution/ex_01… --expires 7d
              agentctl share links --on workflow/support-triage
              agentctl share revoke agl_01…
            """,
        subcommands: [Link.self, Links.self, Revoke.self]
    )

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a link (its address is shown once).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "workflow/NAME or execution/ID.") var on: String
        @Option(help: "How long it opens: 90m, 24h, 7d (at most 30d).") var expires: String = "7d"

        func run() async throws {
            try await reportingFailures {
                let made = try await connection.client.call(.POST, "/api/v1/share-links", json: ["on": on, "expires_in": expires]).json ?? [:]
                if connection.output == .json { return Output.json(made) }
                print(made.text("url"))
                Output.error("link \(made.text("id")) to \(made.text("on")) opens until \(made.text("expires_at")); this address is shown only now")
            }
        }
    }

    struct Links: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List links to what you may open.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only links to this workflow/NAME or execution/ID.") var on: String?

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, "/api/v1/share-links" + (on.map { "?on=\(segment($0))" } ?? ""), all: false)
                if connection.output == .json { return Output.json(listing.json) }
                if listing.items.isEmpty { return print("no share links") }
                Output.table(headers: ["ID", "ON", "STATE", "EXPIRES", "USES", "BY"], rows: listing.items.map { item in
                    [item.text("id"), item.text("on"), item.text("state"), item.text("expires_at"), item.text("uses"), item.text("created_by")]
                })
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a link: it opens nothing from now on.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The link (agl_…).") var id: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/share-links/\(segment(id))")
                print("revoked \(id)")
            }
        }
    }
}
