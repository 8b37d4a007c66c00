import Core
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Workflows: the list, one workflow's page, and running it from the form its input schema
/// makes.
enum ConsoleWorkflowPages {
    static func list(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let q = ConsoleQuery.filled(request, "q"), tag = ConsoleQuery.filled(request, "tag")
        let page = try await services.definitions.definitions.listWorkflows(
            in: context.scope(), filter: DefinitionFilter(tag: tag, namePrefix: q), page: Pagination.request(from: request, listing: "workflows"))
        var data = await ConsoleFrame.data(context, services, title: "Workflows", nav: "workflows")
        data["filter"] = ["q": q ?? "", "tag": tag ?? ""]
        data["filtered"] = q != nil || tag != nil
        data["items"] = page.items.map { record -> [String: Any] in
            ["name": record.name, "link": FormEncoding.escape(record.name), "description": record.description ?? "", "tags": record.tags,
             "version": record.latestVersion, "deployments": deployments(record), "updatedAt": record.updatedAt.rfc3339,
             "updated": ConsoleView.time(record.updatedAt)]
        }
        data["hasItems"] = !page.items.isEmpty
        data["next"] = page.nextAfter.map { ConsoleQuery.string([("q", q), ("tag", tag), ("cursor", Pagination.cursor(after: $0, listing: "workflows"))]) }
        return HTMLResponse.page(ConsoleView.render("workflows", data))
    }

    static func show(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        try await page(context.parameters.require("workflow"), context, services, runProblem: nil, values: [:], status: .ok)
    }

    /// Starts an execution from the run form, as `POST /api/v1/executions` would, and goes to
    /// its page; a value the form or the input schema refuses shows the form again with why.
    static func run(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let reference = try context.parameters.require("workflow")
        let form = try await ConsoleForm.read(request, limits: services.executions.limits)
        let scope = try context.scope()
        let (record, latest) = try await services.definitions.definitions.workflow(reference, in: scope)
        let values = Dictionary(form.compactMap { name, value in name.hasPrefix("input.") ? (String(name.dropFirst(6)), value) : nil },
                                uniquingKeysWith: { first, _ in first })
        let environment = try EnvironmentName.parse(form["environment"] ?? "dev", field: "environment")
        let version = record.deployments[environment]?.version ?? latest.version
        let schemaVersion = version == latest.version ? latest
            : try await services.definitions.definitions.workflowVersion(reference, version: version, in: scope).1
        let input: JSONValue
        switch RunForm.input(RunForm.fields(for: schemaVersion.definition.inputSchema), values: values) {
        case .success(let value): input = value
        case .failure(let error):
            return try await page(reference, context, services, runProblem: error.description, values: values, status: .unprocessableContent)
        }
        do {
            let (execution, _) = try await services.executions.engine.submit(
                NewExecution(workflow: record.id.rawValue, environment: environment, version: nil, input: input, idempotencyKey: nil,
                             requestHash: nil, trigger: "console", timeoutMs: nil), context: context.change(services.clock))
            return HTMLResponse.redirect("/ui/executions/\(execution.id.rawValue)")
        } catch {
            // Not deployed there, over budget or quota, an input the schema refuses: on the form.
            let (problem, status) = try ConsoleForm.refusal(error, shown: [400, 402, 409, 413, 422, 429])
            return try await page(reference, context, services, runProblem: problem, values: values, status: status)
        }
    }

