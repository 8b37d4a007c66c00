import ArgumentParser
import Client
import Foundation

/// `agentctl budgets …`: spending limits per org and per team.
struct Budgets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set, list and remove budgets: alerts at 50/75/90/100 %, llm steps blocked at 100 % unless overage is allowed.",
        subcommands: [Set.self, List.self, Remove.self]
    )

    static func rows(_ items: [[String: Any]]) -> [[String]] {
        items.map { [$0.text("scope"), $0.text("period"), "$" + $0.text("limit"), "$" + $0.text("spent"), $0.text("used_percent") + "%",
                     "$" + $0.text("remaining"), $0.text("reserved_micros"), ($0["allow_overage"] as? Bool) == true ? "yes" : "no",
                     (($0["alerts"] as? [Any]) ?? []).map { "\($0)%" }.joined(separator: " ")] }
    }
    static let headers = ["SCOPE", "PERIOD", "LIMIT", "SPENT", "USED", "REMAINING", "RESERVED µ$", "OVERAGE", "ALERTS"]

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set the org's budget, or a team's (--team).")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "A team (ID or name); none: the whole org.") var team: String?
        @Option(help: "Dollars per month.") var monthly: String?
        @Option(help: "Dollars per quarter.") var quarterly: String?
        @Flag(name: .customLong("allow-overage"), help: "Let llm steps run past 100 % (recorded as overage) instead of failing them.") var allowOverage = false

        func validate() throws {
            guard (monthly == nil) != (quarterly == nil) else { throw ValidationError("give one of --monthly or --quarterly") }
        }

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["period": monthly == nil ? "quarterly" : "monthly", "limit": monthly ?? quarterly ?? "", "allow_overage": allowOverage]
                if let team { body["team"] = team }
                let budget = try await connection.client.call(.PUT, "/api/v1/budgets", json: body).json ?? [:]
                if connection.output == .json { return Output.json(budget) }
                if let change = budget["change_request"] as? [String: Any] { return Changes.requested(change) }
                Output.table(headers: Budgets.headers, rows: Budgets.rows([budget]))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Budgets with this period's spend, reservations and what remains.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/budgets").json ?? [:]
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: Budgets.headers, rows: Budgets.rows(page["items"] as? [[String: Any]] ?? []))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the org's budget, or a team's (--team).")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "A team (ID or name); none: the org's budget.") var team: String?

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/budgets" + (team.map { "?team=\(Users.escape($0))" } ?? ""))
                print("removed the \(team.map { "team \($0)" } ?? "org") budget")
            }
        }
    }
}
