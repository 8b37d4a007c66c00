import ArgumentParser
import Client
import Foundation

/// `agentctl teams …`: teams in an org and their members.
struct Teams: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, show, rename and delete teams; add and remove members.",
        subcommands: [Create.self, List.self, Get.self, Rename.self, Delete.self, AddMember.self, RemoveMember.self]
    )

    static func show(_ team: [String: Any], as format: ConnectionOptions.OutputFormat) {
        if format == .json { return Output.json(team) }
        let members = (team["members"] as? [[String: Any]] ?? []).map { member in
            member.text("login") + (member["role"] is String ? "(\(member.text("role")))" : "")
        }.joined(separator: ", ")
        Output.table(headers: ["ID", "NAME", "MEMBERS"], rows: [[team.text("id"), team.text("name"), members]])
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a team.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The team's name.") var name: String
        @Option(help: "The org (ID or name); default: yours.") var org: String?

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["name": name]
                if let org { body["org"] = org }
                Teams.show(try await connection.client.call(.POST, "/api/v1/teams", json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List teams.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let page = try await connection.client.call(.GET, "/api/v1/teams?limit=200").json ?? [:]
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: ["ID", "NAME", "ORG", "MEMBERS"], rows: (page["items"] as? [[String: Any]] ?? []).map {
                    [$0.text("id"), $0.text("name"), $0.text("org_id"), String(($0["members"] as? [Any])?.count ?? 0)]
                })
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a team and its members.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The team's ID (team_…) or name.") var team: String

        func run() async throws {
            try await reportingFailures {
                Teams.show(try await connection.client.call(.GET, "/api/v1/teams/\(Users.escape(team))").json ?? [:], as: connection.output)
            }
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a team.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The team's ID or name.") var team: String
        @Argument(help: "The new name.") var newName: String

        func run() async throws {
            try await reportingFailures {
                Teams.show(try await connection.client.call(.PATCH, "/api/v1/teams/\(Users.escape(team))", json: ["name": newName]).json ?? [:],
                           as: connection.output)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a team.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The team's ID or name.") var team: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/teams/\(Users.escape(team))")
                print("deleted \(team)")
            }
        }
    }

    struct AddMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-member", abstract: "Add an org member to a team.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The team's ID or name.") var team: String
        @Argument(help: "The user (ID or login).") var user: String
        @Option(help: "A team role no broader than the user's org role.") var role: String?

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = [:]
                if let role { body["role"] = role }
                Teams.show(try await connection.client.call(.PUT, "/api/v1/teams/\(Users.escape(team))/members/\(Users.escape(user))",
                                                            json: body).json ?? [:], as: connection.output)
            }
        }
    }

    struct RemoveMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-member", abstract: "Remove a user from a team.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The team's ID or name.") var team: String
        @Argument(help: "The user (ID or login).") var user: String

        func run() async throws {
            try await reportingFailures {
                _ = try await connection.client.call(.DELETE, "/api/v1/teams/\(Users.escape(team))/members/\(Users.escape(user))")
                print("removed \(user) from \(team)")
            }
        }
    }
}
