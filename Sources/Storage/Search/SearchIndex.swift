import Core
import Foundation
import GRDB

/// One thing search found.
public struct SearchHit: Sendable, Hashable {
    public let kind: SearchQuery.Kind
    /// `wf_…`, `ag_…`, `ex_…`.
    public let id: String
    /// The workflow's or agent's name; an execution's workflow.
    public let name: String
    /// Executions: their outcome. Workflows: `deployed` or `draft`. Agents: their kind.
    public let status: String
    /// Executions: when they were started. Definitions: when they last changed.
    public let at: Instant
    public let teamID: TeamID?
    /// Where the words were found, the words between « and »; nil for a search of filters only.
    public internal(set) var snippet: String?
    /// Lower is better (SQLite's bm25); 0 for a search of filters only.
    public let score: Double
}

/// What one search returns: a page of hits and how many there are of each kind.
public struct SearchResults: Sendable, Hashable {
    public let hits: [SearchHit]
    /// Visible matches per kind, counted up to `SearchIndex.candidates` (executions: `executionCandidates`).
    public let counts: [SearchQuery.Kind: Int]
    /// Kinds with more matches than were counted (their count is a floor).
    public let truncated: Set<SearchQuery.Kind>
    /// Where the next page starts, when there is one.
    public let nextOffset: Int?
}

/// Full-text search over what a caller may see (docs/collaboration.md#search), on the FTS5
/// indexes migration 51 keeps (`SearchIndexSQL`).
///
/// Visibility is in the SQL, twice: the caller's org and teams are words of the MATCH (so the
/// index reads only what the caller may see) and conditions on the rows themselves. Kinds the
/// caller may not view are not queried. Nothing is filtered after the database answers, so no
/// count, rank or snippet is computed over something the caller could not open.
///
/// Ranking: workflows, agents and comments by bm25 (a name weighs above tags, description and
/// the document), best first; then executions, newest first. why not bm25 for executions:
/// FTS5's bm25 counts, at each query, every row that holds each word, and a word most
/// executions hold (a JSON key of every input, the org's own facet) makes that a walk of a
/// million-row list: 130 ms where the newest-first walk, which stops at `executionCandidates`, takes
/// a few (search-bench). `since:` or `status:` reach further back.
public struct SearchIndex: Sendable {
    let database: AgentDatabase

    /// Matches of one kind that are ranked and counted.
    public static let candidates = 1000
    /// Executions ranked and counted: the newest that match. why fewer than `candidates`: each
    /// is a step of the index's walk joined to its row, the larger part of a search's time at a
    /// million executions (search-bench: p99 43 ms with 1,000).
    public static let executionCandidates = 200
    public static let maximumPage = 100

    public init(database: AgentDatabase) { self.database = database }

    /// The kinds `scope` may view, of those asked (all when none are).
    public static func readable(_ asked: Set<SearchQuery.Kind>, caller scope: Scope) -> Set<SearchQuery.Kind> {
        var kinds = asked.isEmpty ? Set(SearchQuery.Kind.allCases) : asked
        if !scope.allows(.workflowsView) { kinds.remove(.workflow) }
        if !scope.allows(.agentsView) { kinds.remove(.agent) }
        if !scope.allows(.executionsView) { kinds.remove(.execution) }
        // Comments are read with what they are about: a workflow or an execution.
        if !scope.allows(.workflowsView), !scope.allows(.executionsView) { kinds.remove(.comment) }
        return kinds
    }

    public func search(_ query: SearchQuery, in scope: Scope, offset: Int = 0, limit: Int = 20) async throws -> SearchResults {
        let kinds = Self.readable(query.kinds, caller: scope)
        let limit = min(max(1, limit), Self.maximumPage)
        return try await database.read { db in
            guard let facets = try Facets(query, scope: scope, db) else {
                return SearchResults(hits: [], counts: Dictionary(uniqueKeysWithValues: kinds.map { ($0, 0) }), truncated: [], nextOffset: nil)
            }
            var hits: [SearchHit] = [], counts: [SearchQuery.Kind: Int] = [:], truncated: Set<SearchQuery.Kind> = []
            if kinds.contains(.execution) {
                let found = try Self.executions(query, facets: facets, scope: scope, db)
                hits += found
                counts[.execution] = found.count
                if found.count == Self.executionCandidates { truncated.insert(.execution) }
            }
            let definitionKinds = kinds.intersection([.workflow, .agent])
            if !definitionKinds.isEmpty {
                let found = try Self.definitions(query, kinds: definitionKinds, facets: facets, scope: scope, db)
                hits += found
                for kind in definitionKinds { counts[kind] = found.count { $0.kind == kind } }
                if found.count == Self.candidates { truncated.formUnion(definitionKinds) }
            }
            if kinds.contains(.comment) {
                let found = try Self.comments(query, facets: facets, scope: scope, db)
                hits += found
                counts[.comment] = found.count
                if found.count == Self.candidates { truncated.insert(.comment) }
            }
            // Best first; a search of filters only (every score 0) lists the newest first.
            hits.sort { ($0.score, $1.at, $0.id) < ($1.score, $0.at, $1.id) }
            let page = Array(hits.dropFirst(offset).prefix(limit))
            let snippets = try Self.snippets(for: page, query, db)
            let shown = page.map { hit in
                var hit = hit
                hit.snippet = snippets[hit.id]
                return hit
            }
            let next = offset + limit < hits.count ? offset + limit : nil
            return SearchResults(hits: shown, counts: counts, truncated: truncated, nextOffset: next)
        }
    }

