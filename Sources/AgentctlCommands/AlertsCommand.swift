import ArgumentParser
import Client
import Foundation

/// `agentctl alerts …`: what fires, the history, rules, channels and silences
/// (docs/observability.md#alerts).
struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Alerts: what fires now, the history, rules, channels, silences.",
        subcommands: [List.self, History.self, Rules.self, Channels.self, Silence.self, Silences.self, Unsilence.self])

    static func value(_ item: [String: Any]) -> String {
        guard let number = item["value"] as? NSNumber else { return "-" }
        let value = number.doubleValue
        return value == value.rounded() ? String(Int64(value)) : String(format: "%.3f", value)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Alerts pending or firing now, firing first.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/alerts").json ?? [:]
                if connection.output == .json { return Output.json(page) }
                let items = page["items"] as? [[String: Any]] ?? []
                if items.isEmpty { return print("nothing fires") }
                Output.table(headers: ["RULE", "SUBJECT", "STATE", "SEVERITY", "VALUE", "SINCE", "SILENCED"], rows: items.map {
                    [$0.text("rule"), $0.text("subject").isEmpty ? "-" : $0.text("subject"), $0.text("state"), $0.text("severity"), Alerts.value($0),
                     $0.text("since"), $0["silenced"] as? Bool == true ? "yes" : "no"]
                })
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every state change, silence and channel outage, the newest first.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only this rule (or channel:NAME).") var rule: String?
        @Option(help: "Only since: a duration back (24h) or an RFC 3339 time.") var since: String?
        @Option(help: "At most this many (1-1000).") var limit: Int = 100

        func run() async throws {
            try await reportingFailures {
                let query = Secrets.query([("rule", rule), ("since", since), ("limit", String(limit))])
                let page = try await connection.client.call(.GET, "/api/v1/alerts/history" + query).json ?? [:]
                if connection.output == .json { return Output.json(page) }
                let items = page["items"] as? [[String: Any]] ?? []
                if items.isEmpty { return print("no alert history" + (since.map { " since \($0)" } ?? "")) }
                Output.table(headers: ["AT", "RULE", "SUBJECT", "CHANGE", "VALUE", "DETAIL"], rows: items.map {
                    [$0.text("at"), $0.text("rule"), $0.text("subject").isEmpty ? "-" : $0.text("subject"), $0.text("change"), Alerts.value($0),
                     String($0.text("detail").prefix(80))]
                })
            }
        }
    }

    struct Silence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hold a rule's notifications back for a while (* for every rule).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The rule's name, or '*'.") var rule: String
        @Option(name: .customLong("for"), help: "How long: 30m, 2h, 1d (at most 30d).") var duration: String
        @Option(help: "Why (shown in the history).") var comment: String

        func run() async throws {
            try await reportingFailures {
                let silence = try await connection.client.call(.POST, "/api/v1/alerts/silences",
                                                               json: ["rule": rule, "for": duration, "comment": comment]).json ?? [:]
                if connection.output == .json { return Output.json(silence) }
                print("silence \(silence.text("id")): \(rule) quiet until \(silence.text("ends_at")) (end it early with `agentctl alerts unsilence \(silence.text("id"))`)")
            }
        }
    }

    struct Silences: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Silences in force (--all: ended ones too).")
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Ended silences too.") var all = false

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/alerts/silences" + (all ? "?all=true" : "")).json ?? [:]
                if connection.output == .json { return Output.json(page) }
                let items = page["items"] as? [[String: Any]] ?? []
                if items.isEmpty { return print("no silences") }
                Output.table(headers: ["ID", "RULE", "UNTIL", "BY", "ACTIVE", "COMMENT"], rows: items.map {
                    [$0.text("id"), $0.text("rule"), $0.text("ends_at"), $0.text("created_by"), $0["active"] as? Bool == true ? "yes" : "no",
                     String($0.text("comment").prefix(60))]
                })
            }
        }
    }

    struct Unsilence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a silence now.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The silence's id (agentctl alerts silences).") var id: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/alerts/silences/\(Users.escape(id))")
                print("silence \(id) ended")
            }
        }
    }
}

