import ArgumentParser
import Client
import Foundation

/// `agentctl activity`: budget alerts and failed executions of the org, newest first.
struct Activity: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What needs attention: budget alerts and failed executions, newest first.",
        discussion: """
            Budget alerts need the costs.view permission; without it only failures are shown.
            Look closer with `agentctl executions get ID` or `agentctl budgets list`.
            """
    )
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "From this time: RFC 3339 or back from now (24h, 7d).") var since: String = "7d"
    @Option(help: "Only budget.alert, execution.failed or approval.pending.") var kind: String?
    @Option(help: "Items per page (1-200).") var limit: Int = 50
    @Flag(help: "Follow cursors and print every page.") var all = false

    func run() async throws {
        try await reportingFailures {
            var query = ["since=\(segment(since))", "limit=\(limit)"]
            if let kind { query.append("kind=\(segment(kind))") }
            let listing = try await Listing.read(connection.client, "/api/v1/activity?" + query.joined(separator: "&"), all: all)
            if connection.output == .json { return Output.json(listing.json) }
            if listing.items.isEmpty { return print("nothing since \(since)") }
            Output.table(headers: ["AT", "KIND", "EXECUTION", "WHAT"], rows: listing.items.map { item in
                [item.text("at"), item.text("kind"), item["execution"] is String ? item.text("execution") : "-", item.text("summary")]
            })
            if listing.next != nil { Output.error("more items: use --all, or narrow with --since/--kind") }
        }
    }
}
