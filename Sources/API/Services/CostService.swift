import Platform
import Storage

/// Budgets and what executions cost: what `BudgetRoutes` and `CostRoutes` are given; built by
/// `agentd` (Daemon/APIWiring.swift).
public struct CostService: Sendable {
    public let budgets: BudgetStore
    public let costs: CostQueries
    public let limits: RequestLimits
    public let clock: WallClock

    public init(budgets: BudgetStore, costs: CostQueries, limits: RequestLimits, clock: WallClock) {
        self.budgets = budgets
        self.costs = costs
        self.limits = limits
        self.clock = clock
    }
}
