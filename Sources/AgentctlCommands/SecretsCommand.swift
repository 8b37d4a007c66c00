import ArgumentParser
import Client
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `agentctl secrets …` and `agentctl vault status`.
struct Secrets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store, list and delete secrets (values go in, never come out).",
        subcommands: [Set_.self, List.self, Versions.self, Delete.self]
    )

    static func query(_ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { name, value in value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~/"))) ?? $0)" } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    struct Set_: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set",
            abstract: "Store a new version of a secret from a file or standard input.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The path, e.g. payments/sfdc.") var path: String
        @Option(help: "dev, staging, prod or one the org added (agentctl envs list).") var env: String = "dev"
        @Option(help: "Read the value from this file (default: standard input).") var fromFile: String?
        @Option(help: "The org (ID or name); default: yours.") var org: String?
        @Option(help: "Make it this team's: only its members and its executions use it.") var team: String?

        func run() async throws {
            let data: Data
            if let fromFile {
                guard let contents = FileManager.default.contents(atPath: fromFile) else {
                    Output.error("error: cannot read \(fromFile)")
                    throw ExitCode(2)
                }
                data = contents
            } else {
                data = FileHandle.standardInput.readDataToEndOfFile()
            }
            try await reportingFailures {
                var body: [String: Any] = ["environment": env, "path": path, "value_base64": data.base64EncodedString()]
                if let org { body["org"] = org }
                if let team { body["team"] = team }
                let info = try await connection.client.call(.PUT, "/api/v1/secrets", json: body).json ?? [:]
                if connection.output == .json { return Output.json(info) }
                if let change = info["change_request"] as? [String: Any] { return Changes.requested(change) }
                print("\(info.text("environment"))/\(info.text("path")) is now version \(info.text("version"))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Paths, versions and who changed them when: never values.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only this environment.") var env: String?
        @Option(help: "The org (ID or name); default: yours.") var org: String?

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/secrets" + Secrets.query([("environment", env), ("org", org)])).json ?? [:]
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: ["ENV", "PATH", "VERSION", "UPDATED", "BY"], rows: (page["items"] as? [[String: Any]] ?? []).map {
                    [$0.text("environment"), $0.text("path"), $0.text("version"), $0.text("updated_at"), $0.text("updated_by")]
                })
            }
        }
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The versions of one secret.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The path.") var path: String
        @Option(help: "dev, staging, prod or one the org added (agentctl envs list).") var env: String = "dev"
        @Option(help: "The org (ID or name); default: yours.") var org: String?

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/secrets/versions"
                    + Secrets.query([("environment", env), ("path", path), ("org", org)])).json ?? [:]
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: ["VERSION", "KEY", "CREATED", "BY"], rows: (page["items"] as? [[String: Any]] ?? []).map {
                    [$0.text("version"), $0.text("key_id"), $0.text("created_at"), $0.text("created_by")]
                })
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a secret and every version of its value.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The path.") var path: String
        @Option(help: "dev, staging, prod or one the org added (agentctl envs list).") var env: String = "dev"
        @Option(help: "The org (ID or name); default: yours.") var org: String?

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/secrets" + Secrets.query([("environment", env), ("path", path), ("org", org)]))
                print("deleted \(env)/\(path)")
            }
        }
    }
}

struct VaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "vault", abstract: "The vault's state.",
                                                    subcommands: [Status.self, Unseal.self, Check.self, Rotate.self])

    struct Unseal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open a vault whose key comes from a passphrase (asked for).")
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Read the passphrase from standard input instead of asking.") var passphraseStdin = false

        func run() async throws {
            let passphrase = passphraseStdin ? (readLine(strippingNewline: true) ?? "")
                : (getpass("vault passphrase: ").map { String(cString: $0) } ?? "")
            try await reportingFailures {
                _ = try await connection.client.call(.POST, "/api/v1/vault/unseal", json: ["passphrase": passphrase])
                print("vault unsealed")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open every stored secret; exit 1 and list any that fail.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var failed = 0
            try await reportingFailures {
                let result = try await connection.client.call(.POST, "/api/v1/vault/check").json ?? [:]
                let failures = result["failed"] as? [[String: Any]] ?? []
                failed = failures.count
                if connection.output == .json { return Output.json(result) }
                print("checked \(result.text("checked")) stored versions; \(failures.count) failed")
                for failure in failures {
                    print("  \(failure.text("environment"))/\(failure.text("path")) v\(failure.text("version")): \(failure.text("error"))")
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "New master key; every secret re-wrapped online; the old key retired when nothing uses it.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let result = try await connection.client.call(.POST, "/api/v1/vault/rotate").json ?? [:]
                if connection.output == .json { return Output.json(result) }
                print("active key \(result.text("active_key_id")); \(result.text("rewrapped")) values re-wrapped in \(result.text("milliseconds")) ms")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sealed or not, key source, key ids, number of secrets.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let status = try await connection.client.call(.GET, "/api/v1/vault").json ?? [:]
                if connection.output == .json { return Output.json(status) }
                Output.pairs([
                    ("sealed", (status["sealed"] as? Bool) == true ? "yes" : "no"), ("key source", status.text("key_source")),
                    ("keys", (status["key_ids"] as? [String] ?? []).joined(separator: ", ")), ("active key", status.text("active_key_id")),
                    ("secrets", status.text("secrets")),
                ])
            }
        }
    }
}
