import Core
import GRDB

extension ExecutionStore {
    /// An org's current name (nil: no such org): what `[egress.orgs.NAME]` is keyed by. Read
    /// when needed, not cached: orgs can be renamed.
    public func orgName(_ id: OrgID) async throws -> String? {
        try await database.read { db in try String.fetchOne(db, sql: "SELECT name FROM org WHERE id = ?", arguments: [id.rawValue]) }
    }
}
