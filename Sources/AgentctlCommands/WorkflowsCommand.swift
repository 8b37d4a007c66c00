import ArgumentParser
import Client
import Foundation

/// `agentctl workflows …`
struct Workflows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Versioned DAGs of agents: list, read, history, diff, export, graph, rollback, deploy, delete.",
        subcommands: [List.self, Get.self, DefinitionHistory<WorkflowResource>.self, DefinitionDiff<WorkflowResource>.self, Export.self, Graph.self,
                      Rollback.self, Deploy.self, DefinitionDelete<WorkflowResource>.self])

    static func deployments(_ workflow: [String: Any]) -> String {
        let deployments = workflow["deployments"] as? [String: [String: Any]] ?? [:]
        return ["dev", "staging", "prod"].compactMap { env in deployments[env].map { "\(env)=v\($0.text("version"))" } }.joined(separator: " ")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The workflows you can see.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var filters: ListFilters

        func run() async throws {
            try await reportingFailures {
                let page = try await fetchAllPages(connection.client, "/api/v1/workflows" + Secrets.query(filters.pairs + [("limit", "200")]))
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: ["NAME", "VERSION", "DEPLOYED", "TEAM", "TAGS", "UPDATED"], rows: (page["items"] as? [[String: Any]] ?? []).map {
                    [$0.text("name"), $0.text("latest_version"), Workflows.deployments($0), $0.text("team"),
                     ($0["tags"] as? [String] ?? []).joined(separator: ","), $0.text("updated_at")]
                })
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A workflow, its deployments and its newest version.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The workflow (name or ID).") var workflow: String

        func run() async throws {
            try await reportingFailures {
                let workflow = try await connection.client.call(.GET, WorkflowResource.path(self.workflow)).json ?? [:]
                if connection.output == .json { return Output.json(workflow) }
                let version = workflow["version"] as? [String: Any] ?? [:]
                let definition = version["definition"] as? [String: Any] ?? [:]
                let nodes = (definition["nodes"] as? [String: Any] ?? [:]).keys.sorted()
                Output.pairs([("id", workflow.text("id")), ("name", workflow.text("name")), ("description", workflow.text("description")),
                              ("team", workflow.text("team")), ("tags", (workflow["tags"] as? [String] ?? []).joined(separator: ", ")),
                              ("version", version.text("version")), ("deployed", Workflows.deployments(workflow)),
                              ("nodes", nodes.joined(separator: ", ")), ("content hash", version.text("content_hash")),
                              ("updated", "\(workflow.text("updated_at")) by \(workflow.text("updated_by"))")])
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A version as YAML (apply takes it back unchanged).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The workflow.") var workflow: String
        @Option(help: "The version (default: the newest).") var version: Int?
        @Option(help: "The version deployed in this environment instead.") var env: String?

        func run() async throws {
            try await reportingFailures {
                let query = Secrets.query([("version", version.map(String.init)), ("environment", env)])
                print(try await fetchText(connection.client, WorkflowResource.path(workflow, "/export" + query)), terminator: "")
            }
        }
    }

    struct Graph: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A picture of the DAG: svg or dot, on standard output.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The workflow.") var workflow: String
        @Option(help: "svg or dot.") var format: String = "svg"
        @Option(help: "The version (default: the newest).") var version: Int?
        @Option(help: "The version deployed in this environment instead.") var env: String?

        func run() async throws {
            try await reportingFailures {
                let query = Secrets.query([("format", format), ("version", version.map(String.init)), ("environment", env)])
                print(try await fetchText(connection.client, WorkflowResource.path(workflow, "/graph" + query)), terminator: "")
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a new version equal to an old one (deployed to dev unless --deploy says otherwise).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The workflow.") var workflow: String
        @Argument(help: "The version to return to.") var version: Int
        @Option(help: "dev (default), staging, prod or none.") var deploy: String?

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["version": version]
                if let deploy { body["deploy"] = deploy }
                let outcome = try await connection.client.call(.POST, WorkflowResource.path(workflow, "/rollback"), json: body).json ?? [:]
                if connection.output == .json { return Output.json(outcome) }
                if (outcome["changed"] as? Bool) == true {
                    let deployed = (outcome["deployed_to"] as? String).map { ", deployed to \($0)" } ?? ""
                    print("workflow \(outcome.text("name")) is now version \(outcome.text("version")) (= version \(version))\(deployed)")
                } else {
                    print("workflow \(outcome.text("name")): the newest version already equals version \(version); nothing changed")
                }
            }
        }
    }

    struct Deploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Point an environment at a version.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The workflow.") var workflow: String
        @Option(help: "The version (default: the newest).") var version: Int?
        @Option(help: "dev, staging or prod.") var env: String

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["environment": env]
                if let version { body["version"] = version }
                let result = try await connection.client.call(.POST, WorkflowResource.path(workflow, "/deploy"), json: body).json ?? [:]
                if connection.output == .json { return Output.json(result) }
                print("workflow \(result.text("name")): \(Workflows.deployments(result))")
            }
        }
    }
}
