import Core
import Foundation
import Hummingbird
import Storage

/// Applying and validating definitions files (YAML with one or more `agent:` / `workflow:`
/// documents), and the step kinds' schemas.
public enum DefinitionRoutes: RouteFile {
    public typealias Services = DefinitionService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/apply", needs: .authenticated,
                      Operation(id: "applyDefinitions",
                                summary: "Store a YAML definitions file: each agent and workflow that differs from its newest version becomes "
                                    + "a new version (workflows are deployed to dev unless `deploy` says otherwise). All or nothing. "
                                    + "Agents need agents.create, workflows workflows.create.",
                                tag: "definitions", requestBody: ApplyBody.schema.json,
                                success: (200, Schemas.applyResult, "application/json"), problems: [400, 403, 404, 409, 413, 415, 422]),
                      handler: apply),
            RouteSpec(.post, "/api/v1/validate", needs: .permission(.workflowsView),
                      Operation(id: "validateDefinitions", summary: "Check a YAML definitions file without storing anything; lists every problem.",
                                tag: "definitions", requestBody: ValidateBody.schema.json,
                                success: (200, Schemas.applyResult, "application/json"), problems: [400, 404, 413, 415, 422]),
                      handler: validate),
            RouteSpec(.get, "/api/v1/agent-kinds", needs: .permission(.agentsView),
                      Operation(id: "listAgentKinds", summary: "The step kinds, each with its config JSON Schema and output shape.",
                                tag: "definitions", success: (200, Schemas.agentKinds, "application/json")),
                      handler: kinds),
        ]
    }

    struct ApplyBody: RequestBody {
        let document: String
        let message: String?
        let deploy: String?
        let branch: String?
        static let schema = ObjectSchema([
            .init("document", ["type": "string"], required: true, "The YAML text: documents separated by `---`."),
            .init("branch", ["type": "string"], "Workflows' new versions go on this branch (main's deployments untouched; deploy must be none)."),
            .init("message", ["type": "string", "maxLength": 500], "Why: stored with each new version."),
            .init("deploy", Schemas.environmentOrNone,
                  "Environment changed workflows are deployed to (default dev); `none` deploys nothing."),
        ])
    }

    struct ValidateBody: RequestBody {
        let document: String
        static let schema = ObjectSchema([.init("document", ["type": "string"], required: true, "The YAML text.")])
    }

    static func apply(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(ApplyBody.self, from: request, limits: services.limits)
        if let message = body.message, message.count > 500 { throw ValidationError(field: "message", "must be at most 500 characters") }
        let outcomes = try await apply(body.document, message: body.message, deploy: body.deploy, branch: body.branch,
                                       route: "POST /api/v1/apply", context, services)
        return DefinitionResources.respond(.ok, result(outcomes))
    }

    /// Applying a definitions file, for the API and the console's editor alike: each
    /// document's permission checked (and a refusal audited under `route`), all or nothing,
    /// every issue pointed at its line.
    static func apply(_ document: String, message: String?, deploy: String?, branch: String?, route: String,
                      _ context: AgentRequestContext, _ services: Services) async throws -> [ApplyOutcome] {
        let deployTo: DeployEnvironment?
        switch deploy {
        case nil: deployTo = branch == nil ? .dev : nil
        case let name?: deployTo = try EnvironmentName.deploy(name)
        }
        let (inputs, lines) = try parse(document)
        for input in inputs {
            let needed: Permission = switch input.document {
            case .agent: .agentsCreate
            case .workflow: .workflowsCreate
            }
            try await services.refusals.require(needed, route: route, context)
        }
        do {
            return try await services.definitions.apply(inputs, message: message, deployTo: deployTo, deployUnchanged: deploy != nil,
                                                        branch: branch, context: context.change(services.clock))
        } catch let error as DefinitionError {
            throw located(error, lines)
        }
    }

    static func validate(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(ValidateBody.self, from: request, limits: services.limits)
        let (inputs, lines) = try parse(body.document)
        do {
            let outcomes = try await services.definitions.validate(inputs, in: context.scope())
            return DefinitionResources.respond(.ok, result(outcomes))
        } catch let error as DefinitionError {
            throw located(error, lines)
        }
    }

    static func kinds(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let items: [JSONValue] = StepKind.allCases.map { kind in
            ["kind": .string(kind.rawValue), "summary": .string(kind.summary), "config_schema": kind.configSchema,
             "output_schema": kind.outputSchema ?? .null]
        }
        return DefinitionResources.respond(.ok, ["items": .array(items)])
    }

    // MARK: - Parsing

    /// Each document's issue lines, by document index.
    typealias Lines = [[String: Int]]

    /// YAML → documents, every issue of every document collected, each pointed at its line.
    static func parse(_ text: String) throws -> ([DefinitionStore.Input], Lines) {
        let parsed = try YAMLDocuments.parse(text)
        guard !parsed.isEmpty else { throw ValidationError(field: "document", "holds no YAML documents") }
        var inputs: [DefinitionStore.Input] = []
        var issues: [DefinitionIssue] = []
        let prefixed = parsed.count > 1
        for (index, document) in parsed.enumerated() {
            let prefix = prefixed ? "documents[\(index)]." : ""
            do {
                inputs.append(DefinitionStore.Input(document: try DefinitionDocument.parse(document.value), pathPrefix: prefix))
            } catch {
                issues += error.issues.map { DefinitionIssue(prefix + $0.path, $0.message) }
            }
        }
        let lines = parsed.map(\.lines)
        if !issues.isEmpty { throw located(DefinitionError(issues), lines) }
        return (inputs, lines)
    }

    /// Adds " (line N)" to each issue: the line of the deepest part of its path the YAML has.
    static func located(_ error: DefinitionError, _ lines: Lines) -> DefinitionError {
        DefinitionError(error.issues.map { issue in
            var path = issue.path
            var index = 0
            if path.hasPrefix("documents["), let close = path.firstIndex(of: "]") {
                index = Int(path[path.index(path.startIndex, offsetBy: 10)..<close]) ?? 0
                path = String(path[path.index(after: close)...].drop { $0 == "." })
            }
            guard index < lines.count else { return issue }
            var probe = path
            while true {
                if let line = lines[index][probe] { return DefinitionIssue(issue.path, issue.message + " (line \(line))") }
                guard let cut = probe.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
                probe = String(probe[..<cut])
            }
            return issue
        })
    }

    static func result(_ outcomes: [ApplyOutcome]) -> JSONValue {
        ["results": .array(outcomes.map(DefinitionResources.outcome)), "changed": .bool(outcomes.contains { $0.changed })]
    }
}
