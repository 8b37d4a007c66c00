import ArgumentParser
import Client
import Foundation

/// `agentctl audit …`: the audit hash chain.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, verify and export the audit chain.",
        subcommands: [List.self, Verify.self, Export.self]
    )

    /// Filters shared by list and export.
    struct Filters: ParsableArguments {
        @Option(help: "Only this action, e.g. org.created.") var action: String?
        @Option(help: "Only this actor, e.g. uid:0.") var actor: String?
        @Option(help: "From this time: RFC 3339, a date (2026-01-01) or a duration back from now (30m, 1h, 7d).") var since: String?
        @Option(help: "Before this time (same forms as --since).") var until: String?

        var query: [String] {
            [("action", action), ("actor", actor), ("since", since), ("until", until)].compactMap { name, value in
                value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "+&="))) ?? $0)" }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit events, oldest first.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var filters: Filters
        @Option(help: "Events per page (1-200).") var limit: Int = 50
        @Flag(help: "Follow cursors and print every page.") var all = false

        func run() async throws {
            try await reportingFailures {
                let query = filters.query + ["limit=\(limit)"]
                let listing = try await Listing.read(connection.client, "/api/v1/audit?" + query.joined(separator: "&"), all: all)
                if connection.output == .json { return Output.json(listing.json) }
                Output.table(headers: ["SEQ", "AT", "ACTOR", "ACTION", "OUTCOME", "TARGET"], rows: listing.items.map { event in
                    [event.text("seq"), event.text("at"), event.text("actor"), event.text("action"),
                     event.text("outcome"), event.text("target_id")]
                })
                if listing.next != nil { Output.error("more events: use --all, or narrow with --since/--action") }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the whole chain and check its keyed checkpoints; exit 1 and say what was tampered with.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var broken = false
            try await reportingFailures {
                let result = try await connection.client.call(.GET, "/api/v1/audit/verify").json ?? [:]
                broken = (result["ok"] as? Bool) != true
                if connection.output == .json { return Output.json(result) }
                let checkpoints = result.text("checkpoints_checked")
                if result["broken_seq"] != nil {
                    print("BROKEN at row \(result.text("broken_seq")): \(result.text("reason"))")
                    print("\(result.text("checked")) rows before it verified.")
                }
                if let problem = result["checkpoint_problem"] as? [String: Any] {
                    print("BROKEN (\(problem.text("kind"))) at checkpoint \(problem.text("checkpoint")): \(problem.text("reason"))")
                    print("\(checkpoints) checkpoints before it verified.")
                }
                if !broken {
                    print("ok: \(result.text("checked")) events and \(checkpoints) checkpoints verified, chain intact up to row \(result.text("last_seq"))")
                }
                if let through = result["removed_through"] as? Int, through > 0, !broken {
                    print("rows 1 to \(through) were removed by retention; the chain is verified from the keyed checkpoint at row \(through)")
                }
                // The newest checkpoint that agreed: compare it with the journal's last
                // `audit checkpoint` line (journalctl -u agentd MESSAGE_ID=…), which the
                // database cannot rewrite.
                if let last = result["last_checkpoint"] as? [String: Any] {
                    print("last checkpoint: \(last.text("number")) at \(last.text("at")): \(last.text("count")) events, head hash \(last.text("head_hash"))")
                    if !broken, let count = last["count"] as? Int, let head = result["last_seq"] as? Int, head > count {
                        print("\(head - count) newer events are not yet covered by a checkpoint")
                    }
                } else if !broken {
                    print("no checkpoint yet")
                }
            }
            if broken { throw ExitCode(1) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write audit events as JSON lines (for a SIEM) to stdout.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var filters: Filters

        func run() async throws {
            try await reportingFailures {
                let query = filters.query.isEmpty ? "" : "?" + filters.query.joined(separator: "&")
                let response = try await connection.client.call(.GET, "/api/v1/audit/export" + query)
                FileHandle.standardOutput.write(response.body)
            }
        }
    }
}
