import ArgumentParser
import Client
import Foundation

/// `agentctl costs …`: where the org's model spending goes.
struct Costs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cost analytics: breakdowns, daily trend, top spenders, forecast and advice.",
        subcommands: [Breakdown.self, Trend.self, Top.self, Forecast.self, Advice.self],
        defaultSubcommand: Breakdown.self
    )

    struct Window: ParsableArguments {
        @Option(help: "From this day or time, or back from now: 30d (default), 7d, 2026-01-01.") var since: String?
        @Option(help: "Up to (not including) this day; default: now.") var until: String?

        func query(_ extra: [String: String] = [:]) -> String {
            var pairs = extra
            if let since { pairs["since"] = since }
            if let until { pairs["until"] = until }
            return pairs.isEmpty ? "" : "?" + pairs.sorted { $0.key < $1.key }.map { "\($0.key)=\(Users.escape($0.value))" }.joined(separator: "&")
        }
    }

    static func totals(_ result: [String: Any], keyHeader: String, as format: ConnectionOptions.OutputFormat) {
        if format == .json { return Output.json(result) }
        Output.table(headers: [keyHeader, "CALLS", "FAILED", "PROMPT TOK", "COMPLETION TOK", "COST $"], rows: (result["items"] as? [[String: Any]] ?? []).map {
            [$0.text("key"), $0.text("calls"), $0.text("failed_calls"), $0.text("prompt_tokens"), $0.text("completion_tokens"), $0.text("cost")]
        })
    }

    struct Breakdown: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "by", abstract: "Costs by team, workflow (default), agent, model, user or day.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "team, workflow, agent, model, user (who started the executions) or day.") var by = "workflow"
        @OptionGroup var window: Window

        func run() async throws {
            try await reportingFailures {
                let result = try await connection.client.call(.GET, "/api/v1/costs" + window.query(["by": by])).json ?? [:]
                Costs.totals(result, keyHeader: by.uppercased(), as: connection.output)
            }
        }
    }

    struct Trend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Daily costs.")
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "One row per day (the only granularity, kept for clarity).") var daily = false
        @OptionGroup var window: Window

        func run() async throws {
            try await reportingFailures {
                Costs.totals(try await connection.client.call(.GET, "/api/v1/costs/trend" + window.query()).json ?? [:], keyHeader: "DAY", as: connection.output)
            }
        }
    }

    struct Top: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The biggest spenders: executions (default), teams, workflows, agents or models.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "execution, team, workflow, agent or model.") var by = "execution"
        @Option(help: "How many (1-100).") var limit = 10
        @OptionGroup var window: Window

        func run() async throws {
            try await reportingFailures {
                let result = try await connection.client.call(.GET, "/api/v1/costs/top" + window.query(["by": by, "limit": String(limit)])).json ?? [:]
                guard by == "execution" else { return Costs.totals(result, keyHeader: by.uppercased(), as: connection.output) }
                if connection.output == .json { return Output.json(result) }
                Output.table(headers: ["EXECUTION", "WORKFLOW", "STATUS", "STARTED", "TOKENS", "COST $"], rows: (result["items"] as? [[String: Any]] ?? []).map {
                    [$0.text("id"), $0.text("workflow"), $0.text("status"), $0.text("created_at"),
                     "\($0.text("prompt_tokens"))+\($0.text("completion_tokens"))", $0.text("cost")]
                })
            }
        }
    }

    struct Forecast: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Spend so far this period and its projection to the period's end.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let result = try await connection.client.call(.GET, "/api/v1/costs/forecast").json ?? [:]
                if connection.output == .json { return Output.json(result) }
                var pairs = [("period", "\(result.text("period_start")) to \(result.text("period_end"))"), ("spent", "$" + result.text("spent")),
                             ("daily rate", "$" + result.text("daily_rate")), ("projected", "$" + result.text("projected"))]
                if let budget = result["budget"] as? [String: Any] {
                    pairs.append(("budget", "$\(budget.text("limit")) (\(budget.text("scope")), \(budget.text("period")))"))
                    pairs.append(("projected use", result.text("projected_percent_of_budget") + "%"))
                }
                Output.pairs(pairs)
            }
        }
    }

    struct Advice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Where money could be saved: cheaper models, grown prompts, failing calls.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var window: Window

        func run() async throws {
            try await reportingFailures {
                let result = try await connection.client.call(.GET, "/api/v1/costs/advice" + window.query()).json ?? [:]
                if connection.output == .json { return Output.json(result) }
                let items = result["items"] as? [[String: Any]] ?? []
                if items.isEmpty { return print("no advice: nothing stands out in this window") }
                for item in items { print("- [\(item.text("rule"))] \(item.text("message"))") }
            }
        }
    }
}
