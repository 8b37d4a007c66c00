import Core
import GRDB

/// Branches of a workflow and their merge into main (docs/governance.md#branches): a branch's
/// versions never touch main's deployments; a merge is a three-way structural merge
/// (`WorkflowMerge`) against the two heads' common ancestor, stored as a version of main with
/// two parents, in one transaction, or nothing at all.
extension DefinitionStore {
    /// What a merge did.
    public struct MergeOutcome: Sendable {
        public let outcome: ApplyOutcome
        public let base: Int
        public let ours: Int
        public let theirs: Int
        /// Conflicts a resolution settled, and the side taken.
        public let settled: [(conflict: WorkflowMerge.Conflict, side: WorkflowMerge.Side)]
    }

    /// Merges `branch` into main. Throws `MergeConflicts` (nothing written) when a conflict is
    /// left unsettled, `DefinitionError` when the merged document is not a valid workflow.
    public func merge(_ reference: String, branch: String, resolutions: [String: WorkflowMerge.Side], take: WorkflowMerge.Side?,
                      message: String?, context: ChangeContext) async throws -> MergeOutcome {
        let audit = self.audit
        return try await database.writer.submit { db in
            let record = try DefinitionRows.workflow(from: try DefinitionRows.workflowRow(reference, context.scope, db), db)
            let id = record.id.rawValue
            guard let theirs = try WorkflowBranches.head(of: id, branch: branch, db) else {
                throw StorageError.notFound(.workflowVersion, id: "\(record.name) branch \(branch)")
            }
            let ours = record.latestVersion
            let graph = try WorkflowBranches.graph(of: id, db)
            let oursAncestors = WorkflowBranches.ancestors(of: ours, graph)
            guard !oursAncestors.contains(theirs) else {
                throw StorageError.protected(.workflow, id: record.name, reason: "branch \(branch) (version \(theirs)) is merged into main already; there is nothing to merge")
            }
            // The newest version both heads descend from.
            guard let base = WorkflowBranches.ancestors(of: theirs, graph).intersection(oursAncestors).max() else {
                throw StorageError.protected(.workflow, id: record.name, reason: "branch \(branch) shares no version with main")
            }
            let documents = try [base, ours, theirs].map { try Self.workflowVersion(record, $0, db).definition.json }
            let result = WorkflowMerge.merge(base: documents[0], ours: documents[1], theirs: documents[2], resolutions: resolutions, take: take)
            guard result.conflicts.isEmpty else { throw MergeConflicts(workflow: record.name, branch: branch, conflicts: result.conflicts) }
            let document = try DefinitionDocument.parse(result.merged)
            var plan = ApplyPlan(scope: context.scope, message: message ?? "merge \(branch) (version \(theirs))", deployTo: nil,
                                 deployUnchanged: false, context: context, audit: audit)
            plan.mergedFrom = theirs
            guard let outcome = try plan.run([DefinitionStore.Input(document: document)], db).first else {
                throw StorageError.notFound(.workflow, id: record.name)
            }
            try audit.append(DefinitionRows.event(.workflowMerged, type: .workflow, id: id, org: record.orgID, context,
                                                  ["name": record.name, "branch": branch, "version": "\(outcome.version)", "base": "\(base)",
                                                   "ours": "\(ours)", "theirs": "\(theirs)", "settled": "\(result.settled.count)"]), in: db)
            return MergeOutcome(outcome: outcome, base: base, ours: ours, theirs: theirs, settled: result.settled)
        }
    }
}

/// A merge left conflicts that no resolution settled: nothing was written.
public struct MergeConflicts: Error, Sendable {
    public let workflow: String
    public let branch: String
    public let conflicts: [WorkflowMerge.Conflict]
}

/// Reading a workflow's version graph.
enum WorkflowBranches {
    /// A branch name: lower-case letters, digits, `-`, `_` and `.`, 1 to 63, not `main`.
    static func nameProblem(_ name: String) -> String? {
        let allowed = name.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95 || $0 == 46 }
        guard (1...63).contains(name.utf8.count), allowed, let first = name.utf8.first, (97...122).contains(first) || (48...57).contains(first) else {
            return "must be 1 to 63 lower-case letters, digits, -, _ and ., starting with a letter or digit"
        }
        return name == "main" ? "main is where applies without a branch go; name another branch" : nil
    }

    /// The newest version on `branch`, if it has any.
    static func head(of workflow: String, branch: String, _ db: Database) throws -> Int? {
        try Int.fetchOne(db, sql: "SELECT max(version) FROM workflow_version WHERE workflow_id = ? AND branch = ?", arguments: [workflow, branch])
    }

    /// The number the next version of any branch takes.
    static func nextVersion(of workflow: String, _ db: Database) throws -> Int {
        (try Int.fetchOne(db, sql: "SELECT max(version) FROM workflow_version WHERE workflow_id = ?", arguments: [workflow]) ?? 0) + 1
    }

    /// Each version's parents (its parent, and a merge's merged head).
    static func graph(of workflow: String, _ db: Database) throws -> [Int: [Int]] {
        var parents: [Int: [Int]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT version, parent_version, merged_from FROM workflow_version WHERE workflow_id = ?",
                                    arguments: [workflow]) {
            parents[row["version"]] = [row["parent_version"], row["merged_from"]].compactMap { $0 as Int? }
        }
        return parents
    }

    /// `version` and everything it descends from.
    static func ancestors(of version: Int, _ graph: [Int: [Int]]) -> Set<Int> {
        var seen: Set<Int> = [], queue = [version]
        while let next = queue.popLast() {
            guard seen.insert(next).inserted else { continue }
            queue += graph[next] ?? []
        }
        return seen
    }
}
