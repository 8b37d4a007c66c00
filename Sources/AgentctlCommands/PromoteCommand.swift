import ArgumentParser
import Client
import Foundation

/// `agentctl promote WORKFLOW --from staging --to prod`: deploys to the next environment the
/// version that ran successfully in the previous one (docs/governance.md#environments-and-promotion).
struct Promote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy to --to exactly the version deployed in --from, once it has run successfully there.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The workflow.") var workflow: String
    @Option(help: "dev, staging or prod: where the version runs now.") var from: String
    @Option(help: "dev, staging or prod: where it goes.") var to: String

    func run() async throws {
        try await reportingFailures {
            let result = try await connection.client.call(.POST, WorkflowResource.path(workflow, "/promote"), json: ["from": from, "to": to]).json ?? [:]
            if connection.output == .json { return Output.json(result) }
            if let change = result["change_request"] as? [String: Any] { return Changes.requested(change) }
            if (result["promoted"] as? Bool) == true {
                let replaced = result["replaced"] is Int ? " (was version \(result.text("replaced")))" : ""
                print("\(workflow) version \(result.text("version")) is deployed in \(to)\(replaced); it ran in \(from) as \(result.text("evidence"))")
            } else {
                print("\(workflow): \(to) runs version \(result.text("version")) already; nothing changed")
            }
        }
    }
}

/// `agentctl envs diff A B`: what differs between two environments.
struct Envs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envs", abstract: "Compare environments: deployed workflow versions and secret paths.", subcommands: [Diff.self])

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What differs between two environments (dev, staging, prod).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "One environment.") var from: String
        @Argument(help: "The other.") var to: String

        func run() async throws {
            try await reportingFailures {
                let diff = try await connection.client.call(.GET, "/api/v1/environments/diff?from=\(from)&to=\(to)").json ?? [:]
                if connection.output == .json { return Output.json(diff) }
                let workflows = diff["workflows"] as? [[String: Any]] ?? []
                if workflows.isEmpty { print("workflows: the same versions deployed in \(from) and \(to)") } else {
                    Output.table(headers: ["WORKFLOW", from.uppercased(), to.uppercased()], rows: workflows.map {
                        [$0.text("name"), $0["from_version"] is Int ? $0.text("from_version") : "-", $0["to_version"] is Int ? $0.text("to_version") : "-"]
                    })
                }
                if let onlyFrom = diff["secrets_only_in_from"] as? [String], let onlyTo = diff["secrets_only_in_to"] as? [String] {
                    for path in onlyFrom { print("secret \(path): only in \(from)") }
                    for path in onlyTo { print("secret \(path): only in \(to)") }
                } else {
                    print("secrets: not compared (reading their paths needs secrets.read)")
                }
            }
        }
    }
}
