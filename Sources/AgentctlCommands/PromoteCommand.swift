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
    @Option(help: "Where the version runs now: dev, staging, prod or one the org added.") var from: String
    @Option(help: "Where it goes.") var to: String

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