    /// The words of the MATCH that narrow to what the caller may see and the filters ask for.
    struct Facets {
        var required: [String] = []
        /// Any one of each group.
        var anyOf: [[String]] = []
        /// `team:` resolved.
        var teamID: String?
        /// `workflow:` resolved.
        var workflowID: String?
        /// The caller's org as the index holds it.
        var orgWord = ""

        /// Nil when a filter names something that is not there (no results, not an error:
        /// a team or workflow of that name may exist only where the caller cannot see).
        init?(_ query: SearchQuery, scope: Scope, _ db: Database) throws {
            // why only with several orgs: on an installation of one org every row holds its
            // word, and walking that list cost more than the rest of the search (search-bench:
            // 34 ms against 15); the org is checked on the rows either way.
            orgWord = Self.word(scope.orgID.rawValue)
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM org") ?? 0 > 1 { required.append(orgWord) }
            let visibility = TeamVisibility(scope)
            if let teams = visibility.teams { anyOf.append(["teamnone"] + teams.map(Self.word)) }
            if let status = query.status { required.append("status" + status) }
            if let name = query.team {
                guard let id = try String.fetchOne(db, sql: "SELECT id FROM team WHERE org_id = ? AND name = ?", arguments: [scope.orgID.rawValue, name])
                else { return nil }
                teamID = id
                required.append(Self.word(id))
            }
            if let name = query.workflow {
                guard let id = try String.fetchOne(db, sql: "SELECT id FROM workflow WHERE org_id = ? AND name = ?", arguments: [scope.orgID.rawValue, name])
                else { return nil }
                workflowID = id
                required.append(Self.word(id))
            }
        }

        /// An ID as the index holds it: without its underscore (`org01…`), one token.
        static func word(_ id: String) -> String { id.replacingOccurrences(of: "_", with: "") }

        /// The `team:`, `workflow:` and `tag:` filters over a kind's own columns (`tagOwner`: what
        /// holds the tags; nil when the MATCH took the tag already), with their arguments.
        func filters(_ query: SearchQuery, team: String, workflow: String, tagOwner: String?) -> (String, [any DatabaseValueConvertible]) {
            var sql = "", arguments: [any DatabaseValueConvertible] = []
            if let teamID {
                sql += " AND \(team) = ?"
                arguments.append(teamID)
            }
            if let workflowID {
                sql += " AND \(workflow) = ?"
                arguments.append(workflowID)
            }
            if let tagOwner, !query.tags.isEmpty {
                let marks = Array(repeating: "?", count: query.tags.count).joined(separator: ", ")
                sql += " AND EXISTS (SELECT 1 FROM definition_tag t WHERE t.owner_id = \(tagOwner) AND t.tag IN (\(marks)))"
                arguments += query.tags
            }
            return (sql, arguments)
        }

        /// The MATCH: the facets, then the caller's words kept to `columns`.
        func match(_ query: SearchQuery, columns: String, extra: [[String]] = []) -> String {
            var parts = required.map { "facets : \"\($0)\"" }
            for group in anyOf + extra {
                parts.append("facets : (" + group.map { "\"\($0)\"" }.joined(separator: " OR ") + ")")
            }
            if let words = query.matchExpression { parts.append("{\(columns)} : (\(words))") }
            // A search of filters only, with nothing above: every row of the org, newest first.
            if parts.isEmpty { parts.append("facets : \"\(orgWord)\"") }
            return parts.joined(separator: " AND ")
        }
    }

    static let executionColumns = "error input output"
    /// Tagged workflows a search names in its MATCH at most (beyond, the tag is checked on rows).
    static let taggedWorkflowWords = 32
    static let definitionColumns = "name description tags body"

