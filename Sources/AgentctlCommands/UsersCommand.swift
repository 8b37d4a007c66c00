import ArgumentParser
import Client
import Foundation

/// `agentctl users …`: people and robot accounts, and their roles in orgs.
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, show and change users and their roles in orgs.",
        subcommands: [Create.self, List.self, Get.self, Update.self, SetRole.self, Remove.self]
    )

    static let headers = ["ID", "LOGIN", "DISPLAY NAME", "UID", "ROLES", "DISABLED"]

    static func row(_ user: [String: Any]) -> [String] {
        let roles = (user["memberships"] as? [[String: Any]] ?? []).map { $0.text("role") }.joined(separator: ",")
        return [user.text("id"), user.text("login"), user.text("display_name"), user.text("unix_uid"), roles,
                (user["disabled"] as? Bool) == true ? "yes" : "no"]
    }

    static func show(_ user: [String: Any], as format: ConnectionOptions.OutputFormat) {
        if format == .json { return Output.json(user) }
        Output.table(headers: headers, rows: [row(user)])
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.@"))) ?? text
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user and make it a member of an org.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Login: 2-128 of a-z, 0-9 and . _ @ + -.") var login: String
        @Option(help: "Role in the org: admin, developer, operator, viewer, guest, or one of the org's custom roles.") var role: String
        @Option(help: "The org (ID or name); default: yours.") var org: String?
        @Option(help: "Name for people.") var displayName: String?
        @Option(help: "A Unix uid that acts as this user on the socket.") var unixUid: UInt32?
        @Option(help: "A team (ID or name) of that org to add the user to.") var team: String?

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["login": login, "role": role]
                if let org { body["org"] = org }
                if let displayName { body["display_name"] = displayName }
                if let unixUid { body["unix_uid"] = unixUid }
                let user = try await connection.client.call(.POST, "/api/v1/users", json: body).json ?? [:]
                if let team {
                    _ = try await connection.client.call(.PUT, "/api/v1/teams/\(Users.escape(team))/members/\(user.text("id"))", json: [:])
                }
                Users.show(user, as: connection.output)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, oldest first.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Users per page (1-200).") var limit: Int = 200

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/users?limit=\(limit)").json ?? [:]
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: Users.headers, rows: (page["items"] as? [[String: Any]] ?? []).map(Users.row))
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one user.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The user's ID (usr_…) or login.") var user: String

        func run() async throws {
            try await reportingFailures {
                Users.show(try await connection.client.call(.GET, "/api/v1/users/\(Users.escape(user))").json ?? [:],
                           as: connection.output)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a user's display name or socket uid, or disable it.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The user's ID (usr_…) or login.") var user: String
        @Option(help: "New name for people.") var displayName: String?
        @Option(help: "Map this Unix uid to the user on the socket.") var unixUid: UInt32?
        @Flag(help: "Remove the uid mapping.") var clearUnixUid = false
        @Flag(help: "Disable the user (its keys stop working).") var disable = false
        @Flag(help: "Enable a disabled user.") var enable = false

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = [:]
                if let displayName { body["display_name"] = displayName }
                if let unixUid { body["unix_uid"] = unixUid }
                if clearUnixUid { body["clear_unix_uid"] = true }
                if disable { body["disabled"] = true }
                if enable { body["disabled"] = false }
                Users.show(try await connection.client.call(.PATCH, "/api/v1/users/\(Users.escape(user))", json: body).json ?? [:],
                           as: connection.output)
            }
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Give a user a role in an org.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The user's ID (usr_…) or login.") var user: String
        @Argument(help: "admin, developer, operator, viewer, guest, or one of the org's custom roles.") var role: String
        @Option(help: "The org (ID or name).") var org: String

        func run() async throws {
            try await reportingFailures {
                let path = "/api/v1/orgs/\(Users.escape(org))/members/\(Users.escape(user))"
                let membership = try await connection.client.call(.PUT, path, json: ["role": role]).json ?? [:]
                if connection.output == .json { return Output.json(membership) }
                if let change = membership["change_request"] as? [String: Any] { return Changes.requested(change) }
                print("\(user) is \(membership.text("role")) in \(org)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user from an org.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The user's ID (usr_…) or login.") var user: String
        @Option(help: "The org (ID or name).") var org: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/orgs/\(Users.escape(org))/members/\(Users.escape(user))")
                print("removed \(user) from \(org)")
            }
        }
    }
}

/// `agentctl whoami`: who agentd thinks you are.
struct WhoAmI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show who agentd takes you for, and what you may do.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingFailures {
            let me = try await connection.client.call(.GET, "/api/v1/whoami").json ?? [:]
            if connection.output == .json { return Output.json(me) }
            Output.pairs([
                ("name", me.text("name")), ("login", me.text("login")), ("org", me.text("org_id")),
                ("reach", me.text("reach")), ("roles", (me["roles"] as? [String] ?? []).joined(separator: ", ")),
                ("permissions", (me["permissions"] as? [String] ?? []).joined(separator: ", ")),
            ])
        }
    }
}