extension Alerts {
    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Alert rules: list, show, create, set, delete.",
                                                        subcommands: [RuleList.self, RuleShow.self, RuleCreate.self, RuleSet.self, RuleDelete.self])
        static func path(_ name: String) -> String { "/api/v1/alerts/rules/\(Users.escape(name))" }

        static func show(_ rule: [String: Any], as format: ConnectionOptions.OutputFormat) {
            if format == .json { return Output.json(rule) }
            Output.pairs([("name", rule.text("name")), ("expr", rule.text("expr")), ("for", rule.text("for")), ("repeat", rule.text("repeat")),
                          ("severity", rule.text("severity")), ("notify", (rule["notify"] as? [String] ?? []).joined(separator: ", ")),
                          ("description", rule.text("description").isEmpty ? "-" : rule.text("description")),
                          ("enabled", rule["enabled"] as? Bool == false ? "no" : "yes")])
            if let instances = rule["instances"] as? [[String: Any]], !instances.isEmpty {
                Output.table(headers: ["SUBJECT", "STATE", "VALUE", "SINCE", "SILENCED"], rows: instances.map {
                    [$0.text("subject").isEmpty ? "-" : $0.text("subject"), $0.text("state"), Alerts.value($0), $0.text("since"),
                     $0["silenced"] as? Bool == true ? "yes" : "no"]
                })
            }
        }
    }

    struct RuleOptions: ParsableArguments {
        @Option(help: "The condition, e.g. \"failure_rate(workflow='*', window=15m) > 0.2\" (docs/observability.md#rules).") var expr: String?
        @Option(name: .customLong("for"), help: "How long it must hold before firing: 0s, 5m.") var duration: String?
        @Option(name: .customLong("repeat"), help: "How often a firing alert is told again: 4h (0s: never).") var repeatEvery: String?
        @Option(help: "critical, error, warning or info.") var severity: String?
        @Option(help: "A channel to tell (repeatable, or comma-separated).") var notify: [String] = []
        @Option(help: "Sent with each notification (a runbook link).") var description: String?

        var body: [String: Any] {
            var body: [String: Any] = [:]
            if let expr { body["expr"] = expr }
            if let duration { body["for"] = duration }
            if let repeatEvery { body["repeat"] = repeatEvery }
            if let severity { body["severity"] = severity }
            if !notify.isEmpty { body["notify"] = notify.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } }
            if let description { body["description"] = description }
            return body
        }
    }

    struct RuleList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The org's rules.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/alerts/rules").json ?? [:]
                if connection.output == .json { return Output.json(page) }
                let items = page["items"] as? [[String: Any]] ?? []
                if items.isEmpty { return print("no alert rules; create one with `agentctl alerts rules create NAME --expr … --notify CHANNEL`") }
                Output.table(headers: ["NAME", "SEVERITY", "FOR", "NOTIFY", "ENABLED", "EXPR"], rows: items.map {
                    [$0.text("name"), $0.text("severity"), $0.text("for"), ($0["notify"] as? [String] ?? []).joined(separator: ","),
                     $0["enabled"] as? Bool == false ? "no" : "yes", $0.text("expr")]
                })
            }
        }
    }

    struct RuleShow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One rule and its instances now.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            try await reportingFailures { Rules.show(try await connection.client.call(.GET, Rules.path(name)).json ?? [:], as: connection.output) }
        }
    }

    struct RuleCreate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a rule.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name: a-z 0-9 - _.") var name: String
        @OptionGroup var options: RuleOptions
        @Flag(help: "Create it disabled.") var disabled = false

        func run() async throws {
            try await reportingFailures {
                var body = options.body
                body["name"] = name
                if disabled { body["enabled"] = false }
                Rules.show(try await connection.client.call(.POST, "/api/v1/alerts/rules", json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct RuleSet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Change a rule: the options given replace theirs.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name.") var name: String
        @OptionGroup var options: RuleOptions
        @Flag(inversion: .prefixedEnableDisable, help: "Evaluate it or not.") var enable: Bool?

        func run() async throws {
            try await reportingFailures {
                var body = options.body
                if let enable { body["enabled"] = enable }
                guard !body.isEmpty else { throw ValidationError("give something to change: --expr, --for, --repeat, --severity, --notify, --description, --enable or --disable") }
                Rules.show(try await connection.client.call(.PUT, Rules.path(name), json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct RuleDelete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a rule and what it fires.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, Rules.path(name))
                print("rule \(name) deleted")
            }
        }
    }
}

extension Alerts {
    struct Channels: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Alert channels: list, show, create, set, delete, test.",
                                                        subcommands: [ChannelList.self, ChannelShow.self, ChannelCreate.self, ChannelSet.self,
                                                                      ChannelDelete.self, ChannelTest.self])
        static func path(_ name: String) -> String { "/api/v1/alerts/channels/\(Users.escape(name))" }

        static func show(_ channel: [String: Any], as format: ConnectionOptions.OutputFormat) {
            if format == .json { return Output.json(channel) }
            var pairs: [(String, String)] = [("name", channel.text("name")), ("type", channel.text("type"))]
            for key in ["url", "from", "username", "template", "secret_path"] where channel[key] is String { pairs.append((key.replacingOccurrences(of: "_", with: " "), channel.text(key))) }
            if let to = channel["to"] as? [String], !to.isEmpty { pairs.append(("to", to.joined(separator: ", "))) }
            pairs.append(("state", channel["down_since"] is String ? "DOWN since \(channel.text("down_since")): \(channel.text("last_error"))" : "up"))
            pairs.append(("waiting", channel.text("pending")))
            Output.pairs(pairs)
        }
    }

    struct ChannelOptions: ParsableArguments {
        // why not --url: that option names the agentd to talk to, on every command.
        @Option(name: .customLong("endpoint"), help: "smtp://relay:587 (STARTTLS) or smtps://relay:465 for email; the URL to post to for the others.")
        var url: String?
        @Option(help: "An address (email) or number (sms); repeatable.") var to: [String] = []
        @Option(help: "The sender's address (email).") var from: String?
        @Option(help: "The SMTP AUTH user (email).") var username: String?
        @Option(help: "The SMS gateway's body with {{to}} and {{message}}.") var template: String?
        @Option(help: "A vault path under alerts/ (prod) holding the password, hook URL, routing key, token or signing key.") var secretPath: String?

        var body: [String: Any] {
            var body: [String: Any] = [:]
            if let url { body["url"] = url }
            if !to.isEmpty { body["to"] = to.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } }
            if let from { body["from"] = from }
            if let username { body["username"] = username }
            if let template { body["template"] = template }
            if let secretPath { body["secret_path"] = secretPath }
            return body
        }
    }

    struct ChannelList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The org's channels and how their deliveries go.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/alerts/channels").json ?? [:]
                if connection.output == .json { return Output.json(page) }
                let items = page["items"] as? [[String: Any]] ?? []
                if items.isEmpty { return print("no alert channels; create one with `agentctl alerts channels create NAME --type slack --endpoint …`") }
                Output.table(headers: ["NAME", "TYPE", "STATE", "WAITING", "LAST ERROR"], rows: items.map {
                    [$0.text("name"), $0.text("type"), $0["down_since"] is String ? "down" : "up", $0.text("pending"), String($0.text("last_error").prefix(60))]
                })
            }
        }
    }

    struct ChannelShow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One channel.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            try await reportingFailures { Channels.show(try await connection.client.call(.GET, Channels.path(name)).json ?? [:], as: connection.output) }
        }
    }

    struct ChannelCreate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a channel: email, slack, pagerduty, sms or webhook.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name: a-z 0-9 - _.") var name: String
        @Option(help: "email, slack, pagerduty, sms or webhook.") var type: String
        @OptionGroup var options: ChannelOptions

        func run() async throws {
            try await reportingFailures {
                var body = options.body
                body["name"] = name
                body["type"] = type
                Channels.show(try await connection.client.call(.POST, "/api/v1/alerts/channels", json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct ChannelSet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Change a channel: the options given replace theirs (\"\" clears one).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name.") var name: String
        @OptionGroup var options: ChannelOptions

        func run() async throws {
            try await reportingFailures {
                guard !options.body.isEmpty else { throw ValidationError("give something to change: --endpoint, --to, --from, --username, --template or --secret-path") }
                Channels.show(try await connection.client.call(.PUT, Channels.path(name), json: options.body).json ?? [:], as: connection.output)
            }
        }
    }

    struct ChannelDelete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a channel no rule notifies.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, Channels.path(name))
                print("channel \(name) deleted")
            }
        }
    }

    struct ChannelTest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "test", abstract: "Send a test notification now; exits 1 if the channel refuses it.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            try await reportingFailures {
                let answer = try await connection.client.call(.POST, Channels.path(name) + "/test").json ?? [:]
                if connection.output == .json { Output.json(answer) } else if answer["sent"] as? Bool == true {
                    print("channel \(name) took the test notification")
                } else {
                    print("channel \(name) refused the test notification: \(answer.text("error"))")
                }
                if answer["sent"] as? Bool != true { throw ExitCode(1) }
            }
        }
    }
}
