import ArgumentParser
import Client
import Foundation

/// `agentctl roles …`: built-in and custom roles.
struct Roles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List roles; create, change and delete an org's custom roles.",
        subcommands: [List.self, Put.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Built-in roles and the org's custom roles.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The org (ID or name); default: yours.") var org: String?

        func run() async throws {
            try await reportingFailures {
                let path = "/api/v1/roles" + (org.map { "?org=\(Users.escape($0))" } ?? "")
                let page = try await connection.client.call(.GET, path).json ?? [:]
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: ["NAME", "KIND", "PERMISSIONS"], rows: (page["items"] as? [[String: Any]] ?? []).map {
                    [$0.text("name"), ($0["built_in"] as? Bool) == true ? "built-in" : "custom",
                     ($0["permissions"] as? [String] ?? []).joined(separator: ",")]
                })
            }
        }
    }

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "put", abstract: "Create or change a custom role.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The role's name.") var name: String
        @Option(name: .customLong("permission"), help: "A permission the role grants (repeat).") var permissions: [String] = []
        @Option(help: "The org (ID or name); default: yours.") var org: String?

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["permissions": permissions]
                if let org { body["org"] = org }
                let role = try await connection.client.call(.PUT, "/api/v1/roles/\(Users.escape(name))", json: body).json ?? [:]
                if connection.output == .json { return Output.json(role) }
                print("\(role.text("name")): \((role["permissions"] as? [String] ?? []).joined(separator: ", "))")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a custom role nobody holds.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The role's name.") var name: String
        @Option(help: "The org (ID or name); default: yours.") var org: String?

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/roles/\(Users.escape(name))" + (org.map { "?org=\(Users.escape($0))" } ?? ""))
                print("deleted role \(name)")
            }
        }
    }
}
