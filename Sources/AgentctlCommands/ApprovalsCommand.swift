import ArgumentParser
import Client
import Foundation

/// `agentctl approvals …`: what waits for people in `approval` steps, deciding on it, and
/// lending one's approval rights while away (docs/governance.md).
struct Approvals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List what waits for your approval, approve or reject it, and delegate your approvals while away.",
        subcommands: [List.self, Show.self, Approve.self, Reject.self, Delegate.self, Delegations.self, Undelegate.self]
    )

    static func path(_ approval: String, _ suffix: String = "") -> String { "/api/v1/approvals/\(Users.escape(approval))\(suffix)" }

    static func show(_ approval: [String: Any], as format: ConnectionOptions.OutputFormat) {
        if format == .json { return Output.json(approval) }
        let votes = (approval["votes"] as? [[String: Any]] ?? []).map { vote in
            let behalf = vote["on_behalf_of"] is String ? " for \(vote.text("on_behalf_of"))" : ""
            let comment = vote["comment"] is String ? ": \(vote.text("comment"))" : ""
            return "\(vote.text("decision")) by \(vote.text("by"))\(behalf) at \(vote.text("at"))\(comment)"
        }
        Output.pairs([("id", approval.text("id")), ("status", approval.text("status")), ("workflow", approval.text("workflow")),
                      ("execution", approval.text("execution_id")), ("node", approval.text("node")),
                      ("message", approval["message"] is String ? approval.text("message") : "-"),
                      ("approvers", (approval["approvers"] as? [String] ?? []).joined(separator: ", ")),
                      ("quorum", "\(approval.text("approvals")) of \(approval.text("quorum")) approved"),
                      ("expires", approval["expires_at"] is String ? "\(approval.text("expires_at")) (then \(approval.text("on_expiry")))" : "never"),
                      ("decisions", votes.isEmpty ? "none yet" : votes.joined(separator: "\n            ")),
                      ("created_at", approval.text("created_at"))])
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What waits for your decision now (--all: every request you can see).")
        @OptionGroup var connection: ConnectionOptions
        @Flag(name: .customLong("all-requests"), help: "Every request you can see, not only those you may decide.") var allRequests = false
        @Option(help: "With --all-requests: only pending, approved, rejected, expired or cancelled.") var status: String?
        @Option(help: "Requests per page (1-200).") var limit: Int = 50
        @Flag(help: "Follow cursors and print every page.") var all = false

        func run() async throws {
            var query = "limit=\(limit)"
            if allRequests {
                if let status { query += "&status=\(status)" }
            } else {
                query += "&mine=true"
            }
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, "/api/v1/approvals?\(query)", all: all)
                if connection.output == .json { return Output.json(listing.json) }
                Output.table(headers: ["ID", "WORKFLOW", "NODE", "STATUS", "APPROVED", "EXPIRES", "MESSAGE"], rows: listing.items.map {
                    [$0.text("id"), $0.text("workflow"), $0.text("node"), $0.text("status"), "\($0.text("approvals"))/\($0.text("quorum"))",
                     $0["expires_at"] is String ? $0.text("expires_at") : "-", $0["message"] is String ? String($0.text("message").prefix(60)) : "-"]
                })
                if listing.next != nil { Output.error("more requests: use --all") }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a request: its message, approvers, quorum and every decision.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its ID (apr_…).") var approval: String

        func run() async throws {
            try await reportingFailures {
                Approvals.show(try await connection.client.call(.GET, Approvals.path(approval)).json ?? [:], as: connection.output)
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve; the quorum's last approval lets the execution go on.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its ID (apr_…).") var approval: String
        @Option(help: "Why; the step's output and the audit trail keep it.") var comment: String?

        func run() async throws {
            try await reportingFailures {
                let body: [String: Any] = comment.map { ["comment": $0] } ?? [:]
                Approvals.show(try await connection.client.call(.POST, Approvals.path(approval, "/approve"), json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject; the step completes with decision rejected.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its ID (apr_…).") var approval: String
        @Option(help: "Why; the step's output and the audit trail keep it.") var comment: String?

        func run() async throws {
            try await reportingFailures {
                let body: [String: Any] = comment.map { ["comment": $0] } ?? [:]
                Approvals.show(try await connection.client.call(.POST, Approvals.path(approval, "/reject"), json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct Delegate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lend your approval rights to a colleague until a time.",
            discussion: "They decide for you on what names you (by login, role or team) until then; each right is used once per request. Replaces an earlier delegation.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "A member of your org (login or ID).") var to: String
        @Option(help: "2026-12-24 (until that day starts, UTC) or an RFC 3339 time.") var until: String

        func run() async throws {
            try await reportingFailures {
                let record = try await connection.client.call(.PUT, "/api/v1/approvals/delegation", json: ["to": to, "until": until]).json ?? [:]
                if connection.output == .json { return Output.json(record) }
                print("\(record.text("to")) decides for \(record.text("from")) until \(record.text("until"))")
            }
        }
    }

    struct Delegations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The delegations you gave or hold that have not ended.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, "/api/v1/approvals/delegation", all: false)
                if connection.output == .json { return Output.json(listing.json) }
                Output.table(headers: ["FROM", "TO", "UNTIL"], rows: listing.items.map { [$0.text("from"), $0.text("to"), $0.text("until")] })
            }
        }
    }

    struct Undelegate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take your delegation back.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let ended = try await connection.client.call(.DELETE, "/api/v1/approvals/delegation").json?["ended"] as? Bool ?? false
                print(ended ? "your approvals are yours alone again" : "you had delegated nothing")
            }
        }
    }
}