    static func page(_ reference: String, _ context: AgentRequestContext, _ services: ConsoleServices, runProblem: String?,
                     values: [String: String], status: HTTPResponse.Status) async throws -> Response {
        let scope = try context.scope()
        let store = services.definitions.definitions
        let (record, latest) = try await store.workflow(reference, in: scope)
        let versions = try await store.workflowVersions(record.id.rawValue, in: scope, page: PageRequest(limit: 20))
        let recent = try await services.executions.executions.list(in: scope, filter: ExecutionFilter(workflow: record.id.rawValue),
                                                                   page: PageRequest(limit: 10))
        var data = await ConsoleFrame.data(context, services, title: record.name, nav: "workflows")
        data["name"] = record.name
        data["link"] = FormEncoding.escape(record.name)
        data["description"] = record.description
        data["tags"] = record.tags
        data["team"] = record.teamName
        data["svg"] = WorkflowGraph.svg(latest.definition, kinds: latest.kinds)
        let deployed = deployments(record)
        data["deployments"] = deployed
        data["hasDeployments"] = !deployed.isEmpty
        data["versions"] = versions.items.map { version -> [String: Any] in
            ["version": version.version, "previous": version.parentVersion ?? (version.version > 1 ? version.version - 1 : nil) as Any,
             "message": version.message ?? "", "branch": version.branch, "by": version.createdBy,
             "at": version.createdAt.rfc3339, "when": ConsoleView.time(version.createdAt)]
        }
        // The form follows the schema of what runs by default (dev's deployment, else the newest).
        let runs = record.deployments[.dev].map(\.version) ?? record.deployments.values.map(\.version).max() ?? latest.version
        let schema = runs == latest.version ? latest.definition.inputSchema
            : try await store.workflowVersion(record.id.rawValue, version: runs, in: scope).1.definition.inputSchema
        data["fields"] = RunForm.fields(for: schema).map { field(for: $0, value: values[$0.name]) }
        data["runProblem"] = runProblem
        data["executions"] = recent.items.map(ConsoleExecutionPages.row)
        data["hasExecutions"] = !recent.items.isEmpty
        services.definitions.recent?.note(.workflow, id: record.id.rawValue, caller: context.caller, at: services.clock.now())
        data["favorite"] = ["kind": "workflow", "ref": record.name, "on": await ConsoleSearchPages.isFavorite(record.id.rawValue, context, services)]
        return HTMLResponse.page(ConsoleView.render("workflow", data), status: status)
    }

    /// Two versions side by side (their YAML, as `agentctl workflows export` writes it), the
    /// changed lines marked: `?from=N&to=M`, by default the newest and the one before it.
    static func diff(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let scope = try context.scope()
        let reference = try context.parameters.require("workflow")
        let store = services.definitions.definitions
        let (record, latest) = try await store.workflow(reference, in: scope)
        let query = request.uri.queryParameters
        let to = try query["to"].map { try DefinitionQuery.version(String($0), name: "to") } ?? latest.version
        let from = try query["from"].map { try DefinitionQuery.version(String($0), name: "from") } ?? max(1, to - 1)
        let old = try await store.workflowVersion(record.id.rawValue, version: from, in: scope).1
        let new = try await store.workflowVersion(record.id.rawValue, version: to, in: scope).1
        let rows = LineDiff.sideBySide(YAMLDocuments.export(old.definition.json), YAMLDocuments.export(new.definition.json))
        var data = await ConsoleFrame.data(context, services, title: "\(record.name) v\(from) and v\(to)", nav: "workflows")
        data["name"] = record.name
        data["link"] = FormEncoding.escape(record.name)
        data["from"] = from
        data["to"] = to
        data["choicesFrom"] = (1...latest.version).map { ["version": $0, "selected": $0 == from] }
        data["choicesTo"] = (1...latest.version).map { ["version": $0, "selected": $0 == to] }
        data["tooLarge"] = rows == nil
        data["changed"] = rows?.filter { $0.kind != .same }.count ?? 0
        data["rows"] = (rows ?? []).map { row -> [String: Any] in
            ["kind": row.kind.rawValue, "leftNumber": row.leftNumber.map(String.init) ?? "", "left": row.left ?? "",
             "rightNumber": row.rightNumber.map(String.init) ?? "", "right": row.right ?? ""]
        }
        return HTMLResponse.page(ConsoleView.render("workflow-diff", data))
    }

    static func deployments(_ record: WorkflowRecord) -> [[String: Any]] {
        record.deployments.keys.sorted().compactMap { environment in
            record.deployments[environment].map { deployment in
                ["environment": environment.rawValue, "version": deployment.version, "by": deployment.deployedBy,
                 "at": deployment.deployedAt.rfc3339, "when": ConsoleView.time(deployment.deployedAt)]
            }
        }
    }

    /// One run-form field for the template: which control, and its value (what was typed when
    /// the form comes back with a problem, else the schema's default).
    static func field(for field: RunForm.Field, value: String?) -> [String: Any] {
        let text = value ?? field.defaultText ?? ""
        var data: [String: Any] = ["name": field.name, "required": field.required, "value": text]
        data["description"] = field.description
        switch field.control {
        case .checkbox:
            data["isCheckbox"] = true
            data["checked"] = text == "on" || text == "true"
        case .select:
            data["isSelect"] = true
            data["choices"] = field.choices.compactMap(RunForm.text(of:)).map { ["text": $0, "selected": $0 == text] }
        case .json:
            data["isJSON"] = true
        case .text, .integer, .number:
            data["isInput"] = true
            data["inputType"] = field.control == .text ? "text" : "number"
            data["step"] = field.control == .number ? "any" : nil
        }
        return data
    }
}
