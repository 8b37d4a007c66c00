import Core
import GRDB
import Testing
@testable import Storage

/// The queries that run on every execution start or end must be index ranges on the rows that
/// matter now, not walks over history: SQLite picks plans without statistics, and a plan that
/// satisfied ORDER BY with the wrong index once made every end slower as executions piled up.
@Suite struct QueryPlanTests {
    func plan(_ sql: String, _ arguments: StatementArguments) async throws -> [String] {
        let directory = try TemporaryDirectory()
        let database = try openDatabase(in: directory)
        return try await database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }

    @Test func queuedExecutionsOfAnOrgAreFoundByStatusInOrder() async throws {
        let plan = try await plan(ExecutionStore.queuedOfOrgSQL, ["org"])
        // One search on the index, and no sort: the index gives the order.
        #expect(plan.count == 1 && plan[0].contains("execution_by_org_status (org_id=? AND status=?)"), "\(plan)")
    }

    @Test func runningExecutionsOfAWorkflowAreCountedByStatus() async throws {
        let plan = try await plan(ExecutionStore.runningOfWorkflowSQL, ["wf"])
        #expect(plan.count == 1 && plan[0].contains("execution_by_workflow_status (workflow_id=? AND status=?)"), "\(plan)")
    }

    /// An environment's concurrency counts the org's running rows (then filters by
    /// environment): bounded by what runs now, never a walk over history.
    @Test func runningExecutionsOfAnEnvironmentAreCountedByTheOrgsStatus() async throws {
        let plan = try await plan(ExecutionStore.runningInEnvironmentSQL, ["org", "qa"])
        #expect(plan.count == 1 && plan[0].contains("execution_by_org_status (org_id=? AND status=?)"), "\(plan)")
    }

    @Test func runningExecutionsOfAnOrgAreCountedByStatus() async throws {
        let plan = try await plan(QuotaStore.usageSQL(.concurrentExecutions), ["org"])
        #expect(plan.count == 1 && plan[0].contains("execution_by_org_status (org_id=? AND status=?)"), "\(plan)")
    }

    /// The activity feed pages through an org's failed executions on the partial index (failed
    /// rows only), not through every execution of the org.
    @Test func anOrgsFailuresAreReadFromTheirOwnIndexInOrder() async throws {
        let scope = Scope(orgID: OrgID.generate(at: testNow), reach: .org, roles: [.operator], teams: [])
        let (sql, arguments) = ActivityFeed.failuresQuery(scope, since: testNow, before: ActivityFeed.Position(at: 5, tiebreak: "x"), limit: 10)
        let plan = try await plan(sql, arguments)
        // Bounded above by the cursor too: a deep page does not walk every newer failure.
        #expect(plan.first?.contains("USING INDEX execution_failed (org_id=? AND finished_at>? AND finished_at<?)") == true, "\(plan)")
        #expect(!plan.contains { $0.contains("SCAN") }, "\(plan)")
    }

    /// The scheduler's poll (every timer wake) reads active schedules' next slots on their
    /// partial index, in slot order: 10,000 schedules are not walked to find the due few.
    @Test func dueSchedulesAreReadFromTheirIndexInSlotOrder() async throws {
        let due = try await plan(ExecutionStore.dueSchedulesSQL, [0, 10])
        #expect(due.count == 1 && due[0].contains("schedule_due (next_fire_at<?)"), "\(due)")
        let next = try await plan(ExecutionStore.nextScheduleSQL, [])
        #expect(next.count == 1 && next[0].contains("schedule_due"), "\(next)")
        #expect(!(due + next).contains { $0.contains("SCAN") || $0.contains("TEMP B-TREE") }, "\(due + next)")
    }

    /// The timer's other instants at every wake: the next deadline and the next lease end, on
    /// their partial indexes, not a scan of every execution and job.
    @Test func theNextDeadlineAndLeaseEndAreReadFromTheirIndexes() async throws {
        let deadline = try await plan(ExecutionStore.nextDeadlineSQL, [])
        #expect(deadline.count == 1 && deadline[0].contains("USING INDEX execution_unfinished"), "\(deadline)")
        let lease = try await plan(ExecutionStore.nextLeaseEndSQL, [])
        #expect(lease.count == 1 && lease[0].contains("job_lease_end"), "\(lease)")
    }
}
