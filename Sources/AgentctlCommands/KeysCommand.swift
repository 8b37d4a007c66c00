import ArgumentParser
import Client
import Foundation

/// `agentctl keys …`: API keys for programs that call agentd over HTTP.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys.",
        subcommands: [Create.self, List.self, Rotate.self, Revoke.self]
    )

    static let headers = ["ID", "NAME", "USER", "SCOPES", "EXPIRES", "LAST USED", "REVOKED"]

    static func row(_ key: [String: Any]) -> [String] {
        let scopes = (key["scopes"] as? [String])?.joined(separator: ",") ?? "(all of the owner's)"
        return [key.text("id"), key.text("name"), key.text("user_id"), scopes, key.text("expires_at"),
                key.text("last_used_at"), key.text("revoked_at")]
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key; its token is printed once, never again.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "What the key is for, e.g. ci.") var name: String
        @Option(help: "The owner (ID or login); default: you.") var user: String?
        @Option(help: "The org the key acts in (ID or name); default: the caller's.") var org: String?
        @Option(name: .customLong("scope"),
                help: "A permission the key may use, or read-only / execute-only (repeat); default: all of the owner's.")
        var scopes: [String] = []
        @Option(help: "Lifetime such as 90d, 12h or 30m; default: no expiry.") var expires: String?

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["name": name]
                if let user { body["user"] = user }
                if let org { body["org"] = org }
                if !scopes.isEmpty { body["scopes"] = scopes }
                if let expires { body["expires_in"] = expires }
                let key = try await connection.client.call(.POST, "/api/v1/api-keys", json: body).json ?? [:]
                if connection.output == .json { return Output.json(key) }
                print(key.text("token"))
                Output.error("key \(key.text("id")) created; the token above is shown only once: store it now.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (never their tokens).")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/api-keys?limit=200").json ?? [:]
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: Keys.headers, rows: (page["items"] as? [[String: Any]] ?? []).map(Keys.row))
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a successor key (its token printed once); the old one works for --overlap only.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The key's ID (agk_…).") var key: String
        @Option(help: "How long the old key keeps working, e.g. 24h (0s: stop now).") var overlap: String = "24h"

        func run() async throws {
            try await reportingFailures {
                let successor = try await connection.client.call(.POST, "/api/v1/api-keys/\(key)/rotate",
                                                                 json: ["overlap": overlap]).json ?? [:]
                if connection.output == .json { return Output.json(successor) }
                print(successor.text("token"))
                Output.error("key \(successor.text("id")) replaces \(key), which stops working after \(overlap); the token above is shown only once.")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key at once.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The key's ID (agk_…).") var key: String

        func run() async throws {
            try await reportingFailures {
                let revoked = try await connection.client.call(.DELETE, "/api/v1/api-keys/\(key)").json ?? [:]
                if connection.output == .json { return Output.json(revoked) }
                print("revoked \(revoked.text("id"))")
            }
        }
    }
}
