import Core
import GRDB

extension SearchIndex {
    static let commentColumns = "body"

    /// Comments whose target the caller may open: a workflow (workflows.view) or an
    /// execution (executions.view) of a team it sees. Their status is their thread's: `open`
    /// or `resolved`; `workflow:` and `tag:` mean the workflow they (or their execution) are about.
    static func comments(_ query: SearchQuery, facets: Facets, scope: Scope, _ db: Database) throws -> [SearchHit] {
        if let status = query.status, status != "open", status != "resolved" { return [] }
        let visibility = TeamVisibility(scope)
        let team = "coalesce(w.team_id, e.team_id)", workflow = "coalesce(w.id, e.workflow_id)"
        var readable: [String] = []
        if scope.allows(.workflowsView) { readable.append("w.id IS NOT NULL") }
        if scope.allows(.executionsView) { readable.append("e.id IS NOT NULL") }
        guard !readable.isEmpty else { return [] }
        var sql = """
            SELECT c.id, coalesce(w.name, e.workflow_name) AS name, c.created_at, \(team) AS team_id,
                   CASE WHEN coalesce(r.resolved_at, c.resolved_at) IS NULL THEN 'open' ELSE 'resolved' END AS status,
                   \(query.matchExpression == nil ? "0.0" : "bm25(comment_fts, 1.0, 0.0)") AS score
            FROM comment_fts JOIN comment c ON c.doc = comment_fts.rowid
            LEFT JOIN comment r ON r.id = c.thread_id
            LEFT JOIN workflow w ON w.id = c.target_id AND c.target_kind = 'workflow'
            LEFT JOIN execution e ON e.id = c.target_id AND c.target_kind = 'execution'
            WHERE comment_fts MATCH ? AND c.org_id = ? AND (\(readable.joined(separator: " OR ")))\(visibility.clause(team))
            """
        var match = "facets : \"\(Facets.word(scope.orgID.rawValue))\""
        if let words = query.matchExpression { match += " AND {\(commentColumns)} : (\(words))" }
        var arguments: [any DatabaseValueConvertible] = [match, scope.orgID.rawValue]
        arguments += visibility.arguments
        if let since = query.since {
            sql += " AND c.created_at >= ?"
            arguments.append(since.millisecondsSinceEpoch)
        }
        if let status = query.status {
            sql += status == "open" ? " AND coalesce(r.resolved_at, c.resolved_at) IS NULL" : " AND coalesce(r.resolved_at, c.resolved_at) IS NOT NULL"
        }
        let (filters, values) = facets.filters(query, team: team, workflow: workflow, tagOwner: workflow)
        sql += filters
        arguments += values
        sql += query.matchExpression == nil ? " ORDER BY c.doc DESC" : " ORDER BY score"
        sql += " LIMIT \(candidates)"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
            SearchHit(kind: .comment, id: row["id"], name: row["name"], status: row["status"],
                      at: Instant(millisecondsSinceEpoch: row["created_at"]), teamID: (row["team_id"] as String?).flatMap(TeamID.init),
                      snippet: nil, score: row["score"])
        }
    }
}
