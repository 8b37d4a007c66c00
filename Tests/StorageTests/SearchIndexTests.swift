import AgentSecurity
import Core
import Foundation
import GRDB
import Testing
@testable import Storage

/// Search (migration 51's FTS5 indexes, `SearchIndex`) against a model of what each caller may
/// see: random callers × random searches over two orgs' teams, and not one hit, count or
/// snippet of something the caller could not open.
@Suite struct SearchIndexTests {
    static let vocabulary = ["invoice", "timeout", "refund", "payroll", "ledger", "upstream", "customer", "retry", "vendor", "quota"]
    static let now = Instant(millisecondsSinceEpoch: 1_800_000_000_000)

    /// One indexed thing as the model knows it.
    struct Item {
        let kind: SearchQuery.Kind
        let id: String
        let org: OrgID
        let team: TeamID?
        let text: String
        let status: String
        let at: Int64
        let tags: [String]
        let workflow: String?
    }

    /// Words as FTS5's unicode61 tokenizer reads them: runs of letters and digits, lowercased.
    static func tokens(_ text: String) -> Set<String> {
        Set(text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init))
    }

    static func words<R: RandomNumberGenerator>(_ count: Int, _ random: inout R) -> String {
        (0..<count).map { _ in vocabulary.randomElement(using: &random)! }.joined(separator: " ")
    }

    struct Fixture {
        let database: AgentDatabase
        let orgs: [OrgID]
        let teams: [OrgID: [TeamID]]
        let items: [Item]
    }

    static func fixture(_ directory: TemporaryDirectory) async throws -> Fixture {
        let database = try openDatabase(in: directory)
        var random = SystemRandomNumberGenerator()
        let orgs = (0..<2).map { _ in OrgID.generate(at: now, using: &random) }
        var teams: [OrgID: [TeamID]] = [:]
        for org in orgs { teams[org] = (0..<3).map { _ in TeamID.generate(at: now, using: &random) } }
        let made = teams
        try await SearchIndex(database: database).setExecutionIndexing(.all)
        try await database.writer.submit { db in
            for org in orgs {
                try db.execute(sql: "INSERT INTO org (id, name, display_name, created_at, updated_at) VALUES (?, ?, 'Org', 0, 0)",
                               arguments: [org.rawValue, org.rawValue.lowercased()])
                for (index, team) in made[org]!.enumerated() {
                    try db.execute(sql: "INSERT INTO team (id, org_id, name, created_at, created_by) VALUES (?, ?, ?, 0, 'test')",
                                   arguments: [team.rawValue, org.rawValue, "team-\(index)"])
                }
            }
        }
        var items: [Item] = []
        var workflows: [(id: String, org: OrgID, team: TeamID?, name: String, tags: [String])] = []
        for index in 0..<24 {
            let org = orgs[index % 2], team = index % 4 == 0 ? nil : teams[org]![index % 3]
            let id = WorkflowID.generate(at: now, using: &random).rawValue
            let description = words(3, &random), body = "workflow: flow-\(index)\nnodes:\n  step: {kind: transform, config: {output: \(words(4, &random))}}\n"
            let tags = index % 3 == 0 ? ["billing"] : index % 3 == 1 ? ["ops", "billing"] : []
            let deployed = index % 2 == 0
            workflows.append((id, org, team, "flow-\(index)", tags))
            items.append(Item(kind: .workflow, id: id, org: org, team: team, text: "flow-\(index) \(description) \(tags.joined(separator: " ")) \(body)",
                              status: deployed ? "deployed" : "draft", at: now.millisecondsSinceEpoch + Int64(index), tags: tags, workflow: "flow-\(index)"))
            try await database.writer.submit { db in
                try db.execute(sql: """
                    INSERT INTO workflow (id, org_id, team_id, name, description, latest_version, created_at, created_by, updated_at, updated_by)
                    VALUES (?, ?, ?, ?, ?, 1, ?, 'test', ?, 'test')
                    """, arguments: [id, org.rawValue, team?.rawValue, "flow-\(index)", description, now.millisecondsSinceEpoch,
                                     now.millisecondsSinceEpoch + Int64(index)])
                try db.execute(sql: """
                    INSERT INTO workflow_version (workflow_id, version, document, pins, content_hash, created_at, created_by)
                    VALUES (?, 1, ?, '{}', 'h', ?, 'test')
                    """, arguments: [id, body, now.millisecondsSinceEpoch])
                for tag in tags {
                    try db.execute(sql: "INSERT INTO definition_tag (org_id, owner_id, tag) VALUES (?, ?, ?)", arguments: [org.rawValue, id, tag])
                }
                if deployed {
                    try db.execute(sql: "INSERT INTO workflow_deployment (workflow_id, environment, version, deployed_at, deployed_by) VALUES (?, 'dev', 1, ?, 'test')",
                                   arguments: [id, now.millisecondsSinceEpoch])
                }
            }
        }
        for index in 0..<8 {
            let org = orgs[index % 2], team = index % 3 == 0 ? nil : teams[org]![index % 3]
            let id = AgentID.generate(at: now, using: &random).rawValue
            let description = words(3, &random)
            items.append(Item(kind: .agent, id: id, org: org, team: team, text: "helper-\(index) \(description) agent: helper-\(index)",
                              status: "transform", at: now.millisecondsSinceEpoch + Int64(index), tags: [], workflow: nil))
            try await database.writer.submit { db in
                try db.execute(sql: """
                    INSERT INTO agent (id, org_id, team_id, name, kind, description, latest_version, created_at, created_by, updated_at, updated_by)
                    VALUES (?, ?, ?, ?, 'transform', ?, 1, ?, 'test', ?, 'test')
                    """, arguments: [id, org.rawValue, team?.rawValue, "helper-\(index)", description, now.millisecondsSinceEpoch,
                                     now.millisecondsSinceEpoch + Int64(index)])
                try db.execute(sql: """
                    INSERT INTO agent_version (agent_id, version, document, content_hash, created_at, created_by)
                    VALUES (?, 1, ?, 'h', ?, 'test')
                    """, arguments: [id, "agent: helper-\(index)", now.millisecondsSinceEpoch])
            }
        }
        let statuses = ["succeeded", "failed", "cancelled"]
        for index in 0..<240 {
            let workflow = workflows[index % workflows.count]
            let id = ExecutionID.generate(at: now, using: &random).rawValue
            let status = statuses[index % 3]
            let input = #"{"note": "\#(words(3, &random))"}"#, output = status == "succeeded" ? #"{"said": "\#(words(2, &random))"}"# : nil
            let error = status == "failed" ? #"{"kind": "http", "message": "\#(words(2, &random))"}"# : nil
            let created = now.millisecondsSinceEpoch + Int64(index) * 60_000
            items.append(Item(kind: .execution, id: id, org: workflow.org, team: workflow.team, text: [input, output ?? "", error ?? ""].joined(separator: " "),
                              status: status, at: created, tags: workflow.tags, workflow: workflow.name))
            try await database.writer.submit { db in
                try db.execute(sql: """
                    INSERT INTO execution (id, org_id, team_id, workflow_id, workflow_name, workflow_version, environment, status, input,
                                           trigger, steps_total, created_by, created_at)
                    VALUES (?, ?, ?, ?, ?, 1, 'dev', 'running', ?, 'api', 1, 'test', ?)
                    """, arguments: [id, workflow.org.rawValue, workflow.team?.rawValue, workflow.id, workflow.name, input, created])
                try db.execute(sql: "UPDATE execution SET status = ?, output = ?, error = ?, finished_at = ? WHERE id = ?",
                               arguments: [status, output, error, created + 10, id])
            }
        }
        return Fixture(database: database, orgs: orgs, teams: teams, items: items)
    }

    /// Whether the model says `item` matches `query`'s words and filters.
    static func matches(_ item: Item, _ query: SearchQuery) -> Bool {
        let tokens = tokens(item.text)
        func has(_ term: SearchQuery.Term) -> Bool {
            let words = Array(Self.tokens(term.text))
            guard let word = words.first else { return false }
            return term.prefix ? tokens.contains { $0.hasPrefix(word) } : tokens.contains(word)
        }
        var groups: [[SearchQuery.Term]] = []
        for term in query.terms where !term.negated {
            if term.orWithPrevious, !groups.isEmpty { groups[groups.count - 1].append(term) } else { groups.append([term]) }
        }
        guard groups.allSatisfy({ $0.contains(where: has) }), !query.terms.filter(\.negated).contains(where: has) else { return false }
        if let status = query.status, item.status != status || item.kind == .agent { return false }
        if !query.tags.isEmpty, Set(query.tags).isDisjoint(with: item.tags) { return false }
        if let since = query.since, item.at < since.millisecondsSinceEpoch { return false }
        if let workflow = query.workflow, item.workflow != workflow || item.kind == .agent { return false }
        return true
    }

    @Test func nobodyFindsWhatTheyCouldNotOpen() async throws {
        let directory = try TemporaryDirectory()
        let fixture = try await Self.fixture(directory)
        defer { try? fixture.database.close() }
        let index = SearchIndex(database: fixture.database)
        var random = SystemRandomNumberGenerator()
        let roles: [Role] = [.admin, .developer, .viewer, .guest]
        for _ in 0..<300 {
            let org = fixture.orgs.randomElement(using: &random)!
            let role = roles.randomElement(using: &random)!
            let teams = Set(fixture.teams[org]!.filter { _ in Bool.random(using: &random) })
            let limit: Set<Permission>? = Int.random(in: 0..<4, using: &random) == 0 ? [.executionsView] : nil
            let scope = Scope(orgID: org, reach: .org, roles: [role], permissionLimit: limit, teams: teams)
            var text = Self.vocabulary.randomElement(using: &random)!
            switch Int.random(in: 0..<6, using: &random) {
            case 0: text += " " + Self.vocabulary.randomElement(using: &random)!
            case 1: text += " OR " + Self.vocabulary.randomElement(using: &random)!
            case 2: text = String(text.prefix(3)) + "*"
            case 3: text += " status:failed"
            case 4: text += " tag:billing"
            default: text += " -" + Self.vocabulary.randomElement(using: &random)!
            }
            if Int.random(in: 0..<4, using: &random) == 0 { text += " type:execution,agent" }
            let query = try SearchQuery.parse(text, now: Self.now)
            let kinds = SearchIndex.readable(query.kinds, caller: scope)
            let expected = Set(fixture.items.filter { item in
                item.org == org && kinds.contains(item.kind) && scope.canSee(org: item.org, team: item.team) && Self.matches(item, query)
            }.map(\.id))
            let results = try await index.search(query, in: scope, limit: SearchIndex.maximumPage)
            let found = Set(results.hits.map(\.id))
            #expect(found == expected, "\(text) as \(role) of teams \(teams.count): extra \(found.subtracting(expected)), missing \(expected.subtracting(found))")
            #expect(results.counts.values.reduce(0, +) == expected.count, "\(text): counts \(results.counts)")
            for hit in results.hits {
                let item = fixture.items.first { $0.id == hit.id }!
                // The snippet is the hit's own text, its matched words marked.
                let shown = (hit.snippet ?? "").replacingOccurrences(of: "«", with: "").replacingOccurrences(of: "»", with: "")
                    .replacingOccurrences(of: "…", with: " ")
                #expect(Self.tokens(shown).isSubset(of: Self.tokens(item.text)), "\(text): snippet \(hit.snippet ?? "") is not of \(hit.id)")
                #expect(hit.snippet?.contains("«") == true, "\(text): \(hit.id) has no marked word in \(hit.snippet ?? "nil")")
            }
        }
    }

    @Test func theIndexFollowsTheRowsAndARebuildAgrees() async throws {
        let directory = try TemporaryDirectory()
        let fixture = try await Self.fixture(directory)
        defer { try? fixture.database.close() }
        let database = fixture.database, index = SearchIndex(database: database)
        let org = fixture.orgs[0], admin = Scope(orgID: org, reach: .org, roles: [.admin])
        let workflow = fixture.items.first { $0.kind == .workflow && $0.org == org }!
        var random = SystemRandomNumberGenerator()
        let running = ExecutionID.generate(at: Self.now, using: &random).rawValue
        func ids(_ text: String) async throws -> [String] {
            try await index.search(try SearchQuery.parse(text, now: Self.now), in: admin, limit: 100).hits.map(\.id)
        }
        // A running execution is not indexed yet; ending indexes it; erasing its text re-indexes it.
        try await database.writer.submit { db in
            try db.execute(sql: """
                INSERT INTO execution (id, org_id, workflow_id, workflow_name, workflow_version, environment, status, input, trigger, steps_total, created_by, created_at)
                SELECT ?, org_id, id, name, 1, 'dev', 'running', '{"note": "zebra crossing"}', 'api', 1, 'test', ? FROM workflow WHERE id = ?
                """, arguments: [running, Self.now.millisecondsSinceEpoch, workflow.id])
        }
        #expect(try await ids("zebra").isEmpty)
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE execution SET status = 'failed', error = '{\"message\": \"striped\"}', finished_at = ? WHERE id = ?",
                           arguments: [Self.now.millisecondsSinceEpoch + 5, running])
        }
        #expect(try await ids("zebra striped") == [running])
        let hit = try await index.search(try SearchQuery.parse("zebra", now: Self.now), in: admin).hits.first
        #expect(hit?.snippet?.contains("«zebra»") == true)
        #expect(hit?.status == "failed")
        try await database.writer.submit { db in
            try db.execute(sql: #"UPDATE execution SET input = '{"note": "[erased]"}' WHERE id = ?"#, arguments: [running])
        }
        #expect(try await ids("zebra").isEmpty)
        #expect(try await ids("striped") == [running])
        // The index's own words are not searchable: an org ID typed finds nothing.
        #expect(try await ids(SearchIndex.Facets.word(org.rawValue)).isEmpty)
        #expect(try await ids("statusfailed").isEmpty)

        // Definitions: a renamed description, a new tag, an undeployed workflow, a deleted one.
        try await database.writer.submit { db in
            try db.execute(sql: "UPDATE workflow SET description = 'giraffe necks' WHERE id = ?", arguments: [workflow.id])
            try db.execute(sql: "INSERT INTO definition_tag (org_id, owner_id, tag) VALUES (?, ?, 'savanna')", arguments: [org.rawValue, workflow.id])
        }
        #expect(try await ids("giraffe tag:savanna") == [workflow.id])
        #expect(try await ids("savanna type:workflow") == [workflow.id])
        let deployed = try await ids("giraffe status:deployed")
        try await database.writer.submit { db in try db.execute(sql: "DELETE FROM workflow_deployment WHERE workflow_id = ?", arguments: [workflow.id]) }
        #expect(deployed == [workflow.id])
        #expect(try await ids("giraffe status:deployed").isEmpty)
        #expect(try await ids("giraffe status:draft") == [workflow.id])

        let before = try await Self.everything(database)
        let rebuilt = try await index.rebuild()
        #expect(rebuilt.executions == 241)
        #expect(rebuilt.definitions == 32)
        #expect(try await Self.everything(database) == before)

        // Deleting rows (retention, an org removed) leaves nothing behind in the index.
        try await database.writer.submit { db in
            try db.execute(sql: "DELETE FROM execution WHERE workflow_id = ?", arguments: [workflow.id])
            try db.execute(sql: "DELETE FROM workflow WHERE id = ?", arguments: [workflow.id])
        }
        #expect(try await ids("giraffe").isEmpty)
        #expect(try await ids("striped").isEmpty)
        let (docs, orphans) = try await database.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM search_doc") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM search_doc d WHERE NOT EXISTS (SELECT 1 FROM execution WHERE id = d.ref_id) AND NOT EXISTS (SELECT 1 FROM workflow WHERE id = d.ref_id) AND NOT EXISTS (SELECT 1 FROM agent WHERE id = d.ref_id)") ?? -1)
        }
        #expect(orphans == 0)
        #expect(docs == 241 + 32 - 11 - 1)
        // The index is whole after all that (FTS5's own check of an index against its text).
        try await database.writer.submit { db in
            try db.execute(sql: "INSERT INTO execution_fts (execution_fts, rank) VALUES ('integrity-check', 1)")
            try db.execute(sql: "INSERT INTO definition_fts (definition_fts, rank) VALUES ('integrity-check', 1)")
        }
    }

    @Test func theSettingDecidesWhichEndedExecutionsAreIndexed() async throws {
        let directory = try TemporaryDirectory()
        let fixture = try await Self.fixture(directory)
        defer { try? fixture.database.close() }
        let database = fixture.database, index = SearchIndex(database: database)
        let admin = Scope(orgID: fixture.orgs[0], reach: .org, roles: [.admin])
        func executions() async throws -> [String: Int] {
            try await database.read { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: """
                    SELECT e.status, count(*) AS n FROM search_doc d JOIN execution e ON e.id = d.ref_id GROUP BY e.status
                    """).map { ($0["status"] as String, $0["n"] as Int) })
            }
        }
        #expect(try await executions() == ["succeeded": 80, "failed": 80, "cancelled": 80])
        // The default: failed and cancelled only, applied to what is there by a rebuild.
        #expect(try await index.setExecutionIndexing(.failed) == .all)
        #expect(try await index.executionIndexing() == .failed)
        _ = try await index.rebuild()
        #expect(try await executions() == ["failed": 80, "cancelled": 80])
        let succeeded = fixture.items.first { $0.kind == .execution && $0.status == "succeeded" && $0.org == fixture.orgs[0] }!
        let word = Self.tokens(succeeded.text).filter { Self.vocabulary.contains($0) }.sorted().first!
        let found = try await index.search(try SearchQuery.parse("\(word) status:succeeded", now: Self.now), in: admin, limit: 100)
        #expect(found.hits.isEmpty)
        // An execution that ends now follows the setting; one whose text changes keeps its place.
        var random = SystemRandomNumberGenerator()
        let (ok, bad) = (ExecutionID.generate(at: Self.now, using: &random).rawValue, ExecutionID.generate(at: Self.now, using: &random).rawValue)
        let workflow = fixture.items.first { $0.kind == .workflow && $0.org == fixture.orgs[0] }!
        try await database.writer.submit { db in
            for (id, status) in [(ok, "succeeded"), (bad, "failed")] {
                try db.execute(sql: """
                    INSERT INTO execution (id, org_id, workflow_id, workflow_name, workflow_version, environment, status, input, trigger, steps_total, created_by, created_at)
                    SELECT ?, org_id, id, name, 1, 'dev', 'running', '{"note": "okapi"}', 'api', 1, 'test', ? FROM workflow WHERE id = ?
                    """, arguments: [id, Self.now.millisecondsSinceEpoch, workflow.id])
                try db.execute(sql: "UPDATE execution SET status = ?, finished_at = ? WHERE id = ?", arguments: [status, Self.now.millisecondsSinceEpoch, id])
            }
        }
        #expect(try await index.search(try SearchQuery.parse("okapi", now: Self.now), in: admin).hits.map(\.id) == [bad])
        // None: the next change takes an execution out; a rebuild takes out the rest.
        try await index.setExecutionIndexing(.none)
        try await database.writer.submit { db in try db.execute(sql: #"UPDATE execution SET input = '{"note": "okapi zebra"}' WHERE id = ?"#, arguments: [bad]) }
        #expect(try await index.search(try SearchQuery.parse("okapi", now: Self.now), in: admin).hits.isEmpty)
        _ = try await index.rebuild()
        #expect(try await executions().isEmpty)
        try await database.writer.submit { db in
            try db.execute(sql: "INSERT INTO execution_fts (execution_fts, rank) VALUES ('integrity-check', 1)")
        }
    }

    @Test func anInstallationOfOneOrgSearchesWithoutItsWord() async throws {
        let directory = try TemporaryDirectory()
        let fixture = try await Self.fixture(directory)
        defer { try? fixture.database.close() }
        let database = fixture.database, index = SearchIndex(database: database)
        let (kept, gone) = (fixture.orgs[0], fixture.orgs[1])
        try await database.writer.submit { db in try db.execute(sql: "DELETE FROM org WHERE id = ?", arguments: [gone.rawValue]) }
        let admin = Scope(orgID: kept, reach: .org, roles: [.admin])
        let mine = Set(fixture.items.filter { $0.org == kept }.map(\.id))
        // Filters only, then words: all of the org's, nothing of the removed one's.
        for text in ["status:failed", "tag:billing", "type:workflow", Self.vocabulary[0], "\(Self.vocabulary[1]) OR \(Self.vocabulary[2])"] {
            let query = try SearchQuery.parse(text, now: Self.now)
            let kinds = SearchIndex.readable(query.kinds, caller: admin)
            let expected = Set(fixture.items.filter { $0.org == kept && kinds.contains($0.kind) && Self.matches($0, query) }.map(\.id))
            let found = Set(try await index.search(query, in: admin, limit: SearchIndex.maximumPage).hits.map(\.id))
            #expect(found == expected && found.isSubset(of: mine), "\(text): \(found.symmetricDifference(expected))")
        }
    }

    /// Every word of every indexed thing, by the thing: what a rebuild must reproduce.
    static func everything(_ database: AgentDatabase) async throws -> [String: [String]] {
        // The writer's connection: fts5vocab is a (temporary) table to create.
        try await database.writer.submit { db in
            var words: [String: [String]] = [:]
            for table in ["execution_fts", "definition_fts"] {
                try db.execute(sql: "CREATE VIRTUAL TABLE IF NOT EXISTS temp.\(table)_words USING fts5vocab(main, \(table), instance)")
                for row in try Row.fetchAll(db, sql: """
                    SELECT d.ref_id, v.term, v.col FROM temp.\(table)_words v JOIN search_doc d ON d.doc = v.doc ORDER BY 1, 2, 3
                    """) {
                    words[row["ref_id"], default: []].append("\(row["col"] as String):\(row["term"] as String)")
                }
            }
            return words
        }
    }
}
