import ArgumentParser
import Client
import Foundation

/// Reads a definitions file (or `-` for standard input).
func readDefinitions(_ file: String) throws -> String {
    let data: Data
    if file == "-" {
        data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
        guard let contents = FileManager.default.contents(atPath: file) else {
            Output.error("error: cannot read \(file)")
            throw ExitCode(2)
        }
        data = contents
    }
    guard let text = String(data: data, encoding: .utf8) else {
        Output.error("error: \(file) is not UTF-8 text")
        throw ExitCode(2)
    }
    return text
}

/// `agentctl apply -f FILE`: store agents and workflows as new versions.
struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store the agents and workflows of a YAML file as new versions (identical ones are left alone).",
        discussion: "Changed workflows are deployed to dev unless --deploy says otherwise. All or nothing: any problem and nothing is stored.")
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: "The YAML file (- for standard input).") var file: String
    @Option(name: .shortAndLong, help: "Why: stored with each new version.") var message: String?
    @Option(help: "Deploy changed workflows to dev (default), staging, prod, one the org added, or none.") var deploy: String?
    @Option(help: "Put workflows' new versions on this branch (nothing is deployed; merge it with `agentctl workflows merge`).") var branch: String?

    func run() async throws {
        let text = try readDefinitions(file)
        try await reportingFailures {
            var body: [String: Any] = ["document": text]
            if let message { body["message"] = message }
            if let deploy { body["deploy"] = deploy }
            if let branch { body["branch"] = branch }
            let result = try await connection.client.call(.POST, "/api/v1/apply", json: body).json ?? [:]
            if connection.output == .json { return Output.json(result) }
            for outcome in result["results"] as? [[String: Any]] ?? [] {
                let what = "\(outcome.text("type")) \(outcome.text("name"))"
                if (outcome["changed"] as? Bool) != true {
                    let deployed = (outcome["deployed_to"] as? String).map { ", deployed to \($0)" } ?? ""
                    print("\(what): unchanged (identical to version \(outcome.text("version")))\(deployed)")
                } else {
                    let deployed = (outcome["deployed_to"] as? String).map { ", deployed to \($0)" } ?? ""
                    print("\(what): \((outcome["created"] as? Bool) == true ? "created as" : "now") version \(outcome.text("version"))\(deployed)")
                }
            }
        }
    }
}

/// `agentctl validate -f FILE`: every problem with its location; exit 1 when there are any.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a YAML definitions file without storing it; lists every problem.")
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: "The YAML file (- for standard input).") var file: String

    func run() async throws {
        let text = try readDefinitions(file)
        try await reportingFailures {
            let result = try await connection.client.call(.POST, "/api/v1/validate", json: ["document": text]).json ?? [:]
            if connection.output == .json { return Output.json(result) }
            for outcome in result["results"] as? [[String: Any]] ?? [] {
                let next = (outcome["changed"] as? Bool) == true ? "would be version \(outcome.text("version"))" : "identical to version \(outcome.text("version"))"
                print("\(outcome.text("type")) \(outcome.text("name")): valid, \(next)")
            }
        }
    }
}

/// Fetches a non-JSON body (YAML, SVG, dot), turning problems into `ClientError.problem`.
func fetchText(_ client: AgentClient, _ path: String) async throws -> String {
    let response = try await client.send(.GET, path)
    guard (200..<300).contains(response.status) else {
        if let problem = try? JSONDecoder().decode(ProblemDetails.self, from: response.body) { throw ClientError.problem(problem) }
        throw ClientError.unexpected(status: response.status, String(decoding: response.body, as: UTF8.self))
    }
    return String(decoding: response.body, as: UTF8.self)
}

/// Path-segment encoding for names and ids in URLs.
func segment(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
}

/// Every item of a paginated listing, following `next_cursor` to the end.
func fetchAllPages(_ client: AgentClient, _ path: String) async throws -> [String: Any] {
    try await Listing.read(client, path, all: true).json
}
