import Core
import Testing

@Suite struct QuotaTests {
    @Test func plansCarryTheSeedsLimits() {
        #expect(Plan.free.limits == QuotaLimits(executionsPerMonth: 100, workflows: 5, agents: 10, teams: 1, concurrentExecutions: 5))
        #expect(Plan.pro.limits == QuotaLimits(executionsPerMonth: 10_000, workflows: 50, agents: 100, teams: 10, concurrentExecutions: 100))
        #expect(Plan.enterprise.limits.teams == nil)
    }

    @Test func oneMoreIsRefusedAtTheLimitOnly() {
        let limits = Plan.free.limits
        #expect(QuotaRules.exceeded(.teams, used: 0, limits: limits) == nil)
        #expect(QuotaRules.exceeded(.teams, used: 1, limits: limits) == 1)
        #expect(QuotaRules.exceeded(.teams, used: 500, limits: Plan.enterprise.limits) == nil)
    }

    @Test func overridesReplaceThePlansNumbers() {
        let limits = Plan.free.limits.overridden(by: QuotaOverrides(workflows: .limited(7), teams: .unlimited))
        #expect(limits.workflows == 7)
        #expect(limits.teams == nil)
        #expect(limits.agents == 10)
    }
}
