import Core
import GRDB

/// Which ended executions the search index holds (`[search] executions`).
public enum ExecutionIndexing: String, CaseIterable, Sendable {
    /// Failed and cancelled executions: what people look for (the default). Indexing every
    /// execution's text costs the engine about a fifth of its single-step throughput on a
    /// 2-core box (docs/collaboration.md#cost).
    case failed
    /// Every ended execution.
    case all
    /// None: search finds workflows, agents and comments only.
    case none
}

extension SearchIndex {
    /// What the triggers index from now on. Executions that ended before keep the state they
    /// had until `rebuild`. Returns the setting it replaced.
    @discardableResult
    public func setExecutionIndexing(_ mode: ExecutionIndexing) async throws -> ExecutionIndexing {
        try await database.writer.submit { db in
            let old = try String.fetchOne(db, sql: "SELECT executions FROM search_setting WHERE id = 1").flatMap(ExecutionIndexing.init(rawValue:)) ?? .failed
            if old != mode { try db.execute(sql: "UPDATE search_setting SET executions = ? WHERE id = 1", arguments: [mode.rawValue]) }
            return old
        }
    }

    public func executionIndexing() async throws -> ExecutionIndexing {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT executions FROM search_setting WHERE id = 1").flatMap(ExecutionIndexing.init(rawValue:)) ?? .failed
        }
    }
}
