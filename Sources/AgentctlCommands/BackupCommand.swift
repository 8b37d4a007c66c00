import ArgumentParser
import Client
import Foundation

/// `agentctl backup FILE`: an online, checked backup written by agentd into its backup
/// directory ([backup] directory). Socket administrators only.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a consistent online backup (while executions run), check it, and print its size and checksum."
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "A file name (put in the backup directory) or a path inside it, e.g. agentd-$(date +%F).db.") var file: String

    func run() async throws {
        try await reportingFailures {
            let result = try await connection.client.call(.POST, "/api/v1/system/backup", json: ["file": file]).json ?? [:]
            if connection.output == .json { return Output.json(result) }
            let megabytes = Double(result["bytes"] as? Int ?? 0) / 1_048_576
            Output.pairs([("file", result.text("file")), ("size", String(format: "%.1f MiB (%@ bytes)", megabytes, result.text("bytes"))),
                          ("sha256", result.text("sha256")), ("took", "\(result.text("duration_ms")) ms (\(result.text("mb_per_s")) MiB/s)"),
                          ("integrity", result.text("integrity")), ("audit chain", "\(result.text("audit_chain")) (\(result.text("audit_entries")) entries)"),
                          ("contents", "\(result.text("orgs")) org(s), \(result.text("executions")) execution(s), schema \(result.text("schema_version"))")])
            print("the vault's master key is not in the backup: keep it (and its own backup) apart")
        }
    }
}

/// `agentctl restore FILE`: runs `agentd restore` (beside this agentctl), which works on the
/// database file itself with agentd stopped.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database with a checked backup (stop agentd first); runs `agentd restore`."
    )
    @Argument(help: "The backup file.") var file: String
    @Option(help: "agentd's configuration file (default /etc/agentd/agentd.toml).") var config: String?
    @Option(help: "The database to replace (default: the configuration's).") var database: String?
    @Flag(help: "Dev mode: the database in ./.agentd/.") var dev = false

    func run() throws {
        // The agentd beside this very binary (/proc/self/exe, never argv[0]: a bare `agentctl`
        // would resolve against the working directory, and root would run what lies there).
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/usr/bin/agentctl"
        let beside = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("agentd").path
        let agentd = FileManager.default.isExecutableFile(atPath: beside) ? beside : "/usr/bin/agentd"
        var arguments = ["restore", file]
        if let config { arguments += ["--config", config] }
        if let database { arguments += ["--database", database] }
        if dev { arguments.append("--dev") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: agentd)
        process.arguments = arguments
        do { try process.run() } catch {
            FileHandle.standardError.write(Data("error: cannot run \(agentd): \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    }
}