    static func executions(_ query: SearchQuery, facets: Facets, scope: Scope, _ db: Database) throws -> [SearchHit] {
        var extra: [[String]] = []
        var tagged = false
        let marks = Array(repeating: "?", count: query.tags.count).joined(separator: ", ")
        if !query.tags.isEmpty {
            // Executions of workflows with one of the tags: a few such workflows are words of
            // the MATCH; many would make it a long OR, so they are checked on the rows instead.
            let workflows = try String.fetchAll(db, sql: """
                SELECT DISTINCT owner_id FROM definition_tag WHERE org_id = ? AND tag IN (\(marks)) AND owner_id LIKE 'wf\\_%' ESCAPE '\\'
                LIMIT \(Self.taggedWorkflowWords + 1)
                """, arguments: StatementArguments([scope.orgID.rawValue] + query.tags))
            if workflows.isEmpty { return [] }
            if workflows.count <= Self.taggedWorkflowWords { extra.append(workflows.map(Facets.word)) } else { tagged = true }
        }
        let visibility = TeamVisibility(scope)
        var sql = """
            SELECT e.id, e.workflow_name, e.status, e.created_at, e.team_id, 0.0 AS score
            FROM execution_fts JOIN search_doc d ON d.doc = execution_fts.rowid JOIN execution e ON e.id = d.ref_id
            WHERE execution_fts MATCH ? AND e.org_id = ?\(visibility.clause("e.team_id"))
            """
        var arguments: [any DatabaseValueConvertible] = [facets.match(query, columns: executionColumns, extra: extra), scope.orgID.rawValue]
        arguments += visibility.arguments
        if let since = query.since {
            sql += " AND e.created_at >= ?"
            arguments.append(since.millisecondsSinceEpoch)
            // The walk stops where executions ended before the window: none of those started in it.
            if let first = try firstDoc(endedAtOrAfter: since.adding(milliseconds: -Self.clockSlack), db) {
                sql += " AND execution_fts.rowid >= ?"
                arguments.append(first)
            }
        }
        if let status = query.status {
            sql += " AND e.status = ?"
            arguments.append(status)
        }
        let (filters, values) = facets.filters(query, team: "e.team_id", workflow: "e.workflow_id", tagOwner: tagged ? "e.workflow_id" : nil)
        sql += filters
        arguments += values
        // The newest that match (the index walks its rows backwards and stops), then ranked.
        sql += " ORDER BY execution_fts.rowid DESC LIMIT \(executionCandidates)"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
            SearchHit(kind: .execution, id: row["id"], name: row["workflow_name"], status: row["status"],
                      at: Instant(millisecondsSinceEpoch: row["created_at"]), teamID: (row["team_id"] as String?).flatMap(TeamID.init),
                      snippet: nil, score: row["score"])
        }
    }

    /// How far back of `since` the walk's lower bound is taken, for ends written under a clock
    /// that later stepped back.
    static let clockSlack: Int64 = Milliseconds.hour

    /// The first index number of an execution that ended at or after `instant`: numbers are
    /// given as executions end, so a binary search over them finds it in some twenty lookups.
    /// Nil when every indexed execution ended after it (no bound needed).
    static func firstDoc(endedAtOrAfter instant: Instant, _ db: Database) throws -> Int64? {
        let probe = try db.cachedStatement(sql: """
            SELECT d.doc, e.finished_at FROM search_doc d JOIN execution e ON e.id = d.ref_id
            WHERE d.doc >= ? AND d.kind = 'execution' ORDER BY d.doc LIMIT 1
            """)
        func at(_ doc: Int64) throws -> (doc: Int64, finished: Int64)? {
            try Row.fetchOne(probe, arguments: [doc]).map { ($0[0], $0[1] ?? Int64.max) }
        }
        guard var low = try at(0), low.finished < instant.millisecondsSinceEpoch,
              let last = try Int64.fetchOne(db, sql: "SELECT max(doc) FROM search_doc WHERE kind = 'execution'") else { return nil }
        var high = last + 1  // invariant: low ended before `instant`; nothing at or after `high` did
        while high - low.doc > 1 {
            let middle = low.doc + (high - low.doc) / 2
            guard let found = try at(middle), found.doc < high else { high = middle; continue }
            if found.finished < instant.millisecondsSinceEpoch { low = found } else { high = found.doc }
        }
        return high
    }

    static func definitions(_ query: SearchQuery, kinds: Set<SearchQuery.Kind>, facets: Facets, scope: Scope, _ db: Database) throws -> [SearchHit] {
        // Agents have no status nor workflow: those filters leave only workflows.
        var kinds = kinds
        if query.status != nil || query.workflow != nil { kinds.remove(.agent) }
        if query.status != nil, query.status != "deployed", query.status != "draft" { kinds.remove(.workflow) }
        guard !kinds.isEmpty else { return [] }
        let visibility = TeamVisibility(scope)
        let owner = "coalesce(w.org_id, a.org_id)", team = "coalesce(w.team_id, a.team_id)"
        var sql = """
            SELECT d.kind, d.ref_id, coalesce(w.name, a.name) AS name, \(team) AS team_id,
                   coalesce(w.updated_at, a.updated_at) AS updated_at,
                   CASE WHEN w.id IS NULL THEN a.kind WHEN EXISTS (SELECT 1 FROM workflow_deployment p WHERE p.workflow_id = w.id)
                        THEN 'deployed' ELSE 'draft' END AS status,
                   \(query.matchExpression == nil ? "0.0" : "bm25(definition_fts, 10.0, 3.0, 5.0, 1.0, 0.0)") AS score
            FROM definition_fts JOIN search_doc d ON d.doc = definition_fts.rowid
            LEFT JOIN workflow w ON w.id = d.ref_id AND d.kind = 'workflow' LEFT JOIN agent a ON a.id = d.ref_id AND d.kind = 'agent'
            WHERE definition_fts MATCH ? AND d.kind IN (\(kinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ")))
              AND \(owner) = ?\(visibility.clause(team))
            """
        var arguments: [any DatabaseValueConvertible] = [facets.match(query, columns: definitionColumns), scope.orgID.rawValue]
        arguments += visibility.arguments
        if let since = query.since {
            sql += " AND coalesce(w.updated_at, a.updated_at) >= ?"
            arguments.append(since.millisecondsSinceEpoch)
        }
        let (filters, values) = facets.filters(query, team: team, workflow: "w.id", tagOwner: "d.ref_id")
        sql += filters
        arguments += values
        sql += query.matchExpression == nil ? " ORDER BY updated_at DESC" : " ORDER BY score"
        sql += " LIMIT \(candidates)"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).compactMap { row in
            guard let kind = SearchQuery.Kind(rawValue: row["kind"]) else { return nil }
            return SearchHit(kind: kind, id: row["ref_id"], name: row["name"], status: row["status"],
                             at: Instant(millisecondsSinceEpoch: row["updated_at"]), teamID: (row["team_id"] as String?).flatMap(TeamID.init),
                             snippet: nil, score: row["score"])
        }
    }

    /// The words around the matches of each hit of a page (`SearchSnippet`), from its own row's
    /// text: one read per kind for the whole page.
    static func snippets(for hits: [SearchHit], _ query: SearchQuery, _ db: Database) throws -> [String: String] {
        guard query.matchExpression != nil, !hits.isEmpty else { return [:] }
        var texts: [String: [String]] = [:]
        func read(_ kinds: Set<SearchQuery.Kind>, _ sql: String) throws {
            let ids = hits.filter { kinds.contains($0.kind) }.map(\.id)
            guard !ids.isEmpty else { return }
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
            for row in try Row.fetchAll(db, sql: sql.replacingOccurrences(of: "%IDS%", with: marks), arguments: StatementArguments(ids)) {
                texts[row[0]] = (1..<row.count).map { (row[$0] as String?) ?? "" }
            }
        }
        try read([.execution], "SELECT id, error, input, output FROM execution WHERE id IN (%IDS%)")
        try read([.workflow, .agent], """
            SELECT d.ref_id, f.description, f.name, f.tags, f.body FROM search_doc d JOIN definition_fts f ON f.rowid = d.doc WHERE d.ref_id IN (%IDS%)
            """)
        try read([.comment], "SELECT id, body FROM comment WHERE id IN (%IDS%)")
        return texts.compactMapValues { SearchSnippet.make($0, terms: query.terms) }
    }
}

extension SearchIndex {
    /// What a rebuild indexed.
    public struct Rebuilt: Sendable, Hashable {
        public let definitions: Int
        public let executions: Int
    }

    /// Empties the indexes and fills them again from the rows, in one writer unit: writes wait
    /// for it (about 10 s per million executions on this appliance's hardware; docs/collaboration.md).
    /// For an index a crash or a restored file left in doubt: the triggers keep it otherwise.
    public func rebuild() async throws -> Rebuilt {
        try await database.writer.submit { db in
            try db.execute(sql: SearchIndexSQL.rebuild)
            return Rebuilt(definitions: try Int.fetchOne(db, sql: "SELECT count(*) FROM search_doc WHERE kind != 'execution'") ?? 0,
                           executions: try Int.fetchOne(db, sql: "SELECT count(*) FROM search_doc WHERE kind = 'execution'") ?? 0)
        }
    }
}
