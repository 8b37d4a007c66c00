import ArgumentParser
import Client
import Foundation

/// `agentctl errors list|show`: failures grouped by fingerprint (docs/observability.md#errors).
struct Errors: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Failures grouped by kind, node and normalised message: how often, since when, where.", subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Error groups, the most recently seen first.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only groups seen since: a duration back (7d) or an RFC 3339 time.") var since: String?
        @Option(help: "Only failures of this workflow.") var workflow: String?
        @Option(help: "Only this error kind (timeout, http_error, egress_denied, …).") var kind: String?
        @Option(help: "At most this many groups (1-500).") var limit: Int = 50

        func run() async throws {
            try await reportingFailures {
                let query = Secrets.query([("since", since), ("workflow", workflow), ("kind", kind), ("limit", String(limit))])
                let page = try await connection.client.call(.GET, "/api/v1/errors" + query).json ?? [:]
                if connection.output == .json { return Output.json(page) }
                let groups = page["items"] as? [[String: Any]] ?? []
                if groups.isEmpty { return print("no failures" + (since.map { " since \($0)" } ?? "")) }
                Output.table(headers: ["FINGERPRINT", "COUNT", "KIND", "NODE", "LAST SEEN", "WORKFLOWS", "MESSAGE"], rows: groups.map { group in
                    [group.text("fingerprint"), group.text("count"), group.text("kind"), group.text("node").isEmpty ? "-" : group.text("node"),
                     group.text("last_seen"), (group["workflows"] as? [[String: Any]] ?? []).map { $0.text("name") }.joined(separator: ","),
                     String(group.text("message").prefix(80))]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One group: its times, the workflows it hit and a sample execution of each.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its fingerprint (16 hex digits).") var fingerprint: String

        func run() async throws {
            try await reportingFailures {
                let group = try await connection.client.call(.GET, "/api/v1/errors/\(Users.escape(fingerprint))").json ?? [:]
                if connection.output == .json { return Output.json(group) }
                Output.pairs([("fingerprint", group.text("fingerprint")), ("kind", group.text("kind")),
                              ("node", group.text("node").isEmpty ? "-" : group.text("node")), ("message", group.text("message")),
                              ("latest", group.text("sample_message")), ("count", group.text("count")),
                              ("first seen", group.text("first_seen")), ("last seen", group.text("last_seen")),
                              ("sample", "\(group.text("sample_execution_id")) (agentctl executions show \(group.text("sample_execution_id")))")])
                Output.table(headers: ["WORKFLOW", "COUNT", "LAST SEEN", "SAMPLE EXECUTION"], rows: (group["workflows"] as? [[String: Any]] ?? []).map {
                    [$0.text("name"), $0.text("count"), $0.text("last_seen"), $0.text("sample_execution_id")]
                })
            }
        }
    }
}
