import ArgumentParser
import Client
import Foundation

/// `agentctl agents …`
struct Agents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reusable step definitions: list, read, history, diff, export, rollback, publish, delete, kinds.",
        subcommands: [List.self, Get.self, DefinitionHistory<AgentResource>.self, DefinitionDiff<AgentResource>.self, Export.self, Rollback.self,
                      Publish.self, DefinitionDelete<AgentResource>.self, Kinds.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The agents you can see.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var filters: ListFilters
        @Option(help: "Only this step kind.") var kind: String?

        func run() async throws {
            try await reportingFailures {
                let page = try await fetchAllPages(connection.client, "/api/v1/agents" + Secrets.query(filters.pairs + [("kind", kind), ("limit", "200")]))
                if connection.output == .json { return Output.json(page) }
                Output.table(headers: ["NAME", "KIND", "VERSION", "PUBLISHED", "TEAM", "TAGS", "UPDATED"], rows: (page["items"] as? [[String: Any]] ?? []).map {
                    [$0.text("name"), $0.text("kind"), $0.text("latest_version"), $0.text("published_version"), $0.text("team"),
                     ($0["tags"] as? [String] ?? []).joined(separator: ","), $0.text("updated_at")]
                })
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An agent and its newest version.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The agent (name or ID).") var agent: String

        func run() async throws {
            try await reportingFailures {
                let agent = try await connection.client.call(.GET, AgentResource.path(self.agent)).json ?? [:]
                if connection.output == .json { return Output.json(agent) }
                let version = agent["version"] as? [String: Any] ?? [:]
                Output.pairs([("id", agent.text("id")), ("name", agent.text("name")), ("kind", agent.text("kind")),
                              ("description", agent.text("description")), ("team", agent.text("team")),
                              ("tags", (agent["tags"] as? [String] ?? []).joined(separator: ", ")),
                              ("version", version.text("version")), ("published", agent.text("published_version")),
                              ("content hash", version.text("content_hash")), ("updated", "\(agent.text("updated_at")) by \(agent.text("updated_by"))")])
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A version as YAML (apply takes it back unchanged).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The agent.") var agent: String
        @Option(help: "The version (default: the newest).") var version: Int?

        func run() async throws {
            try await reportingFailures {
                print(try await fetchText(connection.client, AgentResource.path(agent, "/export" + Secrets.query([("version", version.map(String.init))]))),
                      terminator: "")
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a new version equal to an old one.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The agent.") var agent: String
        @Argument(help: "The version to return to.") var version: Int

        func run() async throws {
            try await reportingFailures {
                let outcome = try await connection.client.call(.POST, AgentResource.path(agent, "/rollback"), json: ["version": version]).json ?? [:]
                if connection.output == .json { return Output.json(outcome) }
                print((outcome["changed"] as? Bool) == true ? "agent \(outcome.text("name")) is now version \(outcome.text("version")) (= version \(version))"
                      : "agent \(outcome.text("name")): the newest version already equals version \(version); nothing changed")
            }
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let the org's other teams use a version (needs agents.publish).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The agent.") var agent: String
        @Option(help: "The version (default: the newest).") var version: Int?
        @Flag(help: "Withdraw it instead.") var withdraw = false

        func run() async throws {
            try await reportingFailures {
                var body: [String: Any] = ["published": !withdraw]
                if let version { body["version"] = version }
                let result = try await connection.client.call(.POST, AgentResource.path(agent, "/publish"), json: body).json ?? [:]
                if connection.output == .json { return Output.json(result) }
                if let change = result["change_request"] as? [String: Any] { return Changes.requested(change) }
                print("\(agent) version \(result.text("version")) \(withdraw ? "withdrawn" : "published")")
            }
        }
    }

    struct Kinds: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The step kinds and their config schemas (--output json for the schemas).")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingFailures {
                let result = try await connection.client.call(.GET, "/api/v1/agent-kinds").json ?? [:]
                if connection.output == .json { return Output.json(result) }
                for kind in result["items"] as? [[String: Any]] ?? [] {
                    let schema = kind["config_schema"] as? [String: Any] ?? [:]
                    let required = Set(schema["required"] as? [String] ?? [])
                    let fields = (schema["properties"] as? [String: Any] ?? [:]).keys.sorted().map { required.contains($0) ? "\($0)*" : $0 }
                    print("\(kind.text("kind")): \(kind.text("summary"))")
                    print("    config: \(fields.joined(separator: ", "))   (* required)")
                }
            }
        }
    }
}
