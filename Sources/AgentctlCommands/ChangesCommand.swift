import ArgumentParser
import Client
import Foundation

/// `agentctl changes …`: acts the org holds for approval (deploying to prod), and deciding them
/// (docs/governance.md#change-requests).
struct Changes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change requests: gated acts (deploying to prod) held until approved; list, show, approve, reject, and the org's policy.",
        subcommands: [List.self, Show.self, Approve.self, Reject.self, Policy.self]
    )

    static func path(_ change: String, _ suffix: String = "") -> String { "/api/v1/changes/\(Users.escape(change))\(suffix)" }

    /// What a gated act prints when it opened a request instead of acting.
    static func requested(_ change: [String: Any]) {
        print("held for approval: \(change.text("summary"))")
        print("change request \(change.text("id")) needs \(change.text("quorum")) approval(s) from \((change["approvers"] as? [String] ?? []).joined(separator: ", ")); "
              + "agentctl changes approve \(change.text("id"))")
    }

    static func show(_ change: [String: Any], as format: ConnectionOptions.OutputFormat) {
        if format == .json { return Output.json(change) }
        let votes = (change["votes"] as? [[String: Any]] ?? []).map { vote in
            "\(vote.text("decision")) by \(vote.text("by"))" + (vote["on_behalf_of"] is String ? " for \(vote.text("on_behalf_of"))" : "")
                + (vote["comment"] is String ? ": \(vote.text("comment"))" : "")
        }
        var diff = "-"
        if let fields = change["diff"] as? [String: Any] {
            diff = fields.keys.sorted().map { key in
                let field = fields[key] as? [String: Any] ?? [:]
                return "\(key): \(field["before"].map { "\($0)" } ?? "none") -> \(field["after"].map { "\($0)" } ?? "none")"
            }.joined(separator: "; ")
        }
        Output.pairs([("id", change.text("id")), ("status", change.text("status")), ("action", change.text("action")),
                      ("summary", change.text("summary")), ("diff", diff), ("requested_by", change.text("requested_by")),
                      ("approvers", (change["approvers"] as? [String] ?? []).joined(separator: ", ")),
                      ("quorum", "\(change.text("approvals")) of \(change.text("quorum")) approved"),
                      ("decisions", votes.isEmpty ? "none yet" : votes.joined(separator: "\n            ")),
                      ("created_at", change.text("created_at")),
                      ("expires_at", change["expires_at"] is String ? change.text("expires_at") : "never (waits until decided)")])
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change requests, newest first.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only pending, approved, rejected, expired or cancelled.") var status: String?
        @Option(help: "Requests per page (1-200).") var limit: Int = 50
        @Flag(help: "Follow cursors and print every page.") var all = false

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, "/api/v1/changes?limit=\(limit)" + (status.map { "&status=\($0)" } ?? ""), all: all)
                if connection.output == .json { return Output.json(listing.json) }
                Output.table(headers: ["ID", "STATUS", "APPROVED", "SUMMARY", "BY"], rows: listing.items.map {
                    [$0.text("id"), $0.text("status"), "\($0.text("approvals"))/\($0.text("quorum"))", $0.text("summary"), $0.text("requested_by")]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a change request: what, its diff, who approves, each decision.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its ID (chg_…).") var change: String

        func run() async throws {
            try await reportingFailures { Changes.show(try await connection.client.call(.GET, Changes.path(change)).json ?? [:], as: connection.output) }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve; the last approval needed carries the act out.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its ID (chg_…).") var change: String
        @Option(help: "Why.") var comment: String?

        func run() async throws {
            try await reportingFailures {
                Changes.show(try await connection.client.call(.POST, Changes.path(change, "/approve"), json: comment.map { ["comment": $0] } ?? [:]).json ?? [:],
                             as: connection.output)
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject; nothing is done.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its ID (chg_…).") var change: String
        @Option(help: "Why.") var comment: String?

        func run() async throws {
            try await reportingFailures {
                Changes.show(try await connection.client.call(.POST, Changes.path(change, "/reject"), json: comment.map { ["comment": $0] } ?? [:]).json ?? [:],
                             as: connection.output)
            }
        }
    }

    struct Policy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The acts this org holds for approval.", subcommands: [Show.self, Set.self, Lift.self])

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List the gated acts and who approves them.")
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                try await reportingFailures {
                    let listing = try await Listing.read(connection.client, "/api/v1/change-policies", all: false)
                    if connection.output == .json { return Output.json(listing.json) }
                    Output.table(headers: ["ACTION", "APPROVERS", "QUORUM", "EXPIRES IN"], rows: listing.items.map {
                        [$0.text("action"), ($0["approvers"] as? [String] ?? []).joined(separator: ", "), $0.text("quorum"),
                         $0["expires_in"] is String ? $0.text("expires_in") : "never"]
                    })
                }
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Hold an act for approval (deploy.prod, …), with approvers, quorum and expiry.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The act: deploy.prod, agent.publish, budget.raise, role.change or secret.prod.") var action: String
            @Option(name: .customLong("approver"), help: "A login, role:NAME or team:NAME (repeatable).") var approvers: [String] = []
            @Option(help: "Distinct approvals needed (default 1).") var quorum: Int = 1
            @Option(name: .customLong("expires-in"), help: "How long a request may wait undecided (e.g. 72h, 7d); then it expires and nothing is done.")
            var expiresIn: String?

            func run() async throws {
                try await reportingFailures {
                    var body: [String: Any] = ["approvers": approvers, "quorum": quorum]
                    if let expiresIn { body["expires_in"] = expiresIn }
                    let policy = try await connection.client.call(.PUT, "/api/v1/change-policies/\(action)", json: body).json ?? [:]
                    if connection.output == .json { return Output.json(policy) }
                    print("\(policy.text("action")) now needs \(policy.text("quorum")) approval(s) from \((policy["approvers"] as? [String] ?? []).joined(separator: ", "))"
                          + (policy["expires_in"] is String ? "; a request expires after \(policy.text("expires_in")) undecided" : ""))
                }
            }
        }

        struct Lift: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stop holding an act for approval (open requests stay).")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The act: deploy.prod, agent.publish, budget.raise, role.change or secret.prod.") var action: String

            func run() async throws {
                try await reportingFailures {
                    _ = try await connection.client.call(.DELETE, "/api/v1/change-policies/\(action)")
                    print("\(action) is no longer held for approval")
                }
            }
        }
    }
}
