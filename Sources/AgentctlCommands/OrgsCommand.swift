import ArgumentParser
import Client
import Foundation

/// `agentctl orgs …`: the tenants of this installation.
struct Orgs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, show, rename and delete orgs; set how long their data is kept and how personal data is handled.",
        subcommands: [Create.self, List.self, Get.self, Rename.self, Delete.self, RetentionCommand.self, PrivacyCommand.self]
    )

    static let headers = ["ID", "NAME", "DISPLAY NAME", "CREATED"]

    static func row(_ org: [String: Any]) -> [String] {
        [org.text("id"), org.text("name"), org.text("display_name"), org.text("created_at")]
    }

    static func show(_ org: [String: Any], as format: ConnectionOptions.OutputFormat) {
        if format == .json { return Output.json(org) }
        Output.table(headers: headers, rows: [row(org)])
    }

    /// Path-escapes an ID or name for use in a URL.
    static func path(_ reference: String) -> String {
        "/api/v1/orgs/" + (reference.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_"))) ?? reference)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an org.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Short unique name: 2-63 of a-z, 0-9 and -, starting with a letter.") var name: String
        @Option(help: "Name for people (default: the name).") var displayName: String?

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["name": name]
                if let displayName { body["display_name"] = displayName }
                let response = try await connection.client.call(.POST, "/api/v1/orgs", json: body)
                Orgs.show(response.json ?? [:], as: connection.output)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List orgs, oldest first.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Orgs per page (1-200).") var limit: Int = 50
        @Option(help: "Start after this page cursor (from a previous --output json listing).") var cursor: String?
        @Flag(help: "Follow cursors and print every page.") var all = false

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, "/api/v1/orgs?limit=\(limit)", from: cursor, all: all)
                if connection.output == .json { return Output.json(listing.json) }
                Output.table(headers: Orgs.headers, rows: listing.items.map(Orgs.row))
                if let next = listing.next { Output.error("more: --cursor \(next) (or --all)") }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one org.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The org's ID (org_…) or name.") var org: String

        func run() async throws {
            try await reportingFailures {
                Orgs.show(try await connection.client.call(.GET, Orgs.path(org)).json ?? [:], as: connection.output)
            }
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename an org (and optionally change its display name).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The org's ID (org_…) or current name.") var org: String
        @Argument(help: "The new name.") var newName: String
        @Option(help: "A new name for people too.") var displayName: String?

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["name": newName]
                if let displayName { body["display_name"] = displayName }
                let response = try await connection.client.call(.PATCH, Orgs.path(org), json: body)
                Orgs.show(response.json ?? [:], as: connection.output)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an org.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The org's ID (org_…) or name.") var org: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, Orgs.path(org))
                if connection.output == .json { Output.json(["deleted": org]) } else { print("deleted \(org)") }
            }
        }
    }

    struct RetentionCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retention",
            abstract: "Show or set how long an org's executions and step payloads are kept.",
            discussion: """
                Without options, shows the org's periods (its own or the site's [retention]) and what is due now.
                Periods: 365d, 12h, 2y, forever; `site` returns a period to the site's. Options not given stay as they are.
                Example: agentctl orgs retention acme --executions 365d --step-payloads 60d
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The org's ID (org_…) or name.") var org: String
        @Option(help: "How long finished executions are kept (at least 31d), or site.") var executions: String?
        @Option(help: "How long step outputs and event data are kept (at least 1d), or site.") var stepPayloads: String?

        func run() async throws {
            try await reportingFailures {
                let path = Orgs.path(org) + "/retention"
                var retention = try await connection.client.call(.GET, path).json ?? [:]
                if executions != nil || stepPayloads != nil {
                    // PUT sets both: what is not given keeps the org's own period, or the site's.
                    func current(_ key: String) -> Any {
                        let period = retention[key] as? [String: Any] ?? [:]
                        return period.text("source") == "org" ? period.text("period") : NSNull()
                    }
                    func given(_ value: String?, _ key: String) -> Any {
                        guard let value else { return current(key) }
                        return value == "site" ? NSNull() : value
                    }
                    retention = try await connection.client.call(.PUT, path, json: [
                        "executions": given(executions, "executions"), "step_payloads": given(stepPayloads, "step_payloads"),
                    ]).json ?? [:]
                }
                if connection.output == .json { return Output.json(retention) }
                func line(_ key: String) -> String {
                    let period = retention[key] as? [String: Any] ?? [:]
                    return "\(period.text("period")) (\(period.text("source") == "org" ? "the org's own" : "the site's"))"
                }
                let due = retention["due"] as? [String: Any] ?? [:]
                Output.pairs([
                    ("org", retention.text("org")),
                    ("executions", line("executions")),
                    ("step payloads", line("step_payloads")),
                    ("audit", line("audit")),
                    ("due now", "\(due.text("executions")) executions, \(due.text("step_payloads")) with step payloads"),
                ])
            }
        }
    }

    struct PrivacyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "privacy",
            abstract: "Show or set what an org's executions do with personal data (PII detection and masking).",
            discussion: """
                Without options, shows the org's policy. --pii: off, mask_in_prompts (mask what is sent to models), mask (and what
                is stored), block (fail a step whose input, prompt or output holds it). --kinds: email, phone, iban, payment_card,
                ipv4, ipv6, us_ssn, de_tax_id, uk_nino, custom (the org's patterns), or all. Options not given stay as they are.
                A policy applies to executions started after it is set; a workflow's privacy: block may only add to it.
                Example: agentctl orgs privacy acme --pii mask --kinds email,phone,custom --pattern 'employee_id=EMP-[0-9]{6}'
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The org's ID (org_…) or name.") var org: String
        @Option(help: "off, mask_in_prompts, mask or block.") var pii: String?
        @Option(help: "Kinds covered, comma-separated, or all.") var kinds: String?
        @Option(name: .customLong("pattern"), help: "A custom pattern NAME=REGEX to add or replace (repeatable).") var patterns: [String] = []
        @Option(name: .customLong("remove-pattern"), help: "A custom pattern to remove, by name (repeatable).") var removals: [String] = []

        func run() async throws {
            try await reportingFailures {
                let path = Orgs.path(org) + "/privacy"
                var privacy = try await connection.client.call(.GET, path).json ?? [:]
                if pii != nil || kinds != nil || !patterns.isEmpty || !removals.isEmpty {
                    // PUT replaces the policy: what is not given stays as it is.
                    var current = (privacy["patterns"] as? [[String: Any]] ?? []).map { ($0.text("name"), $0.text("regex")) }
                    for name in removals {
                        guard current.contains(where: { $0.0 == name }) else { throw ValidationError("the org has no custom pattern named \(name)") }
                        current.removeAll { $0.0 == name }
                    }
                    for given in patterns {
                        guard let equals = given.firstIndex(of: "="), equals != given.startIndex else {
                            throw ValidationError("--pattern takes NAME=REGEX (employee_id=EMP-[0-9]{6}); got \(given)")
                        }
                        let name = String(given[..<equals]), regex = String(given[given.index(after: equals)...])
                        if let index = current.firstIndex(where: { $0.0 == name }) { current[index].1 = regex } else { current.append((name, regex)) }
                    }
                    var body: [String: Any] = [
                        "pii": pii ?? privacy.text("pii"),
                        "patterns": current.map { ["name": $0.0, "regex": $0.1] },
                    ]
                    if let kinds {
                        body["kinds"] = kinds == "all" ? NSNull() : kinds.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                    } else {
                        body["kinds"] = privacy["kinds"] ?? NSNull()
                    }
                    privacy = try await connection.client.call(.PUT, path, json: body).json ?? [:]
                }
                if connection.output == .json { return Output.json(privacy) }
                let patterns = (privacy["patterns"] as? [[String: Any]] ?? []).map { "\($0.text("name"))=\($0.text("regex"))" }
                Output.pairs([
                    ("org", privacy.text("org")),
                    ("pii", privacy.text("pii") + ((privacy["set"] as? Bool) == false ? " (never set)" : "")),
                    ("kinds", (privacy["kinds"] as? [String] ?? []).joined(separator: ", ")),
                    ("patterns", patterns.isEmpty ? "none" : patterns.joined(separator: "  ")),
                ])
            }
        }
    }
}
