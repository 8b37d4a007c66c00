import AgentSecurity
import Core
import Foundation
import GRDB
import Testing
@testable import Storage

/// Costs by who started the executions (`GET /api/v1/costs?by=user`), and one execution's
/// usage by step: read from the model calls, which outlive their executions.
@Suite struct CostByUserTests {
    @Test func callsAreCountedByWhoStartedTheirExecutionAndByStep() async throws {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        defer { try? database.close() }
        var random = SystemRandomNumberGenerator()
        let at: Int64 = 1_800_000_000_000
        let now = Instant(millisecondsSinceEpoch: at)
        let org = OrgID.generate(at: now, using: &random), team = TeamID.generate(at: now, using: &random)
        let user = UserID.generate(at: now, using: &random)
        let workflow = WorkflowID.generate(at: now, using: &random).rawValue
        let removed = ExecutionID.generate(at: now, using: &random).rawValue
        let (byAda, byKey, byTeam) = (ExecutionID.generate(at: now, using: &random).rawValue, ExecutionID.generate(at: now, using: &random).rawValue,
                                      ExecutionID.generate(at: now, using: &random).rawValue)
        try await database.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            try db.execute(sql: "INSERT INTO user_account (id, login, display_name, created_at, created_by) VALUES (?, 'ada', 'Ada', 0, 'test')",
                           arguments: [user.rawValue])
            for (id, by, teamID) in [(byAda, "user:\(user.rawValue)", nil), (byKey, "key:agk_x", nil), (byTeam, "user:\(user.rawValue)", team.rawValue)] {
                try db.execute(sql: """
                    INSERT INTO execution (id, org_id, team_id, workflow_id, workflow_name, workflow_version, environment, status, input,
                                           trigger, steps_total, created_by, created_at)
                    VALUES (?, ?, ?, ?, 'x', 1, 'dev', 'succeeded', '{}', 'api', 1, ?, ?)
                    """, arguments: [id, org.rawValue, teamID, workflow, by, at])
            }
            func call(_ execution: String, node: String, team: String?, cost: Int64, succeeded: Bool = true) throws {
                try db.execute(sql: """
                    INSERT INTO llm_call (org_id, team_id, execution_id, workflow, node_id, agent, attempt, iteration, model, prompt_tokens,
                                          completion_tokens, cost_micros, succeeded, at)
                    VALUES (?, ?, ?, 'x', ?, '', 1, 1, 'm', 10, 5, ?, ?, ?)
                    """, arguments: [org.rawValue, team, execution, node, cost, succeeded ? 1 : 0, at + 1])
            }
            try call(byAda, node: "draft", team: nil, cost: 300)
            try call(byAda, node: "draft", team: nil, cost: 200, succeeded: false)
            try call(byAda, node: "check", team: nil, cost: 50)
            try call(byKey, node: "draft", team: nil, cost: 1000)
            try call(byTeam, node: "draft", team: team.rawValue, cost: 7)
            // A call whose execution retention removed.
            try call(removed, node: "draft", team: nil, cost: 1)
        }
        let costs = CostQueries(database: database)
        let window = (since: now, until: now.adding(milliseconds: Milliseconds.day))
        let admin = try await costs.breakdown(in: Scope(orgID: org, reach: .org, roles: [.admin]), by: .user, since: window.since, until: window.until)
        #expect(admin.map(\.key) == ["key:agk_x", "ada", "(removed)"])
        #expect(admin.map(\.costMicros) == [1000, 557, 1])
        #expect(admin[1].calls == 4 && admin[1].failedCalls == 1 && admin[1].promptTokens == 40)
        // Without the team, its calls are not seen.
        let member = try await costs.breakdown(in: Scope(orgID: org, reach: .org, roles: [.developer]), by: .user, since: window.since, until: window.until)
        #expect(member.first { $0.key == "ada" }?.costMicros == 550)
        #expect(try await costs.breakdown(in: Scope(orgID: org, reach: .org, roles: [.admin]), by: .user, since: window.until,
                                          until: window.until.adding(milliseconds: 1)).isEmpty)

        // Today's spend is today's whole day of the daily totals, not yesterday's.
        try await database.pool.write { db in
            for (day, cost) in [("2027-01-15", 40), ("2027-01-14", 9)] {
                try db.execute(sql: """
                    INSERT INTO cost_daily (org_id, day, team_id, workflow, agent, model, calls, cost_micros) VALUES (?, ?, '', 'x', '', 'm', 1, ?)
                    """, arguments: [org.rawValue, day, cost])
            }
        }
        let noon = Instant(rfc3339: "2027-01-15T12:00:00Z")!
        #expect(try await costs.spentToday(in: Scope(orgID: org, reach: .org, roles: [.admin]), now: noon) == 40)

        let steps = try await costs.usageByStep(ofExecution: byAda)
        #expect(steps["draft"]?.calls == 2 && steps["draft"]?.costMicros == 500 && steps["draft"]?.failedCalls == 1)
        #expect(steps["check"]?.completionTokens == 5)
        #expect(steps.count == 2)
    }
}
