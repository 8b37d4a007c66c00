import ArgumentParser
import Client
import Foundation

/// The commands agents and workflows share, written once over a `DefinitionResource`:
/// `agentctl agents history|diff|delete` and `agentctl workflows history|diff|delete` are
/// `DefinitionHistory<AgentResource>`, `DefinitionDiff<WorkflowResource>` and so on, with the
/// same flags, output and exit codes for both.

/// `… history NAME`: every version, newest first.
struct DefinitionHistory<Resource: DefinitionResource>: AsyncParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: "history", abstract: Resource.historyAbstract) }
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("The \(Resource.noun).", valueName: Resource.noun)) var name: String

    func run() async throws {
        try await reportingFailures {
            let page = try await fetchAllPages(connection.client, Resource.path(name, "/versions?limit=200"))
            if connection.output == .json { return Output.json(page) }
            let columns = Resource.historyColumns
            Output.table(headers: columns.map(\.header), rows: (page["items"] as? [[String: Any]] ?? []).map { version in
                columns.map { $0.cell(version) }
            })
        }
    }
}

/// `… diff NAME FROM TO`: what changed between two versions.
struct DefinitionDiff<Resource: DefinitionResource>: AsyncParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: "diff", abstract: Resource.diffAbstract) }
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("The \(Resource.noun).", valueName: Resource.noun)) var name: String
    @Argument(help: "The older version.") var from: Int
    @Argument(help: "The newer version.") var to: Int

    func run() async throws {
        try await reportingFailures {
            let result = try await connection.client.call(.GET, Resource.path(name, "/diff?from=\(from)&to=\(to)")).json ?? [:]
            if connection.output == .json { return Output.json(result) }
            printDiff(result, from: from, to: to)
        }
    }
}

/// `… delete NAME`.
struct DefinitionDelete<Resource: DefinitionResource>: AsyncParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: "delete", abstract: Resource.deleteAbstract) }
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("The \(Resource.noun).", valueName: Resource.noun)) var name: String

    func run() async throws {
        try await reportingFailures {
            _ = try await connection.client.call(.DELETE, Resource.path(name))
            print("deleted \(Resource.noun) \(name)")
        }
    }
}

/// Filters shared by `agents list` and `workflows list`.
struct ListFilters: ParsableArguments {
    @Option(help: "Only this team's (ID or name).") var team: String?
    @Option(help: "Only those with this tag.") var tag: String?
    @Option(help: "Only names starting with this.") var name: String?
    @Option(help: "Only those changed after this RFC 3339 time.") var updatedAfter: String?

    var pairs: [(String, String?)] { [("team", team), ("tag", tag), ("name", name), ("updated_after", updatedAfter)] }
}

/// Prints a diff answer: its `lines`, or a note that nothing changed.
func printDiff(_ result: [String: Any], from: Int, to: Int) {
    let lines = result["lines"] as? [String] ?? []
    if lines.isEmpty { print("versions \(from) and \(to) are identical") }
    for line in lines { print(line) }
}
