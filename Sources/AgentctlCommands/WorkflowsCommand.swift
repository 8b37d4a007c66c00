import ArgumentParser
import Client
import Foundation

/// `agentctl workflows …`
struct Workflows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Versioned DAGs of agents: list, read, history, diff, export, graph, rollback, deploy, delete.",
        subcommands: [List.self, Get.self, DefinitionHistory<WorkflowResource>.self, DefinitionDiff<WorkflowResource>.self, Export.self, Graph.self,
                      Rollback.self, Deploy.self, Merge.self, Promotions.self, DefinitionDelete<WorkflowResource>.self])

    static func deployments(_ workflow: [String: Any]) -> String {
        let deployments = workflow["deployments"] as? [String: [String: Any]] ?? [:]
        // The built-in ones in promotion order, then the org's own by name.
        let order = ["dev", "staging", "prod"]
        let names = deployments.keys.sorted { (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1) }
        return names.compactMap { env in deployments[env].map { "\(env)=v\($0.text("version"))" } }.joined(separator: " ")
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
        @Option(help: "dev (default), staging, prod, one the org added, or none.") var deploy: String?

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

    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge a branch into main: a three-way structural merge, stored as a new main version (not deployed).",
            discussion: """
                Conflicts (a field both sides changed differently, a node removed on one side and changed on the other) are listed by \
                path and nothing is written; settle them with --resolve PATH=ours|theirs (repeatable) or --take ours|theirs for all, \
                or apply an edited file to the branch and merge again. Deploy the result with `agentctl workflows deploy`.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The workflow.") var workflow: String
        @Argument(help: "The branch to merge.") var branch: String
        @Option(help: "Settle every conflict not named by --resolve: ours (main) or theirs (the branch).") var take: String?
        @Option(help: "PATH=ours or PATH=theirs, e.g. nodes.fetch.config.timeout_ms=theirs (repeatable).") var resolve: [String] = []
        @Option(name: .shortAndLong, help: "Stored with the merge version.") var message: String?

        func run() async throws {
            var resolutions: [String: String] = [:]
            for item in resolve {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, ["ours", "theirs"].contains(parts[1]) else {
                    Output.error("error: --resolve takes PATH=ours or PATH=theirs; got `\(item)`")
                    throw ExitCode(2)
                }
                resolutions[parts[0]] = parts[1]
            }
            var body: [String: Any] = ["branch": branch]
            if let take { body["take"] = take }
            if !resolutions.isEmpty { body["resolutions"] = resolutions }
            if let message { body["message"] = message }
            try await reportingFailures {
                let merged = try await connection.client.call(.POST, WorkflowResource.path(workflow, "/merge"), json: body).json ?? [:]
                if connection.output == .json { return Output.json(merged) }
                let settled = (merged["settled"] as? [[String: Any]] ?? []).map { "\($0.text("path")) took \($0.text("took"))" }
                if (merged["changed"] as? Bool) == true {
                    print("merged \(branch) (version \(merged.text("theirs"))) into \(workflow): version \(merged.text("version")) "
                          + "(from \(merged.text("ours")) and \(merged.text("theirs")), base \(merged.text("base")))")
                } else {
                    print("merged \(branch) into \(workflow): main already had its changes (version \(merged.text("version")))")
                }
                for line in settled { print("  settled: \(line)") }
            }
        }
    }

    struct Promotions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A workflow's promotions, newest first: version, from, to, and the run that allowed it.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The workflow.") var workflow: String
        @Flag(help: "Follow cursors and print every page.") var all = false

        func run() async throws {
            try await reportingFailures {
                let listing = try await Listing.read(connection.client, WorkflowResource.path(workflow, "/promotions"), all: all)
                if connection.output == .json { return Output.json(listing.json) }
                Output.table(headers: ["AT", "VERSION", "FROM", "TO", "REPLACED", "EVIDENCE", "BY"], rows: listing.items.map {
                    [$0.text("at"), $0.text("version"), $0.text("from"), $0.text("to"), $0["replaced"] is Int ? $0.text("replaced") : "-",
                     $0.text("evidence"), $0.text("by")]
                })
            }
        }
    }

    struct Deploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Point an environment at a version.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The workflow.") var workflow: String
        @Option(help: "The version (default: the newest).") var version: Int?
        @Option(help: "dev, staging, prod or one the org added (agentctl envs list).") var env: String

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["environment": env]
                if let version { body["version"] = version }
                let result = try await connection.client.call(.POST, WorkflowResource.path(workflow, "/deploy"), json: body).json ?? [:]
                if connection.output == .json { return Output.json(result) }
                if let change = result["change_request"] as? [String: Any] { return Changes.requested(change) }
                print("workflow \(result.text("name")): \(Workflows.deployments(result))")
            }
        }
    }
}
