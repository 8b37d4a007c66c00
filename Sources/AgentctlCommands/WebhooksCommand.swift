import ArgumentParser
import Client
import Foundation

/// `agentctl webhooks …`: receivers that start a workflow when another system posts a signed
/// body to them (docs/triggers.md).
struct Webhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create webhook receivers (POST /hooks/ID, signed with HMAC-SHA256), rotate their secrets, and read their deliveries.",
        subcommands: [Create.self, List.self, Get.self, Rotate.self, Delete.self, Deliveries.self]
    )

    static func path(_ webhook: String, _ suffix: String = "") -> String { "/api/v1/webhooks/\(Users.escape(webhook))\(suffix)" }

    static func show(_ webhook: [String: Any], as format: ConnectionOptions.OutputFormat) {
        if format == .json { return Output.json(webhook) }
        var pairs = [("id", webhook.text("id")), ("name", webhook.text("name")), ("url", "POST \(webhook.text("url"))"),
                     ("workflow", webhook.text("workflow")), ("environment", webhook.text("environment")),
                     ("secret_path", webhook.text("secret_path")), ("transform", webhook["transform"] is String ? webhook.text("transform") : "none (the body is the input)"),
                     ("rate", "\(webhook.text("rate_per_minute")) a minute"), ("max_body", "\(webhook.text("max_body_bytes")) bytes"),
                     ("tolerance", "\(webhook.text("tolerance_seconds")) s"),
                     ("allow_from", (webhook["allow_from"] as? [String]).map { $0.isEmpty ? "any address" : $0.joined(separator: ", ") } ?? ""),
                     ("created_by", webhook.text("created_by"))]
        if webhook["secret"] is String {
            pairs.append(("secret", webhook.text("secret")))
        }
        Output.pairs(pairs)
        if webhook["secret"] is String {
            Output.error("the secret is shown this once: give it to the sender now (agentctl webhooks rotate makes a new one)")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a webhook receiver; prints its URL (and its secret, once, when agentd generates it).",
            discussion: """
                A sender posts JSON (or a form) to the URL with Agentd-Signature: t=UNIX_SECONDS,v1=HEX, HEX being the \
                HMAC-SHA256 of "t.body" under the secret. --transform makes the execution's input from the delivery: a JSON \
                object with templates, e.g. '{"order": {{ body.data.id }}}' (roots: body, headers, query, webhook, delivery).
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name, unique in the org.") var name: String
        @Option(help: "The workflow a delivery starts (name or ID).") var workflow: String
        @Option(name: .customLong("secret-path"), help: "Vault path of the signing secret; generated when the path has none.") var secretPath: String
        @Option(help: "The input made from the delivery: a JSON object with templates.") var transform: String?
        @Option(help: "Run the version deployed here, with this environment's secret: dev (default), staging, prod or one the org added.") var env: String?
        @Option(help: "Deliveries accepted per minute (default 600).") var rate: Int?
        @Option(name: .customLong("max-body"), help: "Largest body in bytes (default 262144).") var maxBody: Int?
        @Option(help: "Seconds the signature's t may be from agentd's clock (default 300).") var tolerance: Int?
        @Option(name: .customLong("allow-from"), help: "An address or CIDR deliveries may come from (repeat it); none: any.") var allowFrom: [String] = []
        @Option(help: "A team of yours that owns it.") var team: String?

        func run() async throws {
            var body: [String: Any] = ["name": name, "workflow": workflow, "secret_path": secretPath]
            if let transform { body["transform"] = transform }
            if let env { body["environment"] = env }
            if let rate { body["rate_per_minute"] = rate }
            if let maxBody { body["max_body_bytes"] = maxBody }
            if let tolerance { body["tolerance_seconds"] = tolerance }
            if !allowFrom.isEmpty { body["allow_from"] = allowFrom }
            if let team { body["team"] = team }
            try await reportingFailures {
                Webhooks.show(try await connection.client.call(.POST, "/api/v1/webhooks", json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the webhooks you can see.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Webhooks per page (1-200).") var limit: Int = 50
        @Flag(help: "Follow cursors and print every page.") var all = false

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, "/api/v1/webhooks?limit=\(limit)", all: all)
                if connection.output == .json { return Output.json(listing.json) }
                Output.table(headers: ["NAME", "URL", "WORKFLOW", "ENV", "SECRET", "RATE/MIN"], rows: listing.items.map {
                    [$0.text("name"), $0.text("url"), $0.text("workflow"), $0.text("environment"), $0.text("secret_path"), $0.text("rate_per_minute")]
                })
                if listing.next != nil { Output.error("more webhooks: use --all") }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a webhook.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var webhook: String

        func run() async throws {
            try await reportingFailures {
                Webhooks.show(try await connection.client.call(.GET, Webhooks.path(webhook)).json ?? [:], as: connection.output)
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give the webhook a new secret (printed once); the old one stops verifying at once.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var webhook: String

        func run() async throws {
            try await reportingFailures {
                Webhooks.show(try await connection.client.call(.POST, Webhooks.path(webhook, "/rotate"), json: [:]).json ?? [:], as: connection.output)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a webhook and its deliveries (its secret stays in the vault).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var webhook: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, Webhooks.path(webhook))
                print("deleted \(webhook)")
            }
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each delivery, newest first: accepted with its execution, or why not.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var webhook: String
        @Option(help: "Deliveries per page (1-200).") var limit: Int = 50
        @Flag(help: "Follow cursors and print every page.") var all = false

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, Webhooks.path(webhook, "/deliveries?limit=\(limit)"), all: all)
                if connection.output == .json { return Output.json(listing.json) }
                Output.table(headers: ["RECEIVED", "OUTCOME", "DELIVERY", "FROM", "EXECUTION / DETAIL"], rows: listing.items.map {
                    [$0.text("received_at"), $0.text("outcome"), $0["delivery_id"] is String ? String($0.text("delivery_id").prefix(24)) : "-",
                     $0["remote"] is String ? $0.text("remote") : "socket",
                     $0["execution_id"] is String ? $0.text("execution_id") : $0.text("detail")]
                })
                if listing.next != nil { Output.error("more deliveries: use --all") }
            }
        }
    }
}
