import ArgumentParser
import Client
import Foundation

/// `agentctl gdpr export|erase user:LOGIN`: a person's right of access and to erasure
/// (docs/compliance.md#export-and-erasure). Installation administrators only.
struct GDPR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gdpr",
        abstract: "Export everything agentd holds about a person, or erase them.",
        subcommands: [Export.self, Erase.self]
    )

    /// `user:alice` (or plain `alice`) → the API path of that person.
    static func path(_ subject: String, _ action: String) throws -> String {
        let login = subject.hasPrefix("user:") ? String(subject.dropFirst(5)) : subject
        guard !login.isEmpty, !login.contains(":") else {
            throw ValidationError("name the person as user:LOGIN, e.g. user:alice")
        }
        return "/api/v1/people/" + (login.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? login)
            + "/" + action
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write, as JSON to stdout, everything agentd holds about a person.",
            discussion: """
                Rows of every table that name the person or mention them in free text (inputs, outputs, comments, audit
                details), and archived executions that do. Credential verifiers show as [withheld]. The export is audited.
                Example: agentctl gdpr export user:alice > alice.json
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The person, as user:LOGIN.") var subject: String

        func run() async throws {
            let path = try GDPR.path(subject, "export")
            try await reportingFailures {
                FileHandle.standardOutput.write(try await connection.client.call(.GET, path).body)
                FileHandle.standardOutput.write(Data("\n".utf8))
            }
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a person: remove their account, replace every other mention of them by a pseudonym. Cannot be undone.",
            discussion: """
                Audit events keep the pseudonym and a salted hash of what was replaced: `agentctl audit verify` stays green.
                Asks you to type the login again, unless --yes. Example: agentctl gdpr erase user:alice
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The person, as user:LOGIN.") var subject: String
        @Flag(help: "Do not ask for confirmation.") var yes = false

        func run() async throws {
            let path = try GDPR.path(subject, "erase")
            let login = subject.hasPrefix("user:") ? String(subject.dropFirst(5)) : subject
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    Output.error("error: erasure cannot be undone; pass --yes to erase \(login) without a terminal to confirm on")
                    throw ExitCode(1)
                }
                FileHandle.standardError.write(Data("This erases \(login) for good. Type the login again to confirm: ".utf8))
                guard readLine(strippingNewline: true) == login else {
                    Output.error("not confirmed; nothing was erased")
                    throw ExitCode(1)
                }
            }
            try await reportingFailures {
                let result = try await connection.client.call(.POST, path, json: ["confirm": login]).json ?? [:]
                if connection.output == .json { return Output.json(result) }
                print("\(login) erased; they now appear as \(result.text("pseudonym"))")
                func lines(_ key: String, _ verb: String) {
                    let counts = (result[key] as? [String: Any]) ?? [:]
                    for table in counts.keys.sorted() { print("  \(table): \(counts[table] ?? 0) rows \(verb)") }
                }
                lines("removed", "removed")
                lines("pseudonymised", "pseudonymised")
                if (Int(result.text("archived_executions")) ?? 0) > 0 { print("  archive: \(result.text("archived_executions")) executions pseudonymised") }
                if (Int(result.text("audit_kept_unsealed")) ?? 0) > 0 {
                    print("  \(result.text("audit_kept_unsealed")) audit events written before this release name them and are kept as they are "
                          + "(changing them would break the chain) until audit retention removes them")
                }
                if result["log_truncated"] as? Bool == false {
                    print("  the write-ahead log was busy; the next checkpoint overwrites the old pages")
                }
            }
        }
    }
}
