/// What an org may have at most. `nil` means unlimited.
public struct QuotaLimits: Hashable, Sendable, Codable {
    public var executionsPerMonth: Int?
    public var workflows: Int?
    public var agents: Int?
    public var teams: Int?
    /// Executions running at once; more wait, queued, and start as others end.
    public var concurrentExecutions: Int?

    public init(executionsPerMonth: Int?, workflows: Int?, agents: Int?, teams: Int?, concurrentExecutions: Int? = nil) {
        self.concurrentExecutions = concurrentExecutions
        self.executionsPerMonth = executionsPerMonth
        self.workflows = workflows
        self.agents = agents
        self.teams = teams
    }

    /// These limits with every non-nil field of `overrides` replacing the plan's.
    public func overridden(by overrides: QuotaOverrides) -> QuotaLimits {
        var limits = self
        if let value = overrides.executionsPerMonth { limits.executionsPerMonth = value.limit }
        if let value = overrides.workflows { limits.workflows = value.limit }
        if let value = overrides.agents { limits.agents = value.limit }
        if let value = overrides.teams { limits.teams = value.limit }
        if let value = overrides.concurrentExecutions { limits.concurrentExecutions = value.limit }
        return limits
    }
}

/// An org's own numbers in place of its plan's: a number, or explicitly unlimited.
public struct QuotaOverrides: Hashable, Sendable, Codable {
    public enum Value: Hashable, Sendable, Codable {
        case limited(Int)
        case unlimited

        public var limit: Int? {
            if case .limited(let value) = self { return value }
            return nil
        }
    }

    public var executionsPerMonth: Value?
    public var workflows: Value?
    public var agents: Value?
    public var teams: Value?
    public var concurrentExecutions: Value?

    public init(executionsPerMonth: Value? = nil, workflows: Value? = nil, agents: Value? = nil, teams: Value? = nil,
                concurrentExecutions: Value? = nil) {
        self.concurrentExecutions = concurrentExecutions
        self.executionsPerMonth = executionsPerMonth
        self.workflows = workflows
        self.agents = agents
        self.teams = teams
    }
}

/// The plans an org can be on, with the limits DESIGN's seed gives them.
public enum Plan: String, CaseIterable, Hashable, Sendable, Codable {
    case free, pro, enterprise

    public var limits: QuotaLimits {
        switch self {
        case .free: QuotaLimits(executionsPerMonth: 100, workflows: 5, agents: 10, teams: 1, concurrentExecutions: 5)
        case .pro: QuotaLimits(executionsPerMonth: 10_000, workflows: 50, agents: 100, teams: 10, concurrentExecutions: 100)
        case .enterprise: QuotaLimits(executionsPerMonth: nil, workflows: nil, agents: nil, teams: nil, concurrentExecutions: nil)
        }
    }
}

/// A countable thing a quota limits.
public enum QuotaResource: String, CaseIterable, Hashable, Sendable {
    case executionsPerMonth = "executions_per_month"
    case workflows, agents, teams
    case concurrentExecutions = "concurrent_executions"
}

public enum QuotaRules {
    /// Whether one more `resource` fits: nil if it does, else the limit it would pass.
    public static func exceeded(_ resource: QuotaResource, used: Int, limits: QuotaLimits) -> Int? {
        let limit: Int?
        switch resource {
        case .executionsPerMonth: limit = limits.executionsPerMonth
        case .workflows: limit = limits.workflows
        case .agents: limit = limits.agents
        case .teams: limit = limits.teams
        case .concurrentExecutions: limit = limits.concurrentExecutions
        }
        guard let limit, used + 1 > limit else { return nil }
        return limit
    }
}
