import ArgumentParser
import Client
import Foundation

/// `agentctl top`: what runs now in your org, refreshed in place (docs/observability.md#top).
struct Top: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What runs now: executions by status, the last hour, step times, spend today, breakers, recent errors; refreshed in place.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Seconds between refreshes (1-300).") var interval: Int = 2
    @Flag(help: "Print once and exit (for scripts and logs).") var once = false

    func validate() throws {
        guard (1...300).contains(interval) else { throw ValidationError("--interval must be 1 to 300 seconds") }
    }

    func run() async throws {
        try await reportingFailures {
            let client = connection.client
            repeat {
                let overview = try await client.call(.GET, "/api/v1/overview").json ?? [:]
                if connection.output == .json {
                    Output.json(overview)
                } else {
                    // Home and clear, then the page: the terminal shows one page that changes in place.
                    if !once { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                    print(Self.page(overview), terminator: "")
                }
                if once { return }
                try await Task.sleep(for: .seconds(interval))
            } while true
        }
    }

    static func page(_ overview: [String: Any]) -> String {
        let now = overview["executions"] as? [String: Any] ?? [:]
        let hour = overview["last_hour"] as? [String: Any] ?? [:]
        let steps = overview["steps_5m"] as? [String: Any] ?? [:]
        func count(_ map: [String: Any], _ key: String) -> String { map[key].map { "\($0)" } ?? "0" }
        func milliseconds(_ value: Any?) -> String { (value as? NSNumber).map { String(format: "%.1f ms", $0.doubleValue) } ?? "-" }
        var lines = ["agentd top — \(overview.text("at"))", ""]
        lines.append("now        running \(count(now, "running"))   waiting \(count(now, "waiting"))   queued \(count(now, "queued"))   open jobs \(overview.text("open_jobs"))")
        let rate = (overview["failure_rate_last_hour"] as? NSNumber).map { String(format: "%.1f %%", $0.doubleValue * 100) } ?? "-"
        lines.append("last hour  succeeded \(count(hour, "succeeded"))   failed \(count(hour, "failed"))   cancelled \(count(hour, "cancelled"))   failure rate \(rate)")
        lines.append("steps 5m   \(count(steps, "count")) attempts   p50 \(milliseconds(steps["p50_ms"]))   p95 \(milliseconds(steps["p95_ms"]))")
        lines.append("cost today " + (overview["cost_today"] is String ? "$\(overview.text("cost_today"))" : "- (needs costs.view)"))
        let breakers = overview["breakers_open"] as? [String] ?? []
        lines.append("breakers   " + (breakers.isEmpty ? "none open" : "open: " + breakers.joined(separator: ", ")))
        if let errors = overview["recent_errors"] as? [[String: Any]] {
            lines.append("")
            lines.append(errors.isEmpty ? "no errors in the last hour" : "errors in the last hour:")
            for error in errors {
                lines.append("  \(error.text("count"))×  \(error.text("kind"))  \(error.text("node").isEmpty ? "-" : error.text("node"))  "
                             + String(error.text("message").prefix(70)) + "   (\(error.text("fingerprint")))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
