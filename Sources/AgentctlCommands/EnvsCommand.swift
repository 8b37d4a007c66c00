import ArgumentParser
import Client
import Foundation

/// `agentctl envs …`: an org's environments (dev, staging, prod and its own) and their settings
/// (docs/governance.md#environments).
struct Envs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envs", abstract: "Environments: list, show, create, set their settings, delete, and compare two.",
        subcommands: [List.self, Show.self, Create.self, Set_.self, Delete.self, Diff.self])

    static func path(_ name: String) -> String { "/api/v1/environments/\(Users.escape(name))" }

    /// A setting's value as a person reads it.
    static func render(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "none"
        case let text as String: return text
        case let flag as Bool: return flag ? "yes" : "no"
        case let number as NSNumber: return number.stringValue
        case let map as [String: Any]:
            // An empty list says nothing: `egress` with only a deny list shows just that.
            let keys = map.keys.sorted().filter { ($0 == "allow" || $0 == "deny") ? !((map[$0] as? [Any])?.isEmpty ?? true) : true }
            if keys.isEmpty { return "none" }
            return keys.map { key in
                let item = map[key]
                if let list = item as? [Any] { return "\(key) [\(list.map { "\($0)" }.joined(separator: ", "))]" }
                return "\(key)=\(render(item))"
            }.joined(separator: ", ")
        case let list as [Any]: return list.isEmpty ? "none" : list.map { "\($0)" }.joined(separator: ", ")
        case let other?: return "\(other)"
        }
    }

    static func show(_ environment: [String: Any], as format: ConnectionOptions.OutputFormat) {
        if format == .json { return Output.json(environment) }
        let settings = environment["settings"] as? [String: Any] ?? [:]
        var pairs: [(String, String)] = [("name", environment.text("name")),
                                         ("kind", environment["built_in"] as? Bool == true ? "built in" : "added by the org"),
                                         ("protected", environment["protected"] as? Bool == true ? "yes: deploys and secret writes follow the prod change policies" : "no"),
                                         ("description", environment.text("description").isEmpty ? "-" : environment.text("description")),
                                         ("models", render(settings["models"])), ("egress", render(settings["egress"])),
                                         ("concurrency", settings["concurrency"] is NSNull || settings["concurrency"] == nil ? "no limit of its own" : render(settings["concurrency"]))]
        if let use = environment["in_use"] as? [String: Any] {
            let parts = [("deployments", "deployed workflows"), ("secrets", "secrets"), ("schedules", "schedules"), ("webhooks", "webhooks"),
                         ("unfinished_executions", "unfinished executions")]
                .compactMap { key, label in (use[key] as? Int ?? 0) > 0 ? "\(use.text(key)) \(label)" : nil }
            pairs.append(("in use by", parts.isEmpty ? "nothing" : parts.joined(separator: ", ")))
        }
        if environment["updated_by"] is String { pairs.append(("updated", "\(environment.text("updated_at")) by \(environment.text("updated_by"))")) }
        Output.pairs(pairs)
    }

    /// The settings flags `create` and `set` share; each changes one part of the settings.
    struct SettingsOptions: ParsableArguments {
        @Option(help: "What it is for.") var description: String?
        @Option(name: .customLong("model"), help: "MODEL=OTHER: an llm step naming MODEL uses OTHER here (repeatable).") var models: [String] = []
        @Option(name: .customLong("unset-model"), help: "Stop mapping this model (repeatable).") var unsetModels: [String] = []
        @Option(name: .customLong("egress-allow"), help: "Only these CIDRs or host names may be reached from here (repeatable; narrows the org's).")
        var egressAllow: [String] = []
        @Option(name: .customLong("egress-deny"), help: "Never reach this CIDR or host name from here (repeatable).") var egressDeny: [String] = []
        @Flag(name: .customLong("clear-egress"), help: "Drop this environment's egress lists.") var clearEgress = false
        @Option(help: "At most this many of the org's executions run here at once; 0: no limit of its own.") var concurrency: Int?
        @Option(help: "true: deploys and secret writes here follow the prod change policies.") var protected: Bool?
        @Flag(help: "Start from empty settings (then apply the other flags).") var clear = false

        var changesSettings: Bool {
            !models.isEmpty || !unsetModels.isEmpty || !egressAllow.isEmpty || !egressDeny.isEmpty || clearEgress || concurrency != nil
                || protected != nil || clear
        }

        /// `current` with these flags applied.
        func apply(to current: [String: Any]) throws -> [String: Any] {
            var settings = clear ? [:] : current
            var mapped = settings["models"] as? [String: Any] ?? [:]
            for pair in models {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ValidationError("--model takes MODEL=OTHER, e.g. --model large=small; got \(pair)")
                }
                mapped[parts[0]] = parts[1]
            }
            for name in unsetModels { mapped[name] = nil }
            settings["models"] = mapped
            var egress = clearEgress ? [:] : (settings["egress"] as? [String: Any] ?? [:])
            if !egressAllow.isEmpty { egress["allow"] = (egress["allow"] as? [String] ?? []) + egressAllow }
            if !egressDeny.isEmpty { egress["deny"] = (egress["deny"] as? [String] ?? []) + egressDeny }
            settings["egress"] = egress.isEmpty ? NSNull() : egress
            if let concurrency { settings["concurrency"] = concurrency == 0 ? NSNull() : concurrency }
            if let protected { settings["protected"] = protected }
            return settings
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The org's environments and their settings.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, "/api/v1/environments", all: false)
                if connection.output == .json { return Output.json(listing.json) }
                Output.table(headers: ["NAME", "PROTECTED", "MODELS", "EGRESS", "CONCURRENCY", "DESCRIPTION"], rows: listing.items.map { environment in
                    let settings = environment["settings"] as? [String: Any] ?? [:]
                    return [environment.text("name"), environment["protected"] as? Bool == true ? "yes" : "no", Envs.render(settings["models"]),
                            Envs.render(settings["egress"]), Envs.render(settings["concurrency"]), environment.text("description")]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One environment: its settings and what uses it.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            try await reportingFailures { Envs.show(try await connection.client.call(.GET, Envs.path(name)).json ?? [:], as: connection.output) }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an environment (qa, prod-eu): its own deployments, secrets and settings.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name: a-z 0-9 -, starting with a letter.") var name: String
        @OptionGroup var options: SettingsOptions

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["name": name, "settings": try options.apply(to: [:])]
                if let description = options.description { body["description"] = description }
                Envs.show(try await connection.client.call(.POST, "/api/v1/environments", json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct Set_: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Change an environment's settings or description.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name.") var name: String
        @OptionGroup var options: SettingsOptions

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = [:]
                if let description = options.description { body["description"] = description }
                if options.changesSettings {
                    let current = try await connection.client.call(.GET, Envs.path(name)).json?["settings"] as? [String: Any] ?? [:]
                    body["settings"] = try options.apply(to: current)
                }
                guard !body.isEmpty else { throw ValidationError("nothing to change: give --model, --egress-allow, --concurrency, --protected, --description, …") }
                Envs.show(try await connection.client.call(.PUT, Envs.path(name), json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an environment the org added, with its deployments, once no secret, schedule, webhook or unfinished execution uses it.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, Envs.path(name))
                print("environment \(name) deleted")
            }
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What differs between two environments: deployed versions, secret paths, settings.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "One environment.") var from: String
        @Argument(help: "The other.") var to: String

        func run() async throws {
            try await reportingFailures {
                let diff = try await connection.client.call(.GET, "/api/v1/environments/diff?from=\(from)&to=\(to)").json ?? [:]
                if connection.output == .json { return Output.json(diff) }
                let workflows = diff["workflows"] as? [[String: Any]] ?? []
                if workflows.isEmpty { print("workflows: the same versions deployed in \(from) and \(to)") } else {
                    Output.table(headers: ["WORKFLOW", from.uppercased(), to.uppercased()], rows: workflows.map {
                        [$0.text("name"), $0["from_version"] is Int ? $0.text("from_version") : "-", $0["to_version"] is Int ? $0.text("to_version") : "-"]
                    })
                }
                if let onlyFrom = diff["secrets_only_in_from"] as? [String], let onlyTo = diff["secrets_only_in_to"] as? [String] {
                    for path in onlyFrom { print("secret \(path): only in \(from)") }
                    for path in onlyTo { print("secret \(path): only in \(to)") }
                } else {
                    print("secrets: not compared (reading their paths needs secrets.read)")
                }
                let settings = diff["settings"] as? [String: [String: Any]] ?? [:]
                if settings.isEmpty { print("settings: the same") }
                for key in settings.keys.sorted() {
                    print("setting \(key): \(Envs.render(settings[key]?["from"])) in \(from), \(Envs.render(settings[key]?["to"])) in \(to)")
                }
            }
        }
    }
}
