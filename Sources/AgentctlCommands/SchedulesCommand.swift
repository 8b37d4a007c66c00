import ArgumentParser
import Client
import Foundation

/// `agentctl schedules …`: workflows that run on their own, on cron, at intervals or once
/// (docs/triggers.md).
struct Schedules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a workflow on cron, every N minutes, or once at a time; preview, pause, resume, delete, and read each slot's history.",
        subcommands: [Create.self, List.self, Get.self, Preview.self, Pause.self, Resume.self, Delete.self, History.self]
    )

    static func path(_ schedule: String, _ suffix: String = "") -> String { "/api/v1/schedules/\(Users.escape(schedule))\(suffix)" }

    static func show(_ schedule: [String: Any], as format: ConnectionOptions.OutputFormat) {
        if format == .json { return Output.json(schedule) }
        var catchUp = schedule.text("catch_up")
        if catchUp == "all" { catchUp += " (window \(schedule.text("catch_up_window")), at most \(schedule.text("catch_up_cap")))" }
        let next = schedule["next_fire_at"] is String ? "\(schedule.text("next_fire_local")) (\(schedule.text("next_fire_at")))" : "none"
        Output.pairs([("id", schedule.text("id")), ("name", schedule.text("name")), ("workflow", schedule.text("workflow")),
                      ("environment", schedule.text("environment")), ("team", schedule["team"] is String ? schedule.text("team") : "none (the org's)"),
                      (schedule.text("kind") == "at" ? "at" : "cron", schedule.text("when")), ("zone", schedule.text("zone")),
                      ("dst", schedule.text("dst")), ("catch_up", catchUp), ("overlap", schedule.text("overlap")),
                      ("status", schedule.text("status")), ("next", next),
                      ("last_execution", schedule["last_execution_id"] is String ? schedule.text("last_execution_id") : "none"),
                      ("created_by", schedule.text("created_by")), ("created_at", schedule.text("created_at"))])
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Schedule a workflow.",
            discussion: """
                Give --cron (5 fields, or 6 with seconds first; @hourly, @daily, @weekly, @monthly, @yearly; every 30s/15m/2h/1d) \
                or --at (a wall time in --tz like 2026-12-01T09:00, or an RFC 3339 UTC time). A wall time the clocks skip runs \
                once at the end of the gap; one they show twice runs at its first occurrence (--dst both: at both).
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name, unique in the org.") var name: String
        @Option(help: "The workflow to run (name or ID).") var workflow: String
        @Option(help: "Recurring: a cron expression, a shortcut or `every 15m`.") var cron: String?
        @Option(help: "Once: 2026-12-01T09:00 (in --tz) or 2026-12-01T08:00:00Z.") var at: String?
        @Option(help: "An IANA time zone, e.g. Europe/Berlin (default UTC).") var tz: String?
        @Option(help: "Wall times the clocks show twice: first (default) or both.") var dst: String?
        @Option(name: .customLong("catch-up"), help: "Slots missed while agentd was down or the schedule paused: skip (default), latest or all.")
        var catchUp: String?
        @Option(name: .customLong("catch-up-window"), help: "With --catch-up all: how far back, e.g. 6h (default 6h, 1m to 7d).") var catchUpWindow: String?
        @Option(name: .customLong("catch-up-cap"), help: "With --catch-up all: at most this many (default 10).") var catchUpCap: Int?
        @Option(help: "A slot while the last run still runs: allow (default), skip, cancel_previous or queue_one.") var overlap: String?
        @Option(help: "Run the version deployed here: dev (default), staging, prod or one the org added.") var env: String?
        @Option(help: "A team of yours that owns it (a team's workflow is scheduled for its team).") var team: String?
        @Option(help: "The executions' input as JSON (an object).") var input: String?

        func run() async throws {
            var body: [String: Any] = ["name": name, "workflow": workflow]
            if let input {
                guard let parsed = try? JSONSerialization.jsonObject(with: Data(input.utf8)), parsed is [String: Any] else {
                    Output.error("error: --input must be a JSON object, e.g. '{\"kind\": \"daily\"}'")
                    throw ExitCode(2)
                }
                body["input"] = parsed
            }
            guard (cron == nil) != (at == nil) else {
                Output.error("error: give exactly one of --cron (recurring) and --at (once)")
                throw ExitCode(2)
            }
            for (key, value) in [("cron", cron), ("at", at), ("zone", tz), ("dst", dst), ("catch_up", catchUp), ("catch_up_window", catchUpWindow),
                                 ("overlap", overlap), ("environment", env), ("team", team)] {
                if let value { body[key] = value }
            }
            if let catchUpCap { body["catch_up_cap"] = catchUpCap }
            try await reportingFailures {
                Schedules.show(try await connection.client.call(.POST, "/api/v1/schedules", json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the schedules you can see.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Schedules per page (1-200).") var limit: Int = 50
        @Flag(help: "Follow cursors and print every page.") var all = false

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, "/api/v1/schedules?limit=\(limit)", all: all)
                if connection.output == .json { return Output.json(listing.json) }
                Output.table(headers: ["NAME", "WORKFLOW", "WHEN", "ZONE", "STATUS", "NEXT (LOCAL)", "CATCH-UP", "OVERLAP"], rows: listing.items.map {
                    [$0.text("name"), $0.text("workflow"), $0.text("when"), $0.text("zone"), $0.text("status"),
                     $0["next_fire_local"] is String ? $0.text("next_fire_local") : "-", $0.text("catch_up"), $0.text("overlap")]
                })
                if listing.next != nil { Output.error("more schedules: use --all") }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a schedule.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var schedule: String

        func run() async throws {
            try await reportingFailures {
                Schedules.show(try await connection.client.call(.GET, Schedules.path(schedule)).json ?? [:], as: connection.output)
            }
        }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the next fire times, in the schedule's zone and in UTC.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var schedule: String
        @Option(help: "How many (1-1000).") var next: Int = 10

        func run() async throws {
            try await reportingFailures {
                let preview = try await connection.client.call(.GET, Schedules.path(schedule, "/preview?next=\(next)")).json ?? [:]
                if connection.output == .json { return Output.json(preview) }
                Output.table(headers: [preview.text("zone").uppercased(), "UTC"], rows: (preview["items"] as? [[String: Any]] ?? []).map {
                    [$0.text("local"), $0.text("at")]
                })
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop firing; on resume, missed slots follow the catch-up policy.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var schedule: String

        func run() async throws {
            try await reportingFailures {
                Schedules.show(try await connection.client.call(.POST, Schedules.path(schedule, "/pause"), json: [:]).json ?? [:], as: connection.output)
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fire again.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var schedule: String

        func run() async throws {
            try await reportingFailures {
                Schedules.show(try await connection.client.call(.POST, Schedules.path(schedule, "/resume"), json: [:]).json ?? [:], as: connection.output)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a schedule and its history (executions it started stay).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var schedule: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, Schedules.path(schedule))
                print("deleted \(schedule)")
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each slot, newest first: planned and actual time, the execution, or why not.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its name or ID.") var schedule: String
        @Option(help: "Slots per page (1-200).") var limit: Int = 50
        @Flag(help: "Follow cursors and print every page.") var all = false

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, Schedules.path(schedule, "/history?limit=\(limit)"), all: all)
                if connection.output == .json { return Output.json(listing.json) }
                Output.table(headers: ["PLANNED", "AT", "OUTCOME", "EXECUTION / REASON"], rows: listing.items.map {
                    [$0.text("planned_at"), $0.text("at"), $0.text("outcome"),
                     $0["execution_id"] is String ? $0.text("execution_id") : $0.text("reason")]
                })
                if listing.next != nil { Output.error("more slots: use --all") }
            }
        }
    }
}
