import Foundation

/// Agents and workflows as `agentctl` sees them: versioned definitions under
/// `/api/v1/agents` and `/api/v1/workflows` whose history, diff and delete commands have the
/// same shape (`DefinitionCommands.swift`). A conformance supplies what differs: the words,
/// and the columns of its history table. Commands only one kind has (publish, deploy, graph)
/// stay in `AgentsCommand.swift` and `WorkflowsCommand.swift`.
protocol DefinitionResource {
    /// `agent`, `workflow`: the argument's name and the word in messages.
    static var noun: String { get }
    static var historyAbstract: String { get }
    static var diffAbstract: String { get }
    static var deleteAbstract: String { get }
    /// `agentctl … history`'s table: a header and how to read each version's cell.
    static var historyColumns: [(header: String, cell: @Sendable ([String: Any]) -> String)] { get }
}

extension DefinitionResource {
    /// `/api/v1/agents/<name>` plus `rest`.
    static func path(_ name: String, _ rest: String = "") -> String { "/api/v1/\(noun)s/\(segment(name))\(rest)" }
}

enum AgentResource: DefinitionResource {
    static let noun = "agent"
    static let historyAbstract = "An agent's versions, newest first."
    static let diffAbstract = "Field-level changes between two versions."
    static let deleteAbstract = "Delete an agent and its versions (refused while a workflow uses it)."
    static var historyColumns: [(header: String, cell: @Sendable ([String: Any]) -> String)] {
        [("VERSION", { $0.text("version") }), ("PARENT", { $0.text("parent_version") }),
         ("PUBLISHED", { ($0["published"] as? Bool) == true ? "yes" : "" }), ("CREATED", { $0.text("created_at") }),
         ("BY", { $0.text("created_by") }), ("MESSAGE", { $0.text("message") })]
    }
}

enum WorkflowResource: DefinitionResource {
    static let noun = "workflow"
    static let historyAbstract = "A workflow's versions, newest first."
    static let diffAbstract = "Structural changes between two versions (--output json for the full form)."
    static let deleteAbstract = "Delete a workflow, its versions and deployments."
    static var historyColumns: [(header: String, cell: @Sendable ([String: Any]) -> String)] {
        [("VERSION", { $0.text("version") }), ("BRANCH", { $0.text("branch") }),
         // A merge has two parents: main's head and the branch head it merged.
         ("PARENTS", { $0["merged_from"] is Int ? "\($0.text("parent_version")) + \($0.text("merged_from"))" : $0.text("parent_version") }),
         ("CREATED", { $0.text("created_at") }),
         ("BY", { $0.text("created_by") }), ("HASH", { String($0.text("content_hash").dropFirst(7).prefix(12)) }),
         ("MESSAGE", { $0.text("message") })]
    }
}
