import ArgumentParser
import Client
import Foundation

/// `agentctl archive …`: executions retention removed, kept by month (docs/compliance.md#archive).
struct Archive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, export and restore the archive of executions retention removed.",
        subcommands: [List.self, Export.self, Restore.self]
    )

    static func path(_ month: String) -> String {
        "/api/v1/archive/" + (month.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-"))) ?? month)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The archived months, newest first, with how many of your executions each holds.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let body = try await connection.client.call(.GET, "/api/v1/archive").json ?? [:]
                if connection.output == .json { return Output.json(body) }
                let months = body["items"] as? [[String: Any]] ?? []
                Output.table(headers: ["MONTH", "EXECUTIONS", "FILE"], rows: months.map { month in
                    [month.text("month"), month.text("executions"),
                     ByteCountFormatter.string(fromByteCount: Int64(month.text("bytes")) ?? 0, countStyle: .file)]
                })
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a month's archived executions as JSON lines to stdout, each with its steps and events as stored.",
            discussion: "Example: agentctl archive export 2026-08 > executions-2026-08.jsonl")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The month, YYYY-MM.") var month: String

        func run() async throws {
            try await reportingFailures {
                FileHandle.standardOutput.write(try await connection.client.call(.GET, Archive.path(month)).body)
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring a month's archived executions back into agentd, kept from retention for a while.",
            discussion: "Example: agentctl archive restore 2026-08 --hold 60d")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The month, YYYY-MM.") var month: String
        @Option(help: "How long they are kept before retention may remove them again (default 30d).") var hold: String?

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = [:]
                if let hold { body["hold"] = hold }
                let result = try await connection.client.call(.POST, Archive.path(month) + "/restore", json: body).json ?? [:]
                if connection.output == .json { return Output.json(result) }
                print("\(result.text("restored")) executions of \(result.text("month")) restored, kept until \(result.text("held_until"))")
                if (Int(result.text("present")) ?? 0) > 0 { print("\(result.text("present")) were already there (now kept as long)") }
                if (Int(result.text("orphaned")) ?? 0) > 0 {
                    print("\(result.text("orphaned")) could not be restored: their workflow was deleted (agentctl archive export \(result.text("month")) has them)")
                }
            }
        }
    }
}
