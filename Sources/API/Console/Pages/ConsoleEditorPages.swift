import Core
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// The editor: a workflow's YAML with its problems at their lines and a DAG preview as one
/// types (`check`), applied with a message like `agentctl apply -m` (`apply`).
enum ConsoleEditorPages {
    static let starter = """
        workflow: my-workflow
        description: What it does, for the people who will run it.
        input:
          type: object
          properties:
            customer: {type: string}
          required: [customer]
        nodes:
          greet:
            kind: transform
            config:
              output:
                message: "Hello {{ input.customer }}"
        output: {message: "{{ nodes.greet.output.message }}"}

        """

    static func blank(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        try await page(context, services, name: nil, document: starter, message: "", issues: nil, status: .ok)
    }

    static func edit(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let (record, latest) = try await services.definitions.definitions.workflow(context.parameters.require("workflow"), in: context.scope())
        return try await page(context, services, name: record.name, document: YAMLDocuments.export(latest.definition.json), message: "",
                              issues: nil, status: .ok)
    }

    struct CheckBody: RequestBody {
        let document: String
        static let schema = ObjectSchema([.init("document", ["type": "string"], required: true, "The YAML text.")])
    }

    /// The editor's check: what `POST /api/v1/validate` finds, each problem with its line,
    /// and the first workflow's DAG.
    static func check(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let body = try await BodyDecoder.decode(CheckBody.self, from: request, limits: services.definitions.limits)
        let result = await findings(body.document, context, services)
        var object: [String: JSONValue] = [
            "state": .string(result.issues.isEmpty ? "ok" : "issues"), "text": .string(statusText(result.issues)),
            "issues": .array(result.issues.map { ["path": .string($0.path), "message": .string($0.message), "line": $0.line.map(JSONValue.integer) ?? .null] }),
        ]
        if let svg = result.svg { object["svg"] = .string(svg) }
        return DefinitionResources.respond(.ok, .object(object))
    }

    /// Applies the editor's text; on success to the (first) workflow's page, otherwise the
    /// editor again with every problem at its line and nothing stored.
    static func apply(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let form = try await ConsoleForm.read(request, limits: services.definitions.limits)
        let document = form["document"] ?? ""
        let message = form.value("message")
        do {
            let outcomes = try await DefinitionRoutes.apply(document, message: message, deploy: nil, branch: nil, route: "POST /ui/editor/apply",
                                                           context, services.definitions)
            guard let workflow = outcomes.first(where: { $0.type == "workflow" }) else {
                return HTMLResponse.redirect("/ui/workflows")
            }
            return HTMLResponse.redirect("/ui/workflows/\(FormEncoding.escape(workflow.name))")
        } catch {
            let problem = Problems.problem(for: error)
            guard problem.status < 500, problem.status != 401 else { throw error }
            let issues = Self.issues(of: error, problem: problem)
            return try await page(context, services, name: nil, document: document, message: message ?? "", issues: issues,
                                  status: HTTPResponse.Status(code: problem.status))
        }
    }

    struct Issue {
        let path: String
        let message: String
        let line: Int?
    }

    static func findings(_ document: String, _ context: AgentRequestContext, _ services: ConsoleServices) async -> (issues: [Issue], svg: String?) {
        do {
            let (inputs, lines) = try DefinitionRoutes.parse(document)
            let svg = inputs.lazy.compactMap { input -> String? in
                guard case .workflow(let workflow) = input.document else { return nil }
                return WorkflowGraph.svg(workflow, kinds: Dictionary(uniqueKeysWithValues: workflow.nodes.compactMap { node in node.kind.map { (node.id, $0) } }))
            }.first
            do {
                _ = try await services.definitions.definitions.validate(inputs, in: context.scope())
                return ([], svg)
            } catch let error as DefinitionError {
                return (issues(of: DefinitionRoutes.located(error, lines), problem: nil), svg)
            }
        } catch {
            return (issues(of: error, problem: Problems.problem(for: error)), nil)
        }
    }

    /// Issues with their lines: a definition's issues end in ` (line N)` (as the API words
    /// them), a YAML syntax error knows its line.
    static func issues(of error: any Error, problem: Problem?) -> [Issue] {
        if let error = error as? DefinitionError {
            return error.issues.map { issue in
                let (message, line) = splitLine(issue.message)
                return Issue(path: issue.path, message: message, line: line)
            }
        }
        if let malformed = error as? YAMLDocuments.Malformed {
            return [Issue(path: "document", message: malformed.problem, line: malformed.line)]
        }
        let problem = problem ?? Problems.problem(for: error)
        return [Issue(path: "document", message: problem.detail, line: nil)]
    }

    static func splitLine(_ message: String) -> (String, Int?) {
        guard message.hasSuffix(")"), let open = message.range(of: " (line ", options: .backwards),
              let line = Int(message[open.upperBound..<message.index(before: message.endIndex)]) else { return (message, nil) }
        return (String(message[..<open.lowerBound]), line)
    }

    static func statusText(_ issues: [Issue]) -> String {
        issues.isEmpty ? "Valid: ready to apply." : issues.count == 1 ? "1 problem" : "\(issues.count) problems"
    }

    static func page(_ context: AgentRequestContext, _ services: ConsoleServices, name: String?, document: String, message: String,
                     issues: [Issue]?, status: HTTPResponse.Status) async throws -> Response {
        var data = await ConsoleFrame.data(context, services, title: name.map { "Edit \($0)" } ?? "New workflow", nav: "workflows")
        data["name"] = name
        data["document"] = document
        data["message"] = message
        let shown = issues ?? []
        let bad = Set(shown.compactMap(\.line))
        let count = document.split(separator: "\n", omittingEmptySubsequences: false).count
        data["lines"] = (1...max(1, count)).map { ["n": $0, "error": bad.contains($0)] }
        data["issues"] = shown.map { issue -> [String: Any] in ["path": issue.path, "message": issue.message, "line": issue.line.map(String.init) ?? ""] }
        data["state"] = issues == nil ? "unchecked" : shown.isEmpty ? "ok" : "issues"
        data["stateText"] = issues == nil ? "Not checked yet." : statusText(shown)
        return HTMLResponse.page(ConsoleView.render("editor", data), status: status)
    }
}
