import ArgumentParser
import Client
import Foundation

/// `agentctl run WF --input '{…}' [--follow]`: start an execution (and watch it).
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start an execution of the version deployed in an environment (dev by default).",
        discussion: "With --follow, draws each step as it runs and the final output; Ctrl-C detaches without cancelling.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The workflow (name or ID).") var workflow: String
    @Option(help: "The input as JSON (an object).") var input: String?
    @Option(help: "Read the input JSON from this file (- for standard input).") var inputFile: String?
    @Option(help: "dev (default), staging, prod or one the org added.") var env: String?
    @Option(help: "Run this version instead of the deployed one.") var version: Int?
    @Option(help: "Starting twice with the same key (and input) gives the same execution.") var idempotencyKey: String?
    @Flag(help: "Follow the execution until it ends.") var follow = false

    func run() async throws {
        var inputValue: Any = [String: Any]()
        let text: String? = try inputFile.map { try readDefinitions($0) } ?? input
        if let text {
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8)), parsed is [String: Any] else {
                Output.error("error: --input must be a JSON object, e.g. '{\"ticket\": 42}'")
                throw ExitCode(2)
            }
            inputValue = parsed
        }
        var exitCode: Int32 = 0
        try await reportingFailures {
            var body: [String: Any] = ["workflow": workflow, "input": inputValue]
            if let env { body["environment"] = env }
            if let version { body["version"] = version }
            let data = try JSONSerialization.data(withJSONObject: body)
            var client = connection.client
            if let idempotencyKey { client.extraHeaders.append(("Idempotency-Key", idempotencyKey)) }
            let response = try await client.send(.POST, "/api/v1/executions", body: data)
            guard (200..<300).contains(response.status) else {
                if let problem = try? JSONDecoder().decode(ProblemDetails.self, from: response.body) { throw ClientError.problem(problem) }
                throw ClientError.unexpected(status: response.status, String(decoding: response.body, as: UTF8.self))
            }
            let execution = response.json ?? [:]
            let id = execution.text("id")
            guard follow else {
                if connection.output == .json { return Output.json(execution) }
                print(id)
                return
            }
            if connection.output != .json {
                Output.error("execution \(id) of \(execution.text("workflow")) v\(execution.text("version")) (Ctrl-C detaches; it keeps running)")
            }
            exitCode = try await Follower(client: connection.client, json: connection.output == .json).follow(id)
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}

/// Draws an execution's events as progress: a line per step, a bar, the end.
struct Follower {
    let client: AgentClient
    let json: Bool

    /// Follows until the execution ends; 0 when it succeeded, 1 otherwise.
    func follow(_ id: String) async throws -> Int32 {
        let start = try await client.call(.GET, "/api/v1/executions/\(id)").json ?? [:]
        let total = (start["steps_total"] as? Int) ?? 0
        var done = 0
        var final = ""
        try await ExecutionStream(client: client, id: id).run { _, type, data in
            let event = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
            if json {
                Output.json(event)
            } else {
                let node = event.text("node")
                let details = event["data"] as? [String: Any] ?? [:]
                switch type {
                case "step.started": print("  … \(node) running (attempt \(event.text("attempt")))")
                case "step.succeeded": done += 1; print("  ✓ \(node)" + bar(done, total))
                case "step.skipped": done += 1; print("  – \(node) skipped: \(details.text("reason"))" + bar(done, total))
                case "step.retrying":
                    let error = details["error"] as? [String: Any] ?? [:]
                    print("  ↻ \(node) attempt \(event.text("attempt")) failed (\(error.text("kind")): \(error.text("message"))); retry in \(details.text("delay_ms")) ms")
                case "step.waiting": print("  ⏸ \(node) waiting" + (details["child"].map { " for child execution \($0)" } ?? ""))
                case "step.failed":
                    let error = details["error"] as? [String: Any] ?? [:]
                    print("  ✗ \(node) failed: \(error.text("kind")): \(error.text("message"))")
                case "step.recovered": print("  ⟲ \(node) taken over after a restart")
                default: break
                }
            }
            if type.hasPrefix("execution."), type != "execution.started" { final = String(type.dropFirst("execution.".count)) }
        }
        let end = try await client.call(.GET, "/api/v1/executions/\(id)").json ?? [:]
        if !json {
            print("\(final.isEmpty ? end.text("status") : final)")
            if let output = end["output"], !(output is NSNull) { Output.json(output) }
            if let error = end["error"], !(error is NSNull) { Output.json(error) }
            if let masked = Follower.piiMasked(end) { print("personal data masked: \(masked)") }
        }
        return end.text("status") == "succeeded" ? 0 : 1
    }

    /// `email 3, phone 1` from an execution's `pii_masked`; nil when nothing was masked.
    static func piiMasked(_ execution: [String: Any]) -> String? {
        let counts = execution["pii_masked"] as? [String: Any] ?? [:]
        guard !counts.isEmpty else { return nil }
        return counts.keys.sorted().map { "\($0) \(counts.text($0))" }.joined(separator: ", ")
    }

