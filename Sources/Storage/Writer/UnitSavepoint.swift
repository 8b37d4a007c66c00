import GRDB

/// Runs one unit of a batch inside its own savepoint, so that its failure undoes only its own
/// changes.
///
/// why not `Database.inSavepoint`: it prepares its SAVEPOINT/RELEASE statements on every call;
/// on the writer's hot path the cached statements here cut the per-unit cost noticeably
/// (see bench/writer-bench).
enum UnitSavepoint {
    static func run(in db: Database, _ body: () throws -> Void, onFailure: (any Error) -> Void) throws {
        try db.cachedStatement(sql: "SAVEPOINT agentd_unit").execute()
        do {
            try body()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT agentd_unit").execute()
        } catch {
            onFailure(error)
            // If SQLite aborted the whole transaction (disk full, I/O error), the units before
            // this one are gone too: fail the batch.
            guard db.isInsideTransaction else { throw error }
            try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT agentd_unit").execute()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT agentd_unit").execute()
        }
    }
}