    private func bar(_ done: Int, _ total: Int) -> String {
        guard total > 0 else { return "" }
        let width = 20, filled = min(width, done * width / total)
        return "   [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] \(done)/\(total)"
    }
}

/// `agentctl executions …`
struct Executions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Executions: list, get, events, cancel, wait.",
                                                    subcommands: [List.self, Get.self, Events.self, Cancel.self, Retry.self, Wait.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Executions you can see, newest first.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only this status (queued, running, waiting, succeeded, failed, cancelled).") var status: String?
        @Option(help: "Only this workflow.") var workflow: String?
        @Option(help: "Only those started since: a duration (1h, 30m, 7d) or an RFC 3339 time.") var since: String?
        @Option(help: "At most this many.") var limit: Int = 50

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/executions" + Secrets.query([
                    ("status", status), ("workflow", workflow), ("since", since), ("limit", String(limit))])).json ?? [:]
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: ["ID", "WORKFLOW", "VERSION", "ENV", "STATUS", "STEPS", "STARTED"], rows: (page["items"] as? [[String: Any]] ?? []).map {
                    [$0.text("id"), $0.text("workflow"), $0.text("version"), $0.text("environment"), $0.text("status"),
                     "\($0.text("steps_done"))/\($0.text("steps_total"))", $0.text("created_at")]
                })
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An execution and its steps.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The execution id.") var id: String

        func run() async throws {
            try await reportingFailures {
                let execution = try await connection.client.call(.GET, "/api/v1/executions/\(segment(id))").json ?? [:]
                if connection.output == .json { return Output.json(execution) }
                var pairs = [("id", execution.text("id")), ("workflow", "\(execution.text("workflow")) v\(execution.text("version")) (\(execution.text("environment")))"),
                             ("status", execution.text("status")), ("started", execution.text("created_at")), ("finished", execution.text("finished_at"))]
                if let cost = execution["cost"] as? [String: Any], (cost["cost_micros"] as? Int ?? 0) > 0 || (cost["prompt_tokens"] as? Int ?? 0) > 0 {
                    pairs.append(("llm cost", "$\(cost.text("cost")) (\(cost.text("prompt_tokens")) prompt + \(cost.text("completion_tokens")) completion tokens)"))
                }
                if let masked = Follower.piiMasked(execution) { pairs.append(("pii masked", masked)) }
                Output.pairs(pairs)
                Output.table(headers: ["NODE", "STATUS", "ATTEMPT", "STARTED", "FINISHED"], rows: (execution["steps"] as? [[String: Any]] ?? []).map {
                    [$0.text("node"), $0.text("status"), $0.text("attempt"), $0.text("started_at"), $0.text("finished_at")]
                })
            }
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An execution's events; --follow streams them until it ends.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The execution id.") var id: String
        @Flag(help: "Stream until the execution ends.") var follow = false

        func run() async throws {
            try await reportingFailures {
                if follow {
                    try await ExecutionStream(client: connection.client, id: segment(id)).run { seq, type, data in
                        print(connection.output == .json ? data : "\(seq.map(String.init) ?? "-") \(type) \(data)")
                    }
                    return
                }
                let page = try await connection.client.call(.GET, "/api/v1/executions/\(segment(id))/events").json ?? [:]
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: ["SEQ", "AT", "EVENT", "NODE", "ATTEMPT"], rows: (page["items"] as? [[String: Any]] ?? []).map {
                    [$0.text("seq"), $0.text("at"), $0.text("type"), $0.text("node"), $0.text("attempt")]
                })
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel an execution (running steps are stopped).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The execution id.") var id: String

        func run() async throws {
            try await reportingFailures {
                let execution = try await connection.client.call(.POST, "/api/v1/executions/\(segment(id))/cancel").json ?? [:]
                if connection.output == .json { return Output.json(execution) }
                print("execution \(execution.text("id")) \(execution.text("status"))")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A new execution of a failed or cancelled one: succeeded steps are reused, the rest run.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The execution id.") var id: String
        @Flag(help: "Follow the new execution until it ends.") var follow = false

        func run() async throws {
            var code: Int32 = 0
            try await reportingFailures {
                let execution = try await connection.client.call(.POST, "/api/v1/executions/\(segment(id))/retry").json ?? [:]
                if follow {
                    code = try await Follower(client: connection.client, json: connection.output == .json).follow(execution.text("id"))
                } else if connection.output == .json {
                    Output.json(execution)
                } else {
                    print(execution.text("id"))
                }
            }
            if code != 0 { throw ExitCode(code) }
        }
    }

    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Wait until an execution ends; exit 0 if it succeeded, 1 otherwise.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The execution id.") var id: String

        func run() async throws {
            var code: Int32 = 0
            try await reportingFailures {
                try await ExecutionStream(client: connection.client, id: segment(id)).run { _, _, _ in }
                let execution = try await connection.client.call(.GET, "/api/v1/executions/\(segment(id))").json ?? [:]
                if connection.output == .json { Output.json(execution) } else { print(execution.text("status")) }
                code = execution.text("status") == "succeeded" ? 0 : 1
            }
            if code != 0 { throw ExitCode(code) }
        }
    }
}
